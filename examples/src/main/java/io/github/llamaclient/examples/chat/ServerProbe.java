package io.github.llamaclient.examples.chat;

import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.LlamaConnectException;
import io.github.llamaclient.LlamaException;
import io.github.llamaclient.LlamaTimeoutException;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;

/**
 * Checks, before the first prompt, that a llama-server answers, and waits while it loads its model
 * ({@code GET /health} answers 503 "Loading model" until then), printing a dot per poll. Tells
 * three failures apart: nothing listening (the connection is refused: ends at once, the user
 * should start a server), something listening that does not answer {@code GET /health} within the
 * probe client's response timeout, and a connection not accepted within its connect timeout.
 */
final class ServerProbe {
  /** What the probe found. */
  enum State {
    /** The server answered and its model is loaded (or it is not a llama-server: we try anyway). */
    READY,
    /** Nothing listens at the address: the connection was refused. */
    UNREACHABLE,
    /** Something accepted the connection (or never refused it) but did not answer in time. */
    NOT_ANSWERING
  }

  private final LlamaClient client;
  private final Duration poll;
  private long waitedNanos;
  private boolean connectTimedOut;

  /**
   * @param probe a client for the health check alone: its connect and response timeouts are how
   *     long the check waits for an answer
   * @param poll the pause between two checks while the model loads
   */
  ServerProbe(LlamaClient probe, Duration poll) {
    this.client = probe;
    this.poll = poll;
  }

  /**
   * Probes, and while the model loads prints a waiting line with a dot per poll.
   *
   * @return what it found
   * @throws InterruptedException if interrupted while waiting
   */
  State await(PrintStream out) throws InterruptedException {
    boolean waiting = false;
    while (true) {
      boolean ready;
      long start = System.nanoTime();
      try {
        // tag::ready[]
        ready = client.server().isReady(); // GET /health: false while the model loads (503)
        // end::ready[]
      } catch (LlamaConnectException e) {
        if (waiting) {
          out.println();
        }
        return State.UNREACHABLE;
      } catch (LlamaTimeoutException e) {
        waitedNanos = System.nanoTime() - start;
        connectTimedOut = e instanceof LlamaTimeoutException.Connect;
        if (waiting) {
          out.println();
        }
        return State.NOT_ANSWERING;
      } catch (LlamaException e) {
        ready = true; // something else answered: the chat request will say precisely what
      }
      if (ready) {
        if (waiting) {
          out.println(" ready.");
        }
        return State.READY;
      }
      if (!waiting) {
        out.print("llama-server at " + client.baseUrl() + " is loading its model, waiting ");
        waiting = true;
      }
      out.print('.');
      out.flush();
      Thread.sleep(poll.toMillis());
    }
  }

  /** The message for {@link State#NOT_ANSWERING}, with the time waited. */
  String notAnswering() {
    String waited = String.format(Locale.ROOT, "%.1f s", waitedNanos / 1e9);
    URI url = client.baseUrl();
    if (connectTimedOut) {
      return String.join(
          "\n",
          "Nothing accepted a connection to " + url + " within " + waited + " (waited " + waited + ").",
          "Is the address right? A firewall can drop connections silently.",
          "Point the chat at your server with --url URL (or LLAMA_SERVER_URL).");
    }
    return String.join(
        "\n",
        "Something is listening at " + url + " but did not answer GET /health (waited " + waited + ").",
        "Is it a llama-server, and is it stuck? Check its log, or restart it.",
        "Wait longer with --wait SECONDS, or point the chat elsewhere with --url URL.");
  }

  /** The one message shown when nothing listens. */
  static String unreachable(URI baseUrl) {
    int port = baseUrl.getPort() < 0 ? 8080 : baseUrl.getPort();
    return String.join(
        "\n",
        "No llama-server answers at " + baseUrl + " (nothing is listening there: connection refused).",
        "Start one, for example:",
        "  llama-server -hf ggml-org/gemma-3-1b-it-GGUF --port " + port + "   (downloads a small model)",
        "  llama-server -m path/to/model.gguf --port " + port,
        "or point the chat at yours with --url URL (or the LLAMA_SERVER_URL variable).");
  }
}
