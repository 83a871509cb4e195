package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Against the real llama-server of {@code .ci/live-check.sh} ({@code LLAMA_LIVE_URL}; the tiny
 * random model, which has fill-in-the-middle tokens and no projector) and its second server ({@code
 * LLAMA_LIVE_EMBEDDINGS_URL}: {@code --embeddings --pooling none} and the tiny LoRA adapter): infill
 * streamed, {@code /v1/responses} and {@code /v1/messages} streamed, the token count, an image
 * refused before sending, LoRA adapters, native per-token embeddings. Runs only where those servers
 * are; the replay tests cover everything else.
 */
@EnabledIfEnvironmentVariable(named = "LLAMA_LIVE_URL", matches = "http://.+")
@Timeout(120)
class LiveApiTest {
  private static LlamaClient client;

  @BeforeAll
  static void connect() {
    client = LlamaClient.builder().baseUrl(System.getenv("LLAMA_LIVE_URL")).build();
    client.server().awaitReady(Duration.ofSeconds(30));
  }

  @AfterAll
  static void close() {
    client.close();
  }

  private static String text(List<ChatEvent> events) {
    StringBuilder sb = new StringBuilder();
    for (ChatEvent e : events) {
      if (e instanceof ChatEvent.Content c) {
        sb.append(c.text());
      }
    }
    return sb.toString();
  }

  @Test
  void infillStreams() {
    InfillRequest request =
        InfillRequest.builder("def add(a, b):\n    ", "\n    return c\n")
            .extra("util.py", "def sub(a, b):\n    return a - b\n")
            .settings(CompletionRequest.builder().nPredict(8).parameter("ignore_eos", true).build())
            .build();
    List<ChatEvent> events = new ArrayList<>();
    CompletionResult r;
    try (CompletionStream s = client.completions().infill().stream(request)) {
      s.forEach(events::add);
      r = s.result();
    }
    assertThat(r.tokensPredicted()).isEqualTo(8);
    assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
    assertThat(r.content()).isEqualTo(text(events));
  }

  @Test
  void responsesAndMessagesStream() {
    ChatRequest request = ChatRequest.builder().system("You are terse.").user("Tell me about AI.").maxTokens(8).build();
    for (StreamingApi<ChatRequest, ChatStream, ChatResult> api : List.of(client.chat().responses(), client.chat().messages())) {
      List<ChatEvent> events = new ArrayList<>();
      ChatResult r;
      try (ChatStream s = api.stream(request)) {
        s.forEach(events::add);
        r = s.result();
      }
      assertThat(r.text()).isEqualTo(text(events));
      assertThat(r.usage()).isNotNull();
      assertThat(r.usage().completionTokens()).isBetween(1, 8);
      assertThat(r.usage().promptTokens()).isPositive();
      assertThat(r.finishReason()).isIn(FinishReason.LENGTH, FinishReason.STOP);
      assertThat(r.id()).isNotEmpty();
    }
    assertThat(client.chat().messages().countTokens(request)).isPositive();
  }

  @Test
  void imageWithoutProjectorIsRefusedBeforeAndByTheServer() {
    ChatRequest request =
        ChatRequest.builder()
            .user(ContentPart.text("What is this?"), ContentPart.imageUrl(URI.create("https://example.com/cat.jpg")))
            .maxTokens(4)
            .build();
    assertThatThrownBy(() -> client.chat().call(request))
        .isInstanceOfSatisfying(ModalityNotSupportedException.class, e -> assertThat(e.checkedBeforeSending()).isTrue());
    try (LlamaClient unchecked = LlamaClient.builder().baseUrl(System.getenv("LLAMA_LIVE_URL")).checkModalities(false).build()) {
      assertThatThrownBy(() -> unchecked.chat().call(request))
          .isInstanceOfSatisfying(ModalityNotSupportedException.class, e -> assertThat(e.checkedBeforeSending()).isFalse());
    }
  }

  @Test
  @EnabledIfEnvironmentVariable(named = "LLAMA_LIVE_EMBEDDINGS_URL", matches = "http://.+")
  void loraAdaptersAndNativeEmbeddings() {
    try (LlamaClient second = LlamaClient.builder().baseUrl(System.getenv("LLAMA_LIVE_EMBEDDINGS_URL")).build()) {
      second.server().awaitReady(Duration.ofSeconds(30));
      List<LoraAdapter> adapters = second.server().loraAdapters();
      assertThat(adapters).hasSize(1);
      assertThat(adapters.get(0).path()).endsWith("tiny-lora.gguf");
      second.server().setLoraAdapters(List.of(adapters.get(0).withScale(0.5)));
      assertThat(second.server().loraAdapters().get(0).scale()).isEqualTo(0.5);

      List<NativeEmbedding> e = second.embeddings().embedNative(List.of("Hello world", "the license"));
      int tokens = second.tokenizer().count("Hello world");
      assertThat(e).hasSize(2);
      assertThat(e.get(0).vectors()).hasSizeGreaterThanOrEqualTo(tokens).allSatisfy(v -> assertThat(v).hasSize(64));
      assertThatThrownBy(() -> second.embeddings().embed(List.of("Hello world")))
          .isInstanceOf(LlamaHttpException.class)
          .hasMessageContaining("Pooling type 'none'");
    }
  }
}
