package com.example.ticker;

import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.StreamInterruptedException;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** Shows a reply piece by piece as it streams, and says how the stream ended. */
public final class Ticker {
  private final LlamaClient client;
  private final Consumer<String> screen;

  /**
   * A ticker.
   *
   * @param client the client
   * @param screen where each piece goes as it arrives
   */
  public Ticker(LlamaClient client, Consumer<String> screen) {
    this.client = client;
    this.screen = screen;
  }

  /**
   * Streams the answer to a question onto the screen.
   *
   * @param question the question
   * @return "complete" if the reply streamed to its end, "interrupted: " and the text so far if
   *     the connection broke
   */
  public String ask(String question) {
    ChatRequest request = ChatRequest.builder().user(question).build();
    try (Stream<String> pieces = client.generateStream(request)) {
      pieces.forEach(screen);
      return "complete";
    } catch (StreamInterruptedException e) {
      screen.accept(" [connection lost]");
      return "interrupted: " + e.partialText();
    }
  }
}
