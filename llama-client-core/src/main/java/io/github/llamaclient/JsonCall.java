package io.github.llamaclient;

import io.github.llamaclient.internal.sse.SseParser;
import io.github.llamaclient.internal.json.Json;
import io.github.llamaclient.internal.json.HttpErrors;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.function.Function;

/** A request answered by one JSON (or text) body: the small endpoints. */
final class JsonCall {
  private JsonCall() {}

  /** The body and status of a finished small exchange. */
  record Reply(int status, byte[] body, java.net.http.HttpHeaders headers) {}

  static CompletableFuture<Reply> send(LlamaClient client, HttpRequest request) {
    URI uri = request.uri();
    WireListener wire = client.wireListener();
    long start = System.nanoTime();
    if (wire != null) {
      safe(() -> wire.onRequest(request.method(), uri, client.redactedHeaders(request), client.bodyText(request)));
    }
    CompletableFuture<HttpResponse<byte[]>> f =
        client.http().sendAsync(request, info -> bounded(client, info.statusCode()));
    CompletableFuture<Reply> out =
        f.handle(
            (r, t) -> {
              java.time.Duration since = java.time.Duration.ofNanos(System.nanoTime() - start);
              if (t != null) {
                LlamaException e = map(client, uri, Exchange.unwrap(t)).redactedWith(client.secrets());
                if (wire != null) {
                  safe(() -> wire.onEnd(uri, since, e));
                }
                throw e;
              }
              if (wire != null) {
                safe(() -> wire.onResponse(uri, r.statusCode(), r.headers().map(), since));
                safe(() -> wire.onEnd(uri, since, null));
              }
              if (!HttpErrors.isSuccess(r.statusCode())) { // 3xx too: never followed
                throw HttpErrors.failure(
                    uri, r.statusCode(), r.body(), r.headers().firstValue("location").orElse(null), client.secrets());
              }
              return new Reply(r.statusCode(), r.body(), r.headers());
            });
    out.whenComplete(
        (r, t) -> {
          if (out.isCancelled()) {
            f.cancel(true);
          }
        });
    return out;
  }

  /** Sends and waits; an interrupt cancels the exchange. */
  static Reply call(LlamaClient client, HttpRequest request) {
    CompletableFuture<Reply> f = send(client, request);
    try {
      return f.get();
    } catch (InterruptedException e) {
      f.cancel(true);
      Thread.currentThread().interrupt();
      throw new StreamCancelledException("interrupted while waiting for " + request.uri());
    } catch (ExecutionException e) {
      Throwable c = Exchange.unwrap(e);
      throw (c instanceof LlamaException ? (LlamaException) c : map(client, request.uri(), c)).redactedWith(client.secrets());
    } catch (CancellationException e) {
      throw new StreamCancelledException("the request to " + request.uri() + " was cancelled");
    }
  }

  static JsonNode json(LlamaClient client, HttpRequest request) {
    byte[] body = call(client, request).body();
    try {
      return parse(request.uri(), body);
    } catch (LlamaException e) {
      throw e.redactedWith(client.secrets());
    }
  }

  static <T> T json(LlamaClient client, HttpRequest request, Function<JsonNode, T> mapper) {
    JsonNode node = json(client, request);
    try {
      return mapper.apply(node);
    } catch (LlamaException e) {
      throw e.redactedWith(client.secrets());
    } catch (RuntimeException e) {
      throw new LlamaProtocolException(
              "unexpected reply shape from " + request.uri() + " (" + e.getMessage() + ")",
              SseParser.Lines.preview(node.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)),
              e)
          .redactedWith(client.secrets());
    }
  }

  static JsonNode parse(URI uri, byte[] body) {
    try {
      JsonNode n = Json.MAPPER.readTree(body);
      if (n == null || n.isMissingNode()) {
        throw new LlamaProtocolException("empty reply from " + uri, "");
      }
      return n;
    } catch (IOException e) {
      throw new LlamaProtocolException("reply from " + uri + " is not JSON", SseParser.Lines.preview(body), e);
    }
  }

  static LlamaException map(LlamaClient client, URI uri, Throwable t) {
    if (t instanceof LlamaException) {
      return (LlamaException) t;
    }
    if (t instanceof CancellationException) {
      return new StreamCancelledException("the request to " + uri + " was cancelled");
    }
    if (t instanceof java.net.http.HttpConnectTimeoutException) {
      return new LlamaTimeoutException.Connect(uri.toString(), client.connectTimeout(), t);
    }
    if (t instanceof java.net.http.HttpTimeoutException) {
      return new LlamaTimeoutException.ResponseHeaders(uri.toString(), client.responseTimeout(), t);
    }
    if (t instanceof java.net.ConnectException
        || t instanceof java.net.UnknownHostException
        || t instanceof java.nio.channels.UnresolvedAddressException
        || t.getCause() instanceof java.net.ConnectException
        || t.getCause() instanceof java.nio.channels.UnresolvedAddressException) {
      return new LlamaConnectException(uri, t);
    }
    return new LlamaException("request to " + uri + " failed: " + t, t);
  }

  /**
   * The body subscriber for a status: a reply is read up to {@code maxResponseChars} (past it the
   * call fails), an error body up to 64 KiB for its message, and nothing of any other (a redirect,
   * a status that is none), whose exception is made from the head alone.
   */
  private static HttpResponse.BodySubscriber<byte[]> bounded(LlamaClient client, int status) {
    if (HttpErrors.isSuccess(status)) {
      return new Bounded(client.maxResponseChars(), false);
    }
    return new Bounded(HttpErrors.bodyBytesFor(status, MAX_ERROR_BODY), true);
  }

  private static final int MAX_ERROR_BODY = 64 * 1024;

  private static void safe(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      System.getLogger(JsonCall.class.getName()).log(System.Logger.Level.WARNING, "wire listener failed", e);
    }
  }

  /**
   * Collects the body up to a bound; past it the exchange is cancelled, and the body fails with
   * {@link ResponseTooLargeException} or, for an error body, is what was collected.
   */
  private static final class Bounded implements HttpResponse.BodySubscriber<byte[]> {
    private final int max;
    private final boolean truncate;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private Flow.@org.jspecify.annotations.Nullable Subscription subscription;

    Bounded(int max, boolean truncate) {
      this.max = max;
      this.truncate = truncate;
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (truncate && max == 0) {
        s.cancel();
        result.complete(new byte[0]);
        return;
      }
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      for (ByteBuffer b : items) {
        if (result.isDone()) {
          return;
        }
        if (out.size() + b.remaining() > max) {
          Flow.Subscription s = subscription;
          if (s != null) {
            s.cancel();
          }
          if (truncate) {
            byte[] a = new byte[max - out.size()];
            b.get(a);
            out.write(a, 0, a.length);
            result.complete(out.toByteArray());
          } else {
            result.completeExceptionally(new ResponseTooLargeException(max));
          }
          return;
        }
        byte[] a = new byte[b.remaining()];
        b.get(a);
        out.write(a, 0, a.length);
      }
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      result.complete(out.toByteArray());
    }
  }
}
