// The program of docs/installing.md, as a user saves it in a new Maven project:
// InstallingGuideTest (examples' tests) builds that project with Maven 3.8 and 3.9 and runs it.
// tag::hello[]
package demo;

import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.LlamaClient;
import java.util.stream.Stream;

public final class Hello {
  public static void main(String[] args) {
    String url = args.length > 0 ? args[0] : "http://localhost:8080";
    ChatRequest request =
        ChatRequest.builder()
            .system("You are a helpful assistant.")
            .user("Tell me about AI.")
            .maxTokens(48)
            .build();
    try (LlamaClient client = LlamaClient.builder().baseUrl(url).build();
        Stream<String> chunks = client.generateStream(request)) {
      chunks.forEach(
          piece -> {
            System.out.print(piece);
            System.out.flush();
          });
    }
    System.out.println();
  }
}
// end::hello[]
