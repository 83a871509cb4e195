package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.testing.Transcript;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** models, slots, metrics over their recordings; embeddings, rerank and the 501s shaped as API.md says. */
@Timeout(30)
class MoreEndpointsTest {
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

  private RecordedRequest taken() throws InterruptedException {
    RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(r).isNotNull();
    return r;
  }

  @Test
  void models() throws Exception {
    server.enqueue(Transcript.load("models").response());
    List<ModelInfo> models = client.server().models();
    assertThat(models).containsExactly(new ModelInfo("tiny.gguf", List.of(), "llamacpp", 1795639244L, 4537, 2048, 4096, 64, 662976L, 2651904L));
    assertThat(taken().getTarget()).isEqualTo("/v1/models");
  }

  @Test
  void slotsWithNextTokenAsArray() throws Exception {
    server.enqueue(Transcript.load("slots").response());
    List<SlotInfo> slots = client.slots().list();
    assertThat(slots).hasSize(2);
    assertThat(slots.get(0).id()).isEqualTo(0);
    assertThat(slots.get(0).contextSize()).isEqualTo(2048);
    assertThat(slots.get(0).taskId()).isEqualTo(7763);
    assertThat(slots.get(0).decoded()).isEqualTo(120);
    assertThat(slots.get(1).decoded()).isEqualTo(16);
    assertThat(slots.get(1).processing()).isFalse();
    assertThat(MAPPER.readTree(slots.get(1).paramsJson()).get("seed").asInt()).isEqualTo(1);
    assertThat(taken().getTarget()).isEqualTo("/slots");
  }

  @Test
  void metricsParsedIntoNamedValues() throws Exception {
    server.enqueue(Transcript.load("metrics").response());
    Metrics m = client.server().metrics();
    assertThat(m.values()).hasSize(11);
    assertThat(m.promptTokensTotal()).isEqualTo(2620);
    assertThat(m.promptSecondsTotal()).isEqualTo(0.09);
    assertThat(m.tokensPredictedTotal()).isEqualTo(7834);
    assertThat(m.tokensPredictedSecondsTotal()).isEqualTo(2.837);
    assertThat(m.decodeCallsTotal()).isEqualTo(7824);
    assertThat(m.tokensMax()).isEqualTo(2047);
    assertThat(m.promptTokensPerSecond()).isEqualTo(29111.1);
    assertThat(m.predictedTokensPerSecond()).isEqualTo(2761.37);
    assertThat(m.requestsProcessing()).isZero();
    assertThat(m.requestsDeferred()).isZero();
    assertThat(m.busySlotsPerDecode()).isEqualTo(1.00128);
    assertThat(m.value("llamacpp:nope")).isNaN();
    assertThat(taken().getTarget()).isEqualTo("/metrics");
  }

  @Test
  void metricsWithLabelsAndTimestamps() {
    Metrics m = Metrics.parse("# HELP x y\nfoo{a=\"1 2\"} 3 1700000000\nbar +Inf\n");
    assertThat(m.values()).containsEntry("foo{a=\"1 2\"}", 3.0).containsEntry("bar", Double.POSITIVE_INFINITY);
  }

  @Test
  void embeddings() throws Exception {
    // No recording exists (the recorded servers ran without --embeddings): the reply is shaped as
    // API.md section 5 says for POST /v1/embeddings.
    server.enqueue(
        json(
            "{\"model\":\"tiny.gguf\",\"object\":\"list\",\"usage\":{\"prompt_tokens\":4,\"total_tokens\":4},"
                + "\"data\":[{\"embedding\":[0.5,-0.25],\"index\":1,\"object\":\"embedding\"},"
                + "{\"embedding\":[1.0,0.0],\"index\":0,\"object\":\"embedding\"}]}"));
    List<Embedding> e = client.embeddings().embed(List.of("a", "b"));
    assertThat(e).containsExactly(new Embedding(0, new float[] {1f, 0f}), new Embedding(1, new float[] {0.5f, -0.25f}));
    RecordedRequest r = taken();
    assertThat(r.getTarget()).isEqualTo("/v1/embeddings");
    assertThat(MAPPER.readTree(r.getBody().utf8())).isEqualTo(MAPPER.readTree("{\"input\":[\"a\",\"b\"],\"encoding_format\":\"float\"}"));
  }

  @Test
  void rerank() throws Exception {
    // No recording exists: the reply is shaped as API.md section 5 says for POST /v1/rerank.
    server.enqueue(
        json(
            "{\"model\":\"rr.gguf\",\"object\":\"list\",\"usage\":{\"prompt_tokens\":9,\"total_tokens\":9},"
                + "\"results\":[{\"index\":1,\"relevance_score\":3.5},{\"index\":0,\"relevance_score\":-1.25}]}"));
    assertThat(client.embeddings().rerank("q", List.of("d0", "d1"), 2))
        .containsExactly(new RerankResult(1, 3.5), new RerankResult(0, -1.25));
    RecordedRequest r = taken();
    assertThat(r.getTarget()).isEqualTo("/v1/rerank");
    assertThat(MAPPER.readTree(r.getBody().utf8()))
        .isEqualTo(MAPPER.readTree("{\"query\":\"q\",\"documents\":[\"d0\",\"d1\"],\"top_n\":2}"));
  }

  private static MockResponse json(String body) {
    return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json; charset=utf-8").body(body).build();
  }

  /** A 501 body shaped as API.md section 2 says (no recording exists; the message text is ours). */
  private static MockResponse notSupported(String message) {
    return new MockResponse.Builder()
        .code(501)
        .addHeader("Content-Type", "application/json; charset=utf-8")
        .body("{\"error\":{\"code\":501,\"message\":\"" + message + "\",\"type\":\"not_supported_error\"}}")
        .build();
  }

  private void assertNotSupported(Runnable call, String flag) {
    server.enqueue(notSupported("This server does not support this feature."));
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            NotSupportedException.class,
            e -> {
              assertThat(e.serverFlag()).contains(flag);
              assertThat(e.getMessage()).contains(flag);
              assertThat(e.statusCode()).isEqualTo(501);
            });
  }

  @Test
  void notSupportedNamesTheServerFlag() {
    assertNotSupported(client.server()::metrics, "--metrics");
    assertNotSupported(() -> client.slots().save(0, "a.bin"), "--slot-save-path");
    assertNotSupported(() -> client.slots().restore(0, "a.bin"), "--slot-save-path");
    assertNotSupported(client.slots()::list, "--slots");
    assertNotSupported(() -> client.embeddings().embed(List.of("x")), "--embeddings");
    assertNotSupported(() -> client.embeddings().rerank("q", List.of("d"), 0), "--reranking");
    assertNotSupported(() -> client.server().updateProps(Map.of("n", 1)), "--props");
  }
}
