package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

/** {@code POST /infill} streamed over every face (llama-server b11669's recording), with {@code input_extra}. */
@Timeout(60)
class InfillTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private MockWebServer server;
  private LlamaClient client;

  static final InfillRequest RECORDED =
      InfillRequest.builder("def add(a, b):\n    ", "\n    return c\n")
          .extra("util.py", "def sub(a, b):\n    return a - b\n")
          .settings(CompletionRequest.builder().nPredict(8).seed(1).build())
          .build();

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    server.start();
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    server.close();
  }

  static List<org.junit.jupiter.params.provider.Arguments> faces() {
    return ApiFaces.withTransports().toList();
  }

  @ParameterizedTest(name = "{0} via {1}")
  @MethodSource("faces")
  void streamsOverEveryFace(ApiFaces face, Transports transport) throws Exception {
    Transcript t = Transcript.load("infill-stream");
    server.enqueue(t.response(face == ApiFaces.EVENTS ? Transcript.Cut.ONE_BYTE : Transcript.Cut.RECORDED, false));
    client = transport.builder(server.url("/").uri()).build();

    ApiFaces.Outcome<CompletionResult> o = face.run(client.completions().infill(), RECORDED);

    assertThat(o.failure()).isNull();
    if (o.text() != null) {
      assertThat(o.text()).isEqualTo(t.expectedContent()).isNotEmpty();
    }
    if (o.result() != null) {
      CompletionResult r = o.result();
      assertThat(r.content()).isEqualTo(t.expectedContent());
      assertThat(r.stopType()).isEqualTo("limit");
      assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
      assertThat(r.tokensPredicted()).isEqualTo(8);
      assertThat(r.tokensEvaluated()).isEqualTo(49);
      assertThat(r.timings().predictedN()).isEqualTo(8);
    }
    RecordedRequest sent = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(sent.getTarget()).isEqualTo("/infill");
    assertThat(MAPPER.readTree(sent.getBody().utf8())).isEqualTo(t.requestBody());
  }

  @Test
  void notStreamedBothWays() throws Exception {
    Transcript t = Transcript.load("infill-complete");
    client = LlamaClient.builder().baseUrl(server.url("/").uri()).build();
    CompletionRequest settings = CompletionRequest.builder().nPredict(8).seed(1).build();
    String expected = MAPPER.readTree(t.bodyText()).get("content").asText();

    server.enqueue(t.response());
    CompletionResult r =
        client.completions().infill().callNonStreaming(InfillRequest.builder("def add(a, b):\n    ", "\n    return c\n").settings(settings).build());
    assertThat(r.content()).isEqualTo(expected).isNotEmpty();
    RecordedRequest first = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(first.getTarget()).isEqualTo("/infill");
    assertThat(MAPPER.readTree(first.getBody().utf8())).isEqualTo(t.requestBody());

    server.enqueue(t.response());
    assertThat(client.completions().infill("def add(a, b):\n    ", "\n    return c\n", settings).content()).isEqualTo(expected);
    assertThat(MAPPER.readTree(server.takeRequest(5, TimeUnit.SECONDS).getBody().utf8())).isEqualTo(t.requestBody());
  }

  @Test
  void requestValues() {
    assertThat(RECORDED.inputExtra()).containsExactly(new InfillRequest.Chunk("util.py", "def sub(a, b):\n    return a - b\n"));
    assertThat(InfillRequest.of("a", "b").inputExtra()).isEmpty();
    assertThat(RECORDED.toString()).contains("1 extra chunks");
    assertThatThrownBy(() -> InfillRequest.builder(null, "b")).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> InfillRequest.builder("a", "b").extra("f", null)).isInstanceOf(NullPointerException.class);
  }
}
