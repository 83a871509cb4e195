package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.testing.Transcript;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** LoRA adapters (list, set, per request) and native {@code /embeddings}, over llama-server b11669's recordings. */
@Timeout(60)
class LoraAndNativeEmbeddingsTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
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

  private RecordedRequest sent(String target) throws Exception {
    RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(r.getTarget()).isEqualTo(target);
    return r;
  }

  private static JsonNode body(RecordedRequest r) throws Exception {
    return MAPPER.readTree(r.getBody().utf8());
  }

  @Test
  void listsAndSetsAdapters() throws Exception {
    server.enqueue(Transcript.load("lora-adapters").response());
    List<LoraAdapter> adapters = client.server().loraAdapters();
    assertThat(adapters).containsExactly(new LoraAdapter(0, "/tmp/h16/tiny-lora.gguf", 1.0, "", ""));
    assertThat(sent("/lora-adapters").getMethod()).isEqualTo("GET");

    Transcript set = Transcript.load("lora-adapters-set");
    server.enqueue(set.response());
    client.server().setLoraAdapters(List.of(adapters.get(0).withScale(0.5)));
    RecordedRequest r = sent("/lora-adapters");
    assertThat(r.getMethod()).isEqualTo("POST");
    assertThat(body(r)).isEqualTo(set.requestBody());
  }

  static List<org.junit.jupiter.params.provider.Arguments> faces() {
    return ApiFaces.withTransports().toList();
  }

  @ParameterizedTest(name = "{0} via {1}")
  @MethodSource("faces")
  void perRequestLoraOverEveryFace(ApiFaces face, Transports transport) throws Exception {
    client.close();
    client = transport.builder(server.url("/").uri()).build();
    Transcript t = Transcript.load("completion-stream-lora");
    server.enqueue(t.response());
    CompletionRequest request =
        CompletionRequest.builder().prompt("Once upon a time").nPredict(8).seed(1).lora(List.of(new LoraScale(0, 0.25))).build();

    ApiFaces.Outcome<CompletionResult> o = face.run(client.completions(), request);

    assertThat(o.failure()).isNull();
    if (o.text() != null) {
      assertThat(o.text()).isEqualTo(t.expectedContent()).isNotEmpty();
    }
    if (o.result() != null) {
      assertThat(o.result().content()).isEqualTo(t.expectedContent());
    }
    assertThat(body(sent("/completion"))).isEqualTo(t.requestBody());
  }

  @Test
  void chatRequestsCarryLoraToo() throws Exception {
    ChatRequest r = ChatRequest.builder().user("hi").lora(List.of(new LoraScale(0, 0.25), new LoraScale(1, 0))).build();
    assertThat(r.lora()).hasSize(2);
    JsonNode body = MAPPER.readTree(RequestJson.chatBody(r, true, ClientDefaults.NONE));
    assertThat(body.get("lora").toString()).isEqualTo("[{\"id\":0,\"scale\":0.25},{\"id\":1,\"scale\":0.0}]");
    assertThat(MAPPER.readTree(RequestJson.chatBody(ChatRequest.builder().user("hi").build(), true, ClientDefaults.NONE)).has("lora")).isFalse();
    assertThatThrownBy(() -> new LoraScale(-1, 1)).hasMessageContaining("0 or more");
    assertThatThrownBy(() -> new LoraScale(0, Double.NaN)).hasMessageContaining("finite");
  }

  @Test
  void nativeEmbeddingsPerTokenWithPoolingNone() throws Exception {
    Transcript t = Transcript.load("embeddings-native-pooling-none");
    server.enqueue(t.response());
    List<NativeEmbedding> e = client.embeddings().embedNative(List.of("Hello world"));
    assertThat(body(sent("/embeddings"))).isEqualTo(t.requestBody());
    assertThat(e).hasSize(1);
    assertThat(e.get(0).vectors()).hasSize(11).allSatisfy(v -> assertThat(v).hasSize(64));
    JsonNode first = MAPPER.readTree(t.bodyText()).get(0).get("embedding").get(10);
    assertThat(e.get(0).vectors().get(10)[63]).isEqualTo((float) first.get(63).asDouble());
    assertThatThrownBy(() -> e.get(0).pooled()).isInstanceOf(IllegalStateException.class).hasMessageContaining("--pooling none");
  }

  @Test
  void nativeEmbeddingsPooledAndNormalised() throws Exception {
    Transcript mean = Transcript.load("embeddings-native-mean");
    server.enqueue(mean.response());
    List<NativeEmbedding> e = client.embeddings().embedNative(List.of("Hello world", "the license"), EmbeddingNormalization.EUCLIDEAN);
    assertThat(body(sent("/embeddings"))).isEqualTo(mean.requestBody());
    assertThat(e).extracting(NativeEmbedding::index).containsExactly(0, 1);
    assertThat(norm(e.get(1).pooled())).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));

    Transcript raw = Transcript.load("embeddings-native-unnormalized");
    server.enqueue(raw.response());
    NativeEmbedding r = client.embeddings().embedNative(List.of("Hello world"), EmbeddingNormalization.NONE).get(0);
    assertThat(body(sent("/embeddings"))).isEqualTo(raw.requestBody());
    assertThat(norm(r.pooled())).isGreaterThan(1.5);
  }

  private static double norm(float[] v) {
    double s = 0;
    for (float x : v) {
      s += x * x;
    }
    return Math.sqrt(s);
  }

  @Test
  void embeddingErrorsAreTyped() {
    server.enqueue(Transcript.load("embeddings-native-not-enabled").response());
    assertThatThrownBy(() -> client.embeddings().embedNative(List.of("hello")))
        .isInstanceOfSatisfying(NotSupportedException.class, e -> assertThat(e.serverFlag()).isEqualTo("--embeddings"));
    server.enqueue(Transcript.load("embeddings-v1-pooling-none").response());
    assertThatThrownBy(() -> client.embeddings().embed(List.of("Hello world")))
        .isInstanceOfSatisfying(
            LlamaHttpException.class, e -> assertThat(e.serverMessage()).contains("Pooling type 'none' is not OAI compatible"));
    assertThatThrownBy(() -> client.embeddings().embedNative(List.of())).isInstanceOf(IllegalArgumentException.class);
  }
}
