package io.github.llamaclient;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.llamaclient.internal.exchange.Engine;
import io.github.llamaclient.internal.exchange.Exchange;
import io.github.llamaclient.internal.exchange.Request;
import io.github.llamaclient.internal.exchange.Transport;
import io.github.llamaclient.internal.json.Json;
import io.github.llamaclient.internal.sse.SseParser;
import java.io.IOException;
import java.net.URI;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * A request answered by one JSON (or text) body: the small endpoints, on the same engine as the
 * streams (same timeouts, retry rule, status handling and redaction). A blocking call runs on the
 * pulled transport (read on the calling thread where the transport allows).
 */
final class JsonCall {
  private JsonCall() {}

  /** The sink of one collected exchange: a future. */
  private static final class Collect extends Exchange.Sink<Exchange.Collected> {
    final CompletableFuture<Exchange.Collected> future = new CompletableFuture<>();

    @Override
    protected void event(ChatEvent event) {}

    @Override
    protected void complete(Exchange.Collected result) {
      future.complete(result);
    }

    @Override
    protected void fail(LlamaException failure) {
      future.completeExceptionally(failure);
    }

    @Override
    protected boolean wantsMore() {
      return true;
    }
  }

  private static Exchange<Exchange.Collected> exchange(ClientContext client, Request request, Transport transport, Collect sink) {
    Engine engine = client.engine();
    return Exchange.collecting(engine, request, transport, client.maxResponseChars(), c -> c, sink);
  }

  /** Sends and waits, reading on this thread where the transport allows; an interrupt cancels. */
  static Exchange.Collected call(ClientContext client, Request request) {
    return call(client, request, true);
  }

  /** Sends to the very server the request names, never routed to another (probes of one server). */
  static Exchange.Collected pinned(ClientContext client, Request request) {
    return call(client, request, false);
  }

  /** {@link #pinned} and the body as JSON. */
  static JsonNode pinnedJson(ClientContext client, Request request) {
    return parse(client, request.uri(), pinned(client, request).body());
  }

  private static Exchange.Collected call(ClientContext client, Request request, boolean routed) {
    Collect sink = new Collect();
    Exchange<Exchange.Collected> x = exchange(client, request, client.engine().pulled(), sink);
    client.startSmall(x, routed);
    try {
      if (x.readsOnConsumer()) {
        while (!sink.future.isDone() && x.pump()) {
          // each step reads once
        }
      }
      return sink.future.get();
    } catch (InterruptedException e) {
      x.cancel();
      Thread.currentThread().interrupt();
      throw new StreamCancelledException("interrupted while waiting for " + client.shown(request.uri()));
    } catch (ExecutionException e) {
      Throwable c = Exchange.unwrap(e);
      throw c instanceof LlamaException ? (LlamaException) c : new LlamaException("request failed: " + c, c);
    } catch (CancellationException e) {
      throw new StreamCancelledException("the request to " + client.shown(request.uri()) + " was cancelled");
    }
  }

  static JsonNode json(ClientContext client, Request request) {
    return parse(client, request.uri(), call(client, request).body());
  }

  static <T> T json(ClientContext client, Request request, Function<JsonNode, T> mapper) {
    JsonNode node = json(client, request);
    try {
      return mapper.apply(node);
    } catch (RuntimeException e) {
      if (e instanceof LlamaException) {
        throw e;
      }
      throw new LlamaProtocolException(
              "unexpected reply shape from " + client.shown(request.uri()) + " (" + e.getMessage() + ")",
              SseParser.Lines.preview(node.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)),
              e)
          .redactedWith(client.secrets());
    }
  }

  static JsonNode parse(ClientContext client, URI uri, byte[] body) {
    try {
      JsonNode n = Json.MAPPER.readTree(body);
      if (n == null || n.isMissingNode()) {
        throw new LlamaProtocolException("empty reply from " + client.shown(uri), "", null);
      }
      return n;
    } catch (IOException e) {
      throw new LlamaProtocolException("reply from " + client.shown(uri) + " is not JSON", SseParser.Lines.preview(body), e)
          .redactedWith(client.secrets());
    }
  }
}
