package io.github.llamaclient.examples.console;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.ChatStream;
import io.github.llamaclient.ContextSizeExceededException;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.LlamaConnectException;
import io.github.llamaclient.LlamaException;
import io.github.llamaclient.LlamaHttpException;
import io.github.llamaclient.LlamaStreamException;
import io.github.llamaclient.LlamaTimeoutException;
import io.github.llamaclient.StreamHandle;
import io.github.llamaclient.StreamInterruptedException;
import io.github.llamaclient.StreamListener;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The streaming faces side by side, each returning the reply text; the user guide's snippets come
 * from here (docs/streaming.md, docs/errors.md), and a test runs each over a recorded reply.
 */
public final class StreamingFaces {
  private StreamingFaces() {}

  static String textStream(LlamaClient client, ChatRequest request) {
    // tag::text-stream[]
    StringBuilder reply = new StringBuilder();
    try (Stream<String> pieces = client.generateStream(request)) {
      pieces.forEach(piece -> {
        System.out.print(piece);
        reply.append(piece);
      });
    }
    // end::text-stream[]
    return reply.toString();
  }

  static String events(LlamaClient client, ChatRequest request) {
    // tag::events[]
    try (ChatStream events = client.chat().stream(request)) {
      for (ChatEvent e : events) {
        if (e instanceof ChatEvent.Reasoning r) {
          System.out.print("[thinking] " + r.text());
        } else if (e instanceof ChatEvent.Content c) {
          System.out.print(c.text());
        } else if (e instanceof ChatEvent.Progress p) {
          System.out.printf("prompt %.0f%%%n", p.fraction() * 100);
        }
      }
      ChatResult result = events.result(); // text, reasoning, tool calls, finish reason, usage, timings
      return result.text();
    }
    // end::events[]
  }

  static String callbacks(LlamaClient client, ChatRequest request) throws Exception {
    // tag::callbacks[]
    StreamHandle<ChatResult> handle =
        client.chat().subscribe(
            request,
            StreamListener.of(
                piece -> System.out.print(piece), // on the client's callback executor, one at a time
                result -> System.out.println("\n[" + result.finishReason() + "]"),
                error -> System.err.println("failed: " + error.getMessage())));
    // ... handle.cancel() stops it; handle.result() is a CompletableFuture<ChatResult>
    ChatResult result = handle.result().get(5, TimeUnit.MINUTES);
    // end::callbacks[]
    return result.text();
  }

  static String publisher(LlamaClient client, ChatRequest request) throws Exception {
    CompletableFuture<String> done = new CompletableFuture<>();
    // tag::publisher[]
    Flow.Publisher<String> publisher = client.chat().textPublisher(request); // cold: subscribing sends the request
    publisher.subscribe(
        new Flow.Subscriber<String>() {
          private final StringBuilder text = new StringBuilder();
          private Flow.Subscription subscription;

          @Override
          public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(16); // no more than asked: the connection is read only while there is demand
          }

          @Override
          public void onNext(String piece) {
            text.append(piece);
            subscription.request(1);
          }

          @Override
          public void onError(Throwable t) {
            done.completeExceptionally(t);
          }

          @Override
          public void onComplete() {
            done.complete(text.toString());
          }
        });
    // end::publisher[]
    return done.get(5, TimeUnit.MINUTES);
  }

  static String blocking(LlamaClient client, ChatRequest request) throws Exception {
    // tag::blocking[]
    ChatResult result = client.chat().call(request); // streamed underneath: the idle timeout still applies
    CompletableFuture<ChatResult> later = client.chat().callAsync(request); // cancel(true) closes the connection
    // end::blocking[]
    later.get(5, TimeUnit.MINUTES);
    return result.text();
  }

  static String firstChars(LlamaClient client, ChatRequest request, int max) {
    // tag::cancel[]
    try (Stream<String> pieces = client.generateStream(request)) {
      // leaving the block closes the stream: the connection closes, llama-server stops generating
      return pieces.collect(Collectors.joining()).substring(0, max);
    }
    // end::cancel[]
  }

  static String errors(LlamaClient client, ChatRequest request) {
    // tag::errors[]
    try (Stream<String> pieces = client.generateStream(request)) {
      return pieces.collect(Collectors.joining());
    } catch (LlamaConnectException e) { // nothing listens at the URL; the message says how to start one
      return "no server: " + e.uri();
    } catch (ContextSizeExceededException e) { // 400 exceed_context_size_error, with the token counts
      return "prompt too long: " + e.getMessage();
    } catch (LlamaHttpException e) { // any other HTTP error, with llama-server's error type
      return "HTTP " + e.statusCode() + " " + e.errorType() + ": " + e.serverMessage();
    } catch (LlamaStreamException e) { // llama-server reported an error after streaming began
      return "failed mid-stream: " + e.getMessage();
    } catch (StreamInterruptedException e) { // the connection broke before the end
      return "cut off: " + e.getMessage();
    } catch (LlamaTimeoutException e) { // connect, response headers or idle: the message names the limit
      return "timed out: " + e.getMessage();
    } catch (LlamaException e) { // the root of them all (unchecked)
      return "failed: " + e.getMessage();
    }
    // end::errors[]
  }

  static LlamaClient configured() {
    // tag::builder[]
    LlamaClient client =
        LlamaClient.builder()
            .baseUrl("http://localhost:8080")
            .apiKey("sk-my-key") // llama-server --api-key; never printed
            .connectTimeout(Duration.ofSeconds(5))
            .responseTimeout(Duration.ofMinutes(10)) // until the first token: covers prompt processing
            .idleTimeout(Duration.ofSeconds(60)) // longest silence between two chunks
            .defaultMaxTokens(512)
            .build();
    // end::builder[]
    return client;
  }

  static ChatRequest llamaCppRequest() {
    // tag::llama-cpp-request[]
    ChatRequest request =
        ChatRequest.builder()
            .user("Answer yes or no: is the sky blue?")
            .reasoningFormat("deepseek") // thinking arrives apart, as ChatEvent.Reasoning
            .returnProgress(true) // ChatEvent.Progress while a long prompt is processed
            .timingsPerToken(true) // ChatEvent.TokenTimings with each token
            .idSlot(0) // pin to slot 0 ...
            .cachePrompt(true) // ... and reuse its prompt cache
            .parameter("grammar", "root ::= \"yes\" | \"no\"") // any other llama.cpp field, as JSON
            .build();
    // end::llama-cpp-request[]
    return request;
  }
}
