package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.testing.Transcript;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The code of docs/multimodal.md and docs/llama-cpp.md (regions marked {@code tag::}, checked
 * against the pages by the examples' DocsSnippetsTest), run here against the recordings.
 */
@Timeout(30)
class FeatureSnippetsTest {
  private MockWebServer server;
  private LlamaClient client;

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    server.start();
    client = LlamaClient.builder().baseUrl(server.url("/").uri()).build();
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  static String image(LlamaClient client, Path photo) {
    // tag::image[]
    ChatRequest request =
        ChatRequest.builder()
            .user(
                ContentPart.text("What is in these images?"),
                ContentPart.image(photo), // read now, sent inline as a data: URI
                ContentPart.imageUrl(URI.create("https://example.com/cat.jpg"))) // fetched by the server
            .build();
    try (Stream<String> text = client.chat().textStream(request)) { // every face takes it
      return text.collect(Collectors.joining());
    } catch (ModalityNotSupportedException e) { // the server has no projector: nothing was sent
      return "start llama-server with " + e.serverFlag();
    }
    // end::image[]
  }

  @Test
  void imageSnippet(@TempDir Path dir) throws Exception {
    Path photo = Files.write(dir.resolve("photo.png"), new byte[] {1, 2, 3});
    server.enqueue(Transcript.load("props").response());
    assertThat(image(client, photo)).isEqualTo("start llama-server with --mmproj");
    server.enqueue(Transcript.load("props-vision-audio").response()); // a new client looks up /props again
    server.enqueue(Transcript.load("chat-stream-vision").response());
    try (LlamaClient other = LlamaClient.builder().baseUrl(server.url("/").uri()).build()) {
      assertThat(image(other, photo)).isEqualTo(Transcript.load("chat-stream-vision").expectedContent());
    }
  }

  static String infill(LlamaClient client) {
    // tag::infill[]
    InfillRequest request =
        InfillRequest.builder("def add(a, b):\n    ", "\n    return c\n") // before and after the gap
            .extra("util.py", "def sub(a, b):\n    return a - b\n") // input_extra: other files
            .settings(CompletionRequest.builder().nPredict(8).seed(1).build())
            .build();
    try (Stream<String> text = client.completions().infill().textStream(request)) {
      return text.collect(Collectors.joining()); // as the model writes it
    }
    // end::infill[]
  }

  @Test
  void infillSnippet() {
    server.enqueue(Transcript.load("infill-stream").response());
    assertThat(infill(client)).isEqualTo(Transcript.load("infill-stream").expectedContent());
  }

  static CompletionResult lora(LlamaClient client) {
    // tag::lora[]
    List<LoraAdapter> adapters = client.server().loraAdapters(); // loaded with --lora FILE
    client.server().setLoraAdapters(List.of(adapters.get(0).withScale(0.5))); // for every request
    CompletionRequest request =
        CompletionRequest.builder()
            .prompt("Once upon a time")
            .nPredict(8)
            .seed(1)
            .lora(List.of(new LoraScale(0, 0.25))) // for this request alone
            .build();
    return client.completions().call(request);
    // end::lora[]
  }

  @Test
  void loraSnippet() {
    server.enqueue(Transcript.load("lora-adapters").response());
    server.enqueue(Transcript.load("lora-adapters-set").response());
    server.enqueue(Transcript.load("completion-stream-lora").response());
    assertThat(lora(client).content()).isEqualTo(Transcript.load("completion-stream-lora").expectedContent());
  }

  static int embeddings(LlamaClient client) {
    // tag::embeddings[]
    NativeEmbedding e = client.embeddings().embedNative(List.of("Hello world")).get(0);
    List<float[]> perToken = e.vectors(); // --pooling none: one vector per token
    // with pooling: e.pooled(), the one vector; embedNative(inputs, EmbeddingNormalization.NONE) for raw ones
    // end::embeddings[]
    return perToken.size();
  }

  @Test
  void embeddingsSnippet() {
    server.enqueue(Transcript.load("embeddings-native-pooling-none").response());
    assertThat(embeddings(client)).isEqualTo(11);
  }

  static List<String> protocols(LlamaClient client) {
    // tag::protocols[]
    ChatRequest request = ChatRequest.builder().system("You are terse.").user("Tell me about AI.").maxTokens(8).build();
    ChatResult viaResponses = client.chat().responses().call(request); // POST /v1/responses
    StringBuilder viaMessages = new StringBuilder();
    try (ChatStream events = client.chat().messages().stream(request)) { // POST /v1/messages
      for (ChatEvent e : events) { // the same events as a chat stream
        if (e instanceof ChatEvent.Content c) {
          viaMessages.append(c.text());
        }
      }
    }
    // end::protocols[]
    return List.of(viaResponses.text(), viaMessages.toString());
  }

  @Test
  void protocolsSnippet() {
    server.enqueue(Transcript.load("responses-stream").response());
    server.enqueue(Transcript.load("messages-stream").response());
    assertThat(protocols(client))
        .containsExactly(
            Transcript.load("responses-stream").chunks().stream()
                .filter(n -> n.get("type").asText().equals("response.output_text.delta"))
                .map(n -> n.get("delta").asText())
                .collect(Collectors.joining()),
            Transcript.load("messages-stream").chunks().stream()
                .filter(n -> n.path("delta").path("type").asText().equals("text_delta"))
                .map(n -> n.get("delta").get("text").asText())
                .collect(Collectors.joining()));
  }
}
