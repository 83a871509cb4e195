package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.testing.Transcript;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Reasoning, progress, timings per token, logprobs, structured output and live figures, over the recordings. */
@Timeout(30)
class StreamDetailsTest {
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

  private JsonNode sentBody() throws Exception {
    RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(r).isNotNull();
    return MAPPER.readTree(r.getBody().utf8());
  }

  private List<ChatEvent> events(ChatRequest request, ChatStream[] keep) {
    List<ChatEvent> out = new ArrayList<>();
    try (ChatStream s = client.chat().stream(request)) {
      keep[0] = s;
      for (ChatEvent e : s) {
        out.add(e);
      }
    }
    return out;
  }

  @Test
  void reasoningArrivesApartFromTheAnswer() throws Exception {
    Transcript t = Transcript.load("chat-stream-reasoning");
    server.enqueue(t.response());
    ChatRequest request = ChatRequest.builder().user("Why is the sky blue?").maxTokens(40).seed(1).build();
    ChatResult r;
    String answer;
    try (java.util.stream.Stream<String> text = client.generateStream(request)) {
      answer = text.collect(Collectors.joining());
    }
    assertThat(sentBody()).isEqualTo(t.requestBody());
    String reasoning =
        t.chunks().stream()
            .map(c -> c.path("choices").path(0).path("delta").path("reasoning_content"))
            .filter(JsonNode::isTextual)
            .map(JsonNode::asText)
            .collect(Collectors.joining());
    assertThat(reasoning).isNotEmpty();
    assertThat(answer).isEqualTo(t.expectedContent()); // generateStream leaves reasoning out
    server.enqueue(t.response());
    r = client.chat().call(request);
    assertThat(r.reasoning()).isEqualTo(reasoning);
    sentBody();
  }

  @Test
  void enableThinkingAndReasoningFormatAreSent() throws Exception {
    server.enqueue(Transcript.load("chat-stream-reasoning").response());
    client.chat().call(ChatRequest.builder().user("Why?").enableThinking(false).reasoningFormat("deepseek").build());
    JsonNode body = sentBody();
    assertThat(body.get("chat_template_kwargs")).isEqualTo(MAPPER.readTree("{\"enable_thinking\":false}"));
    assertThat(body.get("reasoning_format").asText()).isEqualTo("deepseek");
  }

  @Test
  void progressEventsAtZeroAndFullPercent() throws Exception {
    Transcript t = Transcript.load("chat-stream-progress");
    server.enqueue(t.response());
    ChatRequest request =
        ChatRequest.builder()
            .user(t.requestBody().get("messages").get(0).get("content").asText())
            .maxTokens(16)
            .seed(8)
            .returnProgress(true)
            .cachePrompt(false)
            .build();
    List<ChatEvent> events = events(request, new ChatStream[1]);
    assertThat(sentBody()).isEqualTo(t.requestBody());
    List<ChatEvent.Progress> progress =
        events.stream().filter(e -> e instanceof ChatEvent.Progress).map(e -> (ChatEvent.Progress) e).collect(Collectors.toList());
    assertThat(progress).containsExactly(new ChatEvent.Progress(1755, 0, 0, 0), new ChatEvent.Progress(1755, 0, 1755, 40));
    assertThat(progress.get(0).fraction()).isZero();
    assertThat(progress.get(1).fraction()).isEqualTo(1.0);
    // progress comes before any text
    assertThat(events.indexOf(progress.get(1))).isLessThan(events.indexOf(events.stream().filter(e -> e instanceof ChatEvent.Content).findFirst().orElseThrow()));
  }

  @Test
  void timingsPerTokenOnePerTokenAndExactLiveFigures() throws Exception {
    Transcript t = Transcript.load("chat-stream-timings-per-token");
    server.enqueue(t.response());
    ChatRequest request = ChatRequest.builder().user("Hi").maxTokens(12).seed(9).timingsPerToken(true).build();
    ChatStream[] s = new ChatStream[1];
    List<ChatEvent> events = events(request, s);
    assertThat(sentBody()).isEqualTo(t.requestBody());
    List<Timings> perToken =
        events.stream().filter(e -> e instanceof ChatEvent.TokenTimings).map(e -> ((ChatEvent.TokenTimings) e).timings()).collect(Collectors.toList());
    long contentChunks = t.chunks().stream().filter(c -> c.path("choices").path(0).path("delta").path("content").isTextual()).count();
    // one per token-bearing chunk, not for the final chunk's timings
    assertThat(perToken).hasSize((int) contentChunks);
    assertThat(perToken.get(0).predictedN()).isEqualTo(1);
    assertThat(perToken.get(perToken.size() - 1).predictedN()).isEqualTo(12);
    LiveStats stats = s[0].stats();
    assertThat(stats.isExact()).isTrue();
    assertThat(stats.isDone()).isTrue();
    assertThat(stats.tokens()).isEqualTo(12);
    assertThat(stats.tokensPerSecond()).isEqualTo(6150.691952844694);
  }

  @Test
  void liveFiguresEstimatedFromPiecesWithoutTimings() {
    AtomicLong now = new AtomicLong();
    LiveStats stats = new LiveStats(now::get);
    assertThat(stats.tokensPerSecond()).isNaN();
    stats.accept(new ChatEvent.Progress(10, 0, 10, 3));
    stats.accept(new ChatEvent.Content("a"));
    now.set(500_000_000L);
    stats.accept(new ChatEvent.Reasoning("b"));
    now.set(1_000_000_000L);
    stats.accept(new ChatEvent.Content("c"));
    assertThat(stats.isExact()).isFalse();
    assertThat(stats.tokens()).isEqualTo(3);
    assertThat(stats.tokensPerSecond()).isCloseTo(2.0, within(1e-9));
  }

  @Test
  void logprobsTypedPerToken() throws Exception {
    Transcript t = Transcript.load("chat-stream-logprobs");
    server.enqueue(t.response());
    ChatRequest request = ChatRequest.builder().user("Hi").maxTokens(8).seed(10).logprobs(true).topLogprobs(2).build();
    List<ChatEvent> events = events(request, new ChatStream[1]);
    assertThat(sentBody()).isEqualTo(t.requestBody());
    List<TokenLogprob> lp =
        events.stream()
            .filter(e -> e instanceof ChatEvent.TokenLogprobs)
            .flatMap(e -> ((ChatEvent.TokenLogprobs) e).tokens().stream())
            .collect(Collectors.toList());
    List<JsonNode> recorded = new ArrayList<>();
    t.chunks().forEach(c -> c.path("choices").path(0).path("logprobs").path("content").forEach(recorded::add));
    assertThat(lp).hasSize(recorded.size()).isNotEmpty();
    TokenLogprob first = lp.get(0);
    assertThat(first.id()).isEqualTo(358);
    assertThat(first.token()).isEqualTo("\n");
    assertThat(first.bytes()).containsExactly(10);
    assertThat(first.logprob()).isEqualTo(-1.7737236022949219);
    assertThat(first.top()).containsExactly(
        new TokenLogprob.Alternative(358, "\n", -1.7737236022949219, List.of(10)),
        new TokenLogprob.Alternative(372, "the", -3.4219188690185547, List.of(116, 104, 101)));
    for (int i = 0; i < lp.size(); i++) {
      assertThat(lp.get(i).logprob()).isEqualTo(recorded.get(i).get("logprob").asDouble());
      assertThat(lp.get(i).token()).isEqualTo(recorded.get(i).get("token").asText());
    }
    // each TokenLogprobs event follows the content it belongs to
    int firstLp = events.indexOf(events.stream().filter(e -> e instanceof ChatEvent.TokenLogprobs).findFirst().orElseThrow());
    assertThat(events.get(firstLp - 1)).isInstanceOf(ChatEvent.Content.class);
  }

  @Test
  void jsonSchemaResponseFormat() throws Exception {
    Transcript t = Transcript.load("chat-stream-json-schema");
    server.enqueue(t.response());
    ChatRequest request =
        ChatRequest.builder()
            .user("Give me a person as JSON")
            .maxTokens(120)
            .seed(7)
            .responseFormat(
                ResponseFormat.jsonSchema(
                    "person",
                    "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"maxLength\":20},"
                        + "\"age\":{\"type\":\"integer\"}},\"required\":[\"name\",\"age\"]}"))
            .build();
    ChatResult r = client.chat().call(request);
    assertThat(sentBody()).isEqualTo(t.requestBody());
    assertThat(MAPPER.readTree(r.text()).has("name")).isTrue();
  }

  @Test
  void otherStructuredOutputFieldsAreSent() throws Exception {
    server.enqueue(Transcript.load("chat-stream-basic").response());
    server.enqueue(Transcript.load("chat-stream-basic").response());
    client.chat().call(ChatRequest.builder().user("x").responseFormat(ResponseFormat.jsonObject()).jsonSchema(Map.of("type", "object")).build());
    JsonNode body = sentBody();
    assertThat(body.get("response_format")).isEqualTo(MAPPER.readTree("{\"type\":\"json_object\"}"));
    assertThat(body.get("json_schema")).isEqualTo(MAPPER.readTree("{\"type\":\"object\"}"));
    client.chat().call(ChatRequest.builder().user("x").grammar("root ::= \"yes\" | \"no\"").build());
    assertThat(sentBody().get("grammar").asText()).isEqualTo("root ::= \"yes\" | \"no\"");
  }
}
