package io.github.llamaclient;

import java.util.stream.Stream;

/** The README's streaming example, compiled here so it cannot rot ({@link ReadmeSnippetTest}). */
final class ReadmeExample {
  private ReadmeExample() {}

  static void run(String url) {
    // tag::readme[]
try (LlamaClient client = LlamaClient.builder()
        .baseUrl("http://localhost:8080")
        .build()) {
    ChatRequest request = ChatRequest.builder()
        .system("You are a helpful assistant.")
        .user("Tell me about AI.")
        .maxTokens(256)
        .build();
    try (Stream<String> tokens = client.generateStream(request)) {
        tokens.forEach(System.out::print);
    }
}
    // end::readme[]
  }
}
