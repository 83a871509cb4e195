package io.github.llamaclient.examples.console;

import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.LlamaClient;
import java.util.stream.Stream;

/**
 * The smallest streaming program: asks one question (the arguments, or a default) and prints the
 * reply to standard output as it is generated. The server comes from {@code LLAMA_SERVER_URL}
 * (default {@code http://localhost:8080}).
 */
public final class ConsoleStreaming {
  private ConsoleStreaming() {}

  /**
   * Streams one reply.
   *
   * @param args the question, as words
   */
  public static void main(String[] args) {
    String question = args.length > 0 ? String.join(" ", args) : "Tell me about AI.";
    // tag::console[]
    try (LlamaClient client = LlamaClient.fromEnv();
        Stream<String> reply = client.generateStream(ChatRequest.builder().user(question).build())) {
      reply.forEach(
          piece -> {
            System.out.print(piece);
            System.out.flush();
          });
    }
    System.out.println();
    // end::console[]
  }
}
