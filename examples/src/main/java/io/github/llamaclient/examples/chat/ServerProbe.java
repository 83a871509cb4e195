package io.github.llamaclient.examples.chat;

import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.LlamaConnectException;
import io.github.llamaclient.LlamaException;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;

/**
 * Checks, before the first prompt, that a llama-server answers, and waits while it loads its model
 * ({@code GET /health} answers 503 "Loading model" until then), printing a dot per poll. Unlike
 * {@link LlamaClient#awaitReady(Duration)}, a refused connection ends the wait at once: the user
 * should be told to start a server, not be kept waiting.
 */
final class ServerProbe {
  /** What the probe found. */
  enum State {
    /** The server answered and its model is loaded (or it is not a llama-server: we try anyway). */
    READY,
    /** Nothing answered at the address. */
    UNREACHABLE
  }

  private final LlamaClient client;
  private final Duration poll;

  ServerProbe(LlamaClient client, Duration poll) {
    this.client = client;
    this.poll = poll;
  }

  /**
   * Probes, and while the model loads prints a waiting line with a dot per poll.
   *
   * @return READY or UNREACHABLE
   * @throws InterruptedException if interrupted while waiting
   */
  State await(PrintStream out) throws InterruptedException {
    boolean waiting = false;
    while (true) {
      boolean ready;
      try {
        // tag::ready[]
        ready = client.isReady(); // GET /health: false while the model loads (503)
        // end::ready[]
      } catch (LlamaConnectException e) {
        if (waiting) {
          out.println();
        }
        return State.UNREACHABLE;
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
