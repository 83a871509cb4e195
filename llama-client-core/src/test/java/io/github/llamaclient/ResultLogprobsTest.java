package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.llamaclient.testing.Transcript;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Results carry the token probabilities the events carried: {@link ChatResult#logprobs()} over
 * {@code chat-stream-logprobs} on every face that returns a result, and {@link
 * CompletionResult#logprobs()} for {@code /completion} and {@code /v1/completions}.
 *
 * <p>Only the streamed chat reply with logprobs was recorded. The other replies are recorded ones
 * ({@code chat-complete}, {@code completion-stream}, {@code completion-complete}, {@code
 * v1-completions-stream}) given the recorded logprob entries, in the places API.md names (section
 * 1 and 4): llama-server writes these entries with one function for every endpoint.
 */
@Timeout(30)
class ResultLogprobsTest {
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

  /** Every recorded logprob entry of chat-stream-logprobs, in order. */
  private static List<JsonNode> recordedEntries() {
    List<JsonNode> out = new ArrayList<>();
    Transcript.load("chat-stream-logprobs")
        .chunks()
        .forEach(c -> c.path("choices").path(0).path("logprobs").path("content").forEach(out::add));
    assertThat(out).hasSizeGreaterThan(3);
    return out;
  }

  private static void assertEntries(List<TokenLogprob> actual, List<JsonNode> recorded) {
    assertThat(actual).hasSameSizeAs(recorded);
    for (int i = 0; i < actual.size(); i++) {
      TokenLogprob t = actual.get(i);
      JsonNode r = recorded.get(i);
      assertThat(t.id()).isEqualTo(r.get("id").asInt());
      assertThat(t.token()).isEqualTo(r.get("token").asText());
      assertThat(t.logprob()).isEqualTo(r.get("logprob").asDouble());
      assertThat(t.bytes()).hasSize(r.get("bytes").size());
      assertThat(t.top().stream().map(TokenLogprob.Alternative::token).collect(Collectors.toList()))
          .isEqualTo(
              java.util.stream.StreamSupport.stream(r.get("top_logprobs").spliterator(), false)
                  .map(a -> a.get("token").asText())
                  .collect(Collectors.toList()));
    }
  }

  private static List<TokenLogprob> fromEvents(List<ChatEvent> events) {
    return events.stream()
        .filter(e -> e instanceof ChatEvent.TokenLogprobs)
        .flatMap(e -> ((ChatEvent.TokenLogprobs) e).tokens().stream())
        .collect(Collectors.toList());
  }

  private static final ChatRequest LOGPROBS =
      ChatRequest.builder().user("Hi").maxTokens(8).seed(10).logprobs(true).topLogprobs(2).build();

  /** The faces that return a chat result. */
  enum ResultFace {
    STREAM_RESULT,
    BLOCKING,
    ASYNC,
    CALLBACKS
  }

  @ParameterizedTest
  @EnumSource(ResultFace.class)
  void aStreamedChatResultHoldsTheLogprobsOfItsEvents(ResultFace face) throws Exception {
    Transcript t = Transcript.load("chat-stream-logprobs");
    server.enqueue(t.response());
    List<ChatEvent> events = new ArrayList<>();
    ChatResult r;
    switch (face) {
      case STREAM_RESULT:
        try (ChatStream s = client.chat().stream(LOGPROBS)) {
          s.forEach(events::add);
          r = s.result();
        }
        assertThat(r.logprobs()).isEqualTo(fromEvents(events));
        break;
      case BLOCKING:
        r = client.chat().call(LOGPROBS);
        break;
      case ASYNC:
        r = client.chat().callAsync(LOGPROBS).get(10, TimeUnit.SECONDS);
        break;
      case CALLBACKS:
        CompletableFuture<ChatResult> done = new CompletableFuture<>();
        client.chat().subscribe(LOGPROBS, StreamListener.ofEvents(events::add, done::complete, done::completeExceptionally));
        r = done.get(10, TimeUnit.SECONDS);
        assertThat(r.logprobs()).isEqualTo(fromEvents(events));
        break;
      default:
        throw new AssertionError(face);
    }
    assertThat(r.text()).isEqualTo(t.expectedContent());
    assertEntries(r.logprobs(), recordedEntries());
    assertThat(r.logprobs().get(0).top())
        .containsExactly(
            new TokenLogprob.Alternative(358, "\n", -1.7737236022949219, List.of(10)),
            new TokenLogprob.Alternative(372, "the", -3.4219188690185547, List.of(116, 104, 101)));
  }

  @Test
  void aChatResultWithoutLogprobsHasNone() {
    server.enqueue(Transcript.load("chat-stream-basic").response());
    assertThat(client.chat().call(ChatRequest.builder().user("x").build()).logprobs()).isEmpty();
  }

  @Test
  void aNotStreamedChatResultHoldsItsLogprobs() throws Exception {
    ObjectNode reply = (ObjectNode) MAPPER.readTree(Transcript.load("chat-complete").bodyText());
    ObjectNode logprobs = MAPPER.createObjectNode();
    logprobs.putArray("content").addAll(recordedEntries());
    ((ObjectNode) reply.get("choices").get(0)).set("logprobs", logprobs);
    server.enqueue(json(reply));
    ChatResult r = client.chat().callNonStreaming(LOGPROBS);
    assertEntries(r.logprobs(), recordedEntries());
    assertThat(r.text()).isEqualTo(reply.get("choices").get(0).get("message").get("content").asText());
  }

  @Test
  void aStreamedNativeCompletionResultHoldsItsProbabilities() throws Exception {
    Transcript t = Transcript.load("completion-stream");
    List<JsonNode> entries = recordedEntries();
    List<JsonNode> chunks = t.chunks();
    // one entry on each of the first partial events, as n_probs sends them
    for (int i = 0; i < entries.size(); i++) {
      ((ObjectNode) chunks.get(i)).putArray("completion_probabilities").add(entries.get(i));
    }
    server.enqueue(sse(t, chunks, false));
    List<ChatEvent> events = new ArrayList<>();
    CompletionResult r;
    try (CompletionStream s = client.completions().stream(CompletionRequest.builder().prompt("Once upon a time").nProbs(2).build())) {
      s.forEach(events::add);
      r = s.result();
    }
    assertThat(r.content()).isEqualTo(t.expectedContent());
    assertThat(r.logprobs()).isEqualTo(fromEvents(events));
    assertEntries(r.logprobs(), entries);
  }

  @Test
  void aStreamedV1CompletionResultHoldsItsProbabilities() throws Exception {
    Transcript t = Transcript.load("v1-completions-stream");
    List<JsonNode> entries = recordedEntries();
    List<JsonNode> chunks = t.chunks();
    for (int i = 0; i < entries.size(); i++) {
      ObjectNode lp = ((ObjectNode) chunks.get(i).get("choices").get(0)).putObject("logprobs");
      lp.putArray("content").add(entries.get(i));
    }
    server.enqueue(sse(t, chunks, true));
    CompletionResult r = client.completions().openAi().stream(CompletionRequest.builder().prompt("Once upon a time").build()).result();
    assertThat(r.content()).isEqualTo(t.expectedContent());
    assertEntries(r.logprobs(), entries);
  }

  @Test
  void aStreamedV1CompletionResultReadsTheLegacyLogprobsShape() throws Exception {
    // Newer llama-server builds send /v1/completions logprobs in the OpenAI legacy shape
    // (tokens, token_logprobs, top_logprobs as {token: logprob}); the recorded entries in it.
    Transcript t = Transcript.load("v1-completions-stream");
    List<JsonNode> entries = recordedEntries();
    List<JsonNode> chunks = t.chunks();
    for (int i = 0; i < entries.size(); i++) {
      JsonNode e = entries.get(i);
      ObjectNode lp = ((ObjectNode) chunks.get(i).get("choices").get(0)).putObject("logprobs");
      lp.putArray("tokens").add(e.get("token"));
      lp.putArray("token_logprobs").add(e.get("logprob"));
      ObjectNode top = lp.putArray("top_logprobs").addObject();
      e.get("top_logprobs").forEach(a -> top.set(a.get("token").asText(), a.get("logprob")));
      lp.putArray("text_offset").add(0);
    }
    server.enqueue(sse(t, chunks, true));
    CompletionResult r = client.completions().openAi().stream(CompletionRequest.builder().prompt("Once upon a time").build()).result();
    assertThat(r.logprobs()).hasSameSizeAs(entries);
    for (int i = 0; i < entries.size(); i++) {
      TokenLogprob lp = r.logprobs().get(i);
      assertThat(lp.token()).isEqualTo(entries.get(i).get("token").asText());
      assertThat(lp.logprob()).isEqualTo(entries.get(i).get("logprob").asDouble());
      assertThat(lp.top()).hasSize(entries.get(i).get("top_logprobs").size());
      assertThat(lp.top().get(0).logprob()).isGreaterThanOrEqualTo(lp.top().get(lp.top().size() - 1).logprob());
    }
  }

  @Test
  void aNotStreamedNativeCompletionResultHoldsItsProbabilities() throws Exception {
    ObjectNode reply = (ObjectNode) MAPPER.readTree(Transcript.load("completion-complete").bodyText());
    ArrayNode probs = reply.putArray("completion_probabilities");
    probs.addAll(recordedEntries());
    server.enqueue(json(reply));
    CompletionResult r = client.completions().callNonStreaming(CompletionRequest.builder().prompt("Once upon a time").nProbs(2).build());
    assertEntries(r.logprobs(), recordedEntries());
    assertThat(r.content()).isEqualTo(reply.get("content").asText());
  }

  private static MockResponse json(JsonNode body) {
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Content-Type", "application/json; charset=utf-8")
        .body(body.toString())
        .build();
  }

  private static MockResponse sse(Transcript t, List<JsonNode> chunks, boolean done) {
    StringBuilder body = new StringBuilder();
    for (JsonNode c : chunks) {
      body.append("data: ").append(c).append("\n\n");
    }
    if (done) {
      body.append("data: [DONE]\n\n");
    }
    MockResponse.Builder b = new MockResponse.Builder().code(t.status());
    t.headers().forEach((k, v) -> {
      if (!k.equalsIgnoreCase("Transfer-Encoding") && !k.equalsIgnoreCase("Content-Length")) {
        b.addHeaderLenient(k, v);
      }
    });
    return b.body(body.toString()).build();
  }
}
