package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.llamaclient.internal.json.ChatChunkDecoder;
import io.github.llamaclient.internal.json.CompletionDecoder;
import io.github.llamaclient.internal.json.StreamDecoder;
import io.github.llamaclient.testing.Transcript;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code n > 1}: refused where it can be set, and a reply holding another choice than 0 is a
 * protocol violation instead of being mixed into choice 0. The replies are recorded ones with the
 * choice index changed (API.md: with n > 1 choices interleave, each chunk holding one choice).
 */
@Timeout(30)
class OneChoiceTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Test
  void nAbove1IsRefusedWhereverItCanBeSet() {
    String expected = "n must be 1: llama-client decodes one choice";
    assertThatThrownBy(() -> ChatRequest.builder().parameter("n", 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(expected)
        .hasMessageContaining("was 2");
    assertThatThrownBy(() -> ChatRequest.builder().parameter("n", "2")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ChatRequest.builder().parameter("n", 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ChatRequest.builder().parameter("n_cmpl", 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("n_cmpl must be 1");
    assertThatThrownBy(() -> CompletionRequest.builder().parameter("n", 2L))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(expected);
    assertThatThrownBy(() -> CompletionRequest.builder().parameter("n_cmpl", 2))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LlamaClient.builder().defaultParameter("n", 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(expected);
    // 1 (or null, the server's default) is what llama-client decodes
    assertThat(ChatRequest.builder().user("x").parameter("n", 1).build().parameters()).isEqualTo(Map.of("n", 1));
    assertThat(CompletionRequest.builder().prompt("x").parameter("n", 1.0).build().fields()).containsKey("n");
  }

  private static boolean decode(StreamDecoder<?> d, JsonNode chunk, List<ChatEvent> out) {
    byte[] b = chunk.toString().getBytes(StandardCharsets.UTF_8);
    return d.decode(b, 0, b.length, out::add);
  }

  private static ObjectNode withChoiceIndex(JsonNode chunk, int index) {
    ObjectNode c = chunk.deepCopy();
    ((ObjectNode) c.get("choices").get(0)).put("index", index);
    return c;
  }

  @Test
  void aStreamedChunkOfAnotherChoiceIsAProtocolViolation() {
    List<JsonNode> chunks = Transcript.load("chat-stream-basic").chunks();
    ChatChunkDecoder d = new ChatChunkDecoder(1 << 20);
    List<ChatEvent> out = new ArrayList<>();
    decode(d, chunks.get(0), out);
    decode(d, chunks.get(1), out);
    int before = out.size();
    // choice 1's content, interleaved as n = 2 sends it
    assertThatThrownBy(() -> decode(d, withChoiceIndex(chunks.get(2), 1), out))
        .isInstanceOfSatisfying(
            LlamaProtocolException.class,
            e -> {
              assertThat(e.getMessage()).contains("choice 1").contains("n > 1");
              assertThat(e.offendingLine()).isEqualTo("\"index\":1");
            });
    assertThat(out).as("nothing of choice 1 is delivered").hasSize(before);
  }

  @Test
  void anotherChoicesFinishReasonDoesNotEndChoice0() {
    // the recorded final chunk sends finish_reason before index
    List<JsonNode> chunks = Transcript.load("chat-stream-basic").chunks();
    JsonNode last = chunks.get(chunks.size() - 1);
    assertThat(last.path("choices").path(0).path("finish_reason").asText()).isEqualTo("length");
    ObjectNode other = withChoiceIndex(last, 1);
    ((ObjectNode) other.get("choices").get(0)).put("finish_reason", "stop");
    ChatChunkDecoder d = new ChatChunkDecoder(1 << 20);
    for (JsonNode c : chunks.subList(0, 3)) {
      decode(d, c, new ArrayList<>());
    }
    assertThatThrownBy(() -> decode(d, other, new ArrayList<>())).isInstanceOf(LlamaProtocolException.class);
  }

  @Test
  void aV1CompletionsChunkOfAnotherChoiceIsAProtocolViolation() {
    List<JsonNode> chunks = Transcript.load("v1-completions-stream").chunks();
    CompletionDecoder d = new CompletionDecoder(1 << 20, true);
    decode(d, chunks.get(0), new ArrayList<>());
    assertThatThrownBy(() -> decode(d, withChoiceIndex(chunks.get(1), 1), new ArrayList<>()))
        .isInstanceOf(LlamaProtocolException.class)
        .hasMessageContaining("n > 1");
  }

  @Test
  void aNativeCompletionEventOfAnotherResultIsAProtocolViolation() {
    List<JsonNode> chunks = Transcript.load("completion-stream").chunks();
    CompletionDecoder d = new CompletionDecoder(1 << 20, false);
    decode(d, chunks.get(0), new ArrayList<>());
    ObjectNode other = ((ObjectNode) chunks.get(1).deepCopy()).put("index", 1);
    assertThatThrownBy(() -> decode(d, other, new ArrayList<>())).isInstanceOf(LlamaProtocolException.class);
  }

  @Test
  void wholeRepliesWithSeveralChoicesAreProtocolViolations() throws Exception {
    try (MockWebServer server = new MockWebServer()) {
      server.start();
      try (LlamaClient client = LlamaClient.builder().baseUrl(server.url("/").uri()).build()) {
        // chat, stream:false: the recorded reply with a second choice
        ObjectNode chat = (ObjectNode) MAPPER.readTree(Transcript.load("chat-complete").bodyText());
        ArrayNode choices = (ArrayNode) chat.get("choices");
        ObjectNode second = choices.get(0).deepCopy();
        second.put("index", 1);
        choices.add(second);
        server.enqueue(json(chat));
        assertThatThrownBy(() -> client.chat().callNonStreaming(ChatRequest.builder().user("x").build()))
            .isInstanceOf(LlamaProtocolException.class)
            .hasMessageContaining("choice 1");
        // native /completion, stream:false: several results come as an array
        JsonNode one = MAPPER.readTree(Transcript.load("completion-complete").bodyText());
        ObjectNode two = one.deepCopy();
        two.put("index", 1);
        server.enqueue(json(MAPPER.createArrayNode().add(one).add(two)));
        assertThatThrownBy(() -> client.completions().callNonStreaming(CompletionRequest.builder().prompt("x").build()))
            .isInstanceOf(LlamaProtocolException.class)
            .hasMessageContaining("one result");
      }
    }
  }

  private static MockResponse json(JsonNode body) {
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Content-Type", "application/json; charset=utf-8")
        .body(body.toString())
        .build();
  }
}
