package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.testing.Transcript;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Native /completion (streamed and not), /v1/completions and /infill over the recordings. */
@Timeout(30)
class CompletionTest {
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

  private JsonNode sent(String path) throws Exception {
    RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(r).isNotNull();
    assertThat(r.getTarget()).isEqualTo(path);
    return MAPPER.readTree(r.getBody().utf8());
  }

  private static final CompletionRequest ONCE = CompletionRequest.builder().prompt("Once upon a time").nPredict(24).seed(1).build();

  @ParameterizedTest
  @EnumSource(Transcript.Cut.class)
  void nativeStream(Transcript.Cut cut) throws Exception {
    Transcript t = Transcript.load("completion-stream");
    server.enqueue(t.response(cut, false));
    List<ChatEvent> events = new ArrayList<>();
    CompletionResult r;
    try (CompletionStream s = client.completions().stream(ONCE)) {
      s.forEach(events::add);
      r = s.result();
      assertThat(s.stats().tokens()).isEqualTo(24); // the final timings make it exact
    }
    assertThat(sent("/completion")).isEqualTo(t.requestBody());
    String text = events.stream().filter(e -> e instanceof ChatEvent.Content).map(e -> ((ChatEvent.Content) e).text()).collect(Collectors.joining());
    assertThat(text).isEqualTo(t.expectedContent());
    assertThat(events).allMatch(e -> !(e instanceof ChatEvent.Content) || !((ChatEvent.Content) e).text().isEmpty());
    assertThat(r.content()).isEqualTo(t.expectedContent());
    assertThat(r.stopType()).isEqualTo("limit");
    assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
    assertThat(r.stoppingWord()).isEmpty();
    assertThat(r.truncated()).isFalse();
    assertThat(r.tokensCached()).isEqualTo(35);
    assertThat(r.tokensPredicted()).isEqualTo(24);
    assertThat(r.tokensEvaluated()).isEqualTo(12);
    assertThat(r.idSlot()).isEqualTo(1);
    assertThat(r.model()).isEqualTo("tiny.gguf");
    assertThat(r.timings().predictedN()).isEqualTo(24);
  }

  @Test
  void nativeStreamWithStopSentAsArray() throws Exception {
    Transcript t = Transcript.load("completion-stream-stop");
    server.enqueue(t.response());
    CompletionRequest request = CompletionRequest.builder().prompt("The license").nPredict(120).seed(2).stop("software").build();
    String text;
    try (Stream<String> s = client.completions().textStream(request)) {
      text = s.collect(Collectors.joining());
    }
    assertThat(text).isEqualTo(t.expectedContent());
    JsonNode body = sent("/completion");
    assertThat(body).isEqualTo(t.requestBody());
    assertThat(body.get("stop").isArray()).isTrue();
    // the recorded run hit n_predict before the stop word
    server.enqueue(t.response());
    CompletionResult r = client.completions().stream(request).result();
    assertThat(r.stopType()).isEqualTo("limit");
    assertThat(r.tokensPredicted()).isEqualTo(120);
  }

  @Test
  void cutBeforeTheStopEventIsInterrupted() {
    Transcript t = Transcript.load("completion-stream");
    String body = t.bodyText();
    String cut = body.substring(0, body.indexOf("\"stop\":true") - 40);
    cut = cut.substring(0, cut.lastIndexOf("\n\n") + 2);
    server.enqueue(new MockResponse.Builder().addHeader("Content-Type", "text/event-stream").body(cut).build());
    assertThatThrownBy(() -> client.completions().stream(ONCE).result())
        .isInstanceOfSatisfying(StreamInterruptedException.class, e -> assertThat(e.getMessage()).contains("stop:true"));
  }

  @Test
  void publisherFace() throws Exception {
    Transcript t = Transcript.load("completion-stream");
    server.enqueue(t.response());
    CompletableFuture<String> done = new CompletableFuture<>();
    client.completions().textPublisher(ONCE).subscribe(new Flow.Subscriber<String>() {
      final StringBuilder sb = new StringBuilder();
      Flow.Subscription s;

      @Override
      public void onSubscribe(Flow.Subscription s) {
        this.s = s;
        s.request(1);
      }

      @Override
      public void onNext(String item) {
        sb.append(item);
        s.request(1);
      }

      @Override
      public void onError(Throwable e) {
        done.completeExceptionally(e);
      }

      @Override
      public void onComplete() {
        done.complete(sb.toString());
      }
    });
    assertThat(done.get(10, TimeUnit.SECONDS)).isEqualTo(t.expectedContent());
  }

  @Test
  void nativeNotStreamed() throws Exception {
    Transcript t = Transcript.load("completion-complete");
    server.enqueue(t.response());
    CompletionResult r = client.completions().callNonStreaming(ONCE);
    assertThat(sent("/completion")).isEqualTo(t.requestBody());
    assertThat(r.content()).isEqualTo(MAPPER.readTree(t.bodyText()).get("content").asText());
    assertThat(r.stopType()).isEqualTo("limit");
    assertThat(r.tokensCached()).isEqualTo(35);
    assertThat(r.idSlot()).isEqualTo(1);
    assertThat(r.timings().predictedN()).isEqualTo(24);
  }

  @Test
  void openAiTextCompletionStream() throws Exception {
    Transcript t = Transcript.load("v1-completions-stream");
    server.enqueue(t.response(Transcript.Cut.ONE_BYTE, false));
    CompletionRequest request = CompletionRequest.builder().prompt("Once upon a time").nPredict(16).seed(1).build();
    CompletionResult r = client.completions().openAi().stream(request).result();
    assertThat(sent("/v1/completions")).isEqualTo(t.requestBody()); // n_predict went out as max_tokens
    assertThat(r.content()).isEqualTo(t.expectedContent());
    assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
    assertThat(r.usage()).isEqualTo(new Usage(12, 16, 28, 11));
    assertThat(r.timings().predictedN()).isEqualTo(16);
    assertThat(r.stopType()).isEmpty();
  }

  @Test
  void promptAsTokensAndOtherFields() throws Exception {
    server.enqueue(Transcript.load("completion-complete").response());
    client.completions().callNonStreaming(
        CompletionRequest.builder()
            .promptTokens(List.of(1, 2, 3))
            .nProbs(2)
            .idSlot(0)
            .cachePrompt(false)
            .grammar("root ::= \"a\"")
            .temperature(0.5)
            .parameter("n_keep", 4)
            .build());
    JsonNode body = sent("/completion");
    assertThat(body).isEqualTo(
        MAPPER.readTree(
            "{\"prompt\":[1,2,3],\"n_probs\":2,\"id_slot\":0,\"cache_prompt\":false,\"grammar\":\"root ::= \\\"a\\\"\","
                + "\"temperature\":0.5,\"n_keep\":4,\"stream\":false}"));
    assertThatThrownBy(() -> client.completions().callNonStreaming(CompletionRequest.builder().build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs a prompt");
    assertThatThrownBy(() -> CompletionRequest.builder().prompt("x").grammar("g").jsonSchema(java.util.Map.of()).build())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void infill() throws Exception {
    // No recording exists (the recorded model has no FIM tokens): /infill answers in /completion
    // form (API.md section 5), so the completion-complete recording is replayed as its reply.
    server.enqueue(Transcript.load("completion-complete").response());
    CompletionResult r = client.completions().infill("def f(", "):\n  pass", CompletionRequest.builder().nPredict(8).build());
    assertThat(r.tokensPredicted()).isEqualTo(24);
    assertThat(sent("/infill"))
        .isEqualTo(MAPPER.readTree("{\"input_prefix\":\"def f(\",\"input_suffix\":\"):\\n  pass\",\"n_predict\":8,\"stream\":false}"));
    server.enqueue(
        new MockResponse.Builder()
            .code(501)
            .body("{\"error\":{\"code\":501,\"message\":\"Infill is not supported by this model\",\"type\":\"not_supported_error\"}}")
            .build());
    assertThatThrownBy(() -> client.completions().infill("a", "b", CompletionRequest.builder().build()))
        .isInstanceOfSatisfying(NotSupportedException.class, e -> assertThat(e.serverFlag()).contains("fill-in-the-middle"));
  }
}
