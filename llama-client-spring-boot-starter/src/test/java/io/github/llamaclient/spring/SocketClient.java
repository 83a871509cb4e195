package io.github.llamaclient.spring;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A java.net.http WebSocket that queues each whole text message it receives. */
final class SocketClient implements AutoCloseable {
  final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
  final CompletableFuture<Integer> closed = new CompletableFuture<>();
  private final WebSocket socket;

  SocketClient(HttpClient http, URI uri, String caller) {
    this.socket =
        http.newWebSocketBuilder()
            .header("X-Caller", caller)
            .buildAsync(
                uri,
                new WebSocket.Listener() {
                  private final StringBuilder partial = new StringBuilder();

                  @Override
                  public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                    partial.append(data);
                    if (last) {
                      messages.add(partial.toString());
                      partial.setLength(0);
                    }
                    ws.request(1);
                    return null;
                  }

                  @Override
                  public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
                    closed.complete(status);
                    return null;
                  }

                  @Override
                  public void onError(WebSocket ws, Throwable error) {
                    closed.completeExceptionally(error);
                  }
                })
            .join();
  }

  void send(String text) {
    socket.sendText(text, true).join();
  }

  /** The next message, failing the test after 10 s. */
  String next() throws InterruptedException {
    String m = messages.poll(10, TimeUnit.SECONDS);
    if (m == null) {
      throw new AssertionError("no message within 10 s");
    }
    return m;
  }

  /** Messages up to and including the turn's end ({@code done} or {@code error}). */
  String turn() throws InterruptedException {
    StringBuilder sb = new StringBuilder();
    while (true) {
      String m = next();
      sb.append(m).append('\n');
      if (m.startsWith("{\"done\"") || m.startsWith("{\"error\"")) {
        return sb.toString();
      }
    }
  }

  /** Drops the connection without a closing handshake, as a browser tab that dies. */
  void abort() {
    socket.abort();
  }

  @Override
  public void close() {
    socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(5, TimeUnit.SECONDS);
  }

  static Duration wait(int seconds) {
    return Duration.ofSeconds(seconds);
  }
}
