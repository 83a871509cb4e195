package io.github.llamaclient.examples.chat;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Checks, before the first prompt, that a llama-server answers, and waits while it loads its model
 * ({@code GET /health} answers 503 {@code unavailable_error} "Loading model" until then; API.md
 * section 2). Uses a plain {@link HttpClient}.
 *
 * <p>DEPTH: when core offers {@code health()}/{@code awaitReady(...)}, this class shrinks to a call
 * to it.
 */
final class ServerProbe {
  /** What the probe found. */
  enum State {
    /** The server answered and its model is loaded (or it is not a llama-server: we try anyway). */
    READY,
    /** Nothing answered at the address. */
    UNREACHABLE
  }

  private final URI health;
  private final Duration poll;

  ServerProbe(URI baseUrl, Duration poll) {
    String base = baseUrl.toString();
    this.health = URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/health");
    this.poll = poll;
  }

  /**
   * Probes, and while the server answers 503 prints a waiting line to {@code out} with a dot per
   * poll. Interrupting the thread stops the wait.
   *
   * @return READY or UNREACHABLE
   * @throws InterruptedException if interrupted while waiting
   */
  State await(PrintStream out) throws InterruptedException {
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    boolean waiting = false;
    try {
      while (true) {
        Integer status = status(http);
        if (status == null) {
          if (waiting) {
            out.println();
          }
          return State.UNREACHABLE;
        }
        if (status != 503) {
          if (waiting) {
            out.println(" ready.");
          }
          return State.READY;
        }
        if (!waiting) {
          out.print("llama-server at " + health.resolve("/") + " is loading its model, waiting ");
          waiting = true;
        }
        out.print('.');
        out.flush();
        Thread.sleep(poll.toMillis());
      }
    } finally {
      if (http instanceof AutoCloseable) { // JDK 21 and later
        try {
          ((AutoCloseable) http).close();
        } catch (Exception e) {
          // best effort
        }
      }
    }
  }

  /** The status of GET /health, or null if nothing answered. */
  private @Nullable Integer status(HttpClient http) throws InterruptedException {
    HttpRequest req = HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(10)).GET().build();
    try {
      return http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (ConnectException | HttpConnectTimeoutException | UnresolvedAddressException e) {
      return null;
    } catch (IOException e) {
      if (e.getCause() instanceof ConnectException || e.getCause() instanceof UnresolvedAddressException) {
        return null;
      }
      return 0; // something answered, oddly: let the chat request report it precisely
    }
  }

  /** The one message shown when nothing answers. */
  static String unreachable(URI baseUrl) {
    int port = baseUrl.getPort() < 0 ? 8080 : baseUrl.getPort();
    return String.join(
        "\n",
        "No llama-server answers at " + baseUrl + ".",
        "Start one, for example:",
        "  llama-server -hf ggml-org/gemma-3-1b-it-GGUF --port " + port + "   (downloads a small model)",
        "  llama-server -m path/to/model.gguf --port " + port,
        "or point the chat at yours with --url URL (or the LLAMA_SERVER_URL variable).");
  }
}
