package io.github.llamaclient.internal.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.Faces;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.LlamaProtocolException;
import io.github.llamaclient.ResponseTooLargeException;
import io.github.llamaclient.testing.RawServer;
import io.github.llamaclient.testing.Transcript;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The one budget of a stream (text, reasoning, tool-call ids, names and arguments, completion text
 * and probabilities, against {@code maxResponseChars}) and the bound on tool calls. The chunks are
 * recorded ones ({@code chat-stream-tools}, {@code completion-stream}) with their strings made
 * long.
 */
@Timeout(30)
class DecoderLimitsTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final int LIMIT = 1024;

  /** The recorded chunk that starts a tool call: index, id, name and the first arguments. */
  private static ObjectNode toolCallTemplate() {
    for (JsonNode c : Transcript.load("chat-stream-tools").chunks()) {
      if (c.path("choices").path(0).path("delta").path("tool_calls").path(0).path("function").has("name")) {
        return (ObjectNode) c;
      }
    }
    throw new AssertionError("chat-stream-tools has no chunk that names a tool call");
  }

  /** The template with this index, and only the given function fields (id kept with a name). */
  static String toolChunk(ObjectNode template, int index, @Nullable String name, @Nullable String arguments) {
    ObjectNode chunk = template.deepCopy();
    ObjectNode call = (ObjectNode) chunk.get("choices").get(0).get("delta").get("tool_calls").get(0);
    call.put("index", index);
    ObjectNode function = (ObjectNode) call.get("function");
    if (name == null) {
      call.remove("id");
      function.remove("name");
    } else {
      function.put("name", name);
    }
    if (arguments == null) {
      function.remove("arguments");
    } else {
      function.put("arguments", arguments);
    }
    return chunk.toString();
  }

  private static boolean decode(StreamDecoder<?> d, String data, List<ChatEvent> out) {
    byte[] b = data.getBytes(StandardCharsets.UTF_8);
    return d.decode(b, 0, b.length, out::add);
  }

  @Test
  void toolCallArgumentsCountAgainstTheLimit() {
    ObjectNode template = toolCallTemplate();
    ChatChunkDecoder d = new ChatChunkDecoder(LIMIT);
    List<ChatEvent> out = new ArrayList<>();
    decode(d, toolChunk(template, 0, "get_weather", "{"), out);
    String piece = "a".repeat(500);
    int decoded = 0;
    try {
      for (; decoded < 200; decoded++) { // 100,000 characters of arguments
        decode(d, toolChunk(template, 0, null, piece), out);
      }
    } catch (ResponseTooLargeException e) {
      assertThat(e.limit()).isEqualTo(LIMIT);
      assertThat(e.getMessage()).contains("1024").contains("tool-call arguments");
    }
    // the id (32), the name (11), "{" and one piece of 500 fit; the second piece does not
    assertThat(decoded).as("chunks of 500 characters taken under a limit of 1,024").isEqualTo(1);
  }

  @Test
  void toolCallNamesCountAgainstTheLimit() {
    ObjectNode template = toolCallTemplate();
    ChatChunkDecoder d = new ChatChunkDecoder(LIMIT);
    String name = "n".repeat(900);
    int index = 0;
    try {
      for (; index <= 1024; index++) {
        decode(d, toolChunk(template, index, name, null), new ArrayList<>());
      }
    } catch (ResponseTooLargeException e) {
      assertThat(e.getMessage()).contains("1024").contains("tool-call name");
    }
    // the id (32) and one name of 900 fit; the second call's do not
    assertThat(index).as("names of 900 characters taken under a limit of 1,024").isEqualTo(1);
  }

  @Test
  void theNumberOfToolCallsIsBounded() {
    ObjectNode template = toolCallTemplate();
    ChatChunkDecoder d = new ChatChunkDecoder(64 * 1024 * 1024);
    int index = 0;
    try {
      for (; index <= 1024; index++) {
        decode(d, toolChunk(template, index, "f", null), new ArrayList<>());
      }
    } catch (LlamaProtocolException e) {
      assertThat(e.getMessage()).contains("tool call index").contains("128");
      assertThat(e.offendingLine()).isEqualTo("128");
    }
    assertThat(index).isEqualTo(128);
  }

  @Test
  void aToolCallIndexFarAheadIsAProtocolViolation() {
    ObjectNode template = toolCallTemplate();
    ChatChunkDecoder d = new ChatChunkDecoder(64 * 1024 * 1024);
    decode(d, toolChunk(template, 0, "f", "{}"), new ArrayList<>());
    assertThatThrownBy(() -> decode(d, toolChunk(template, 1000, "g", "{}"), new ArrayList<>()))
        .isInstanceOfSatisfying(LlamaProtocolException.class, e -> assertThat(e.offendingLine()).isEqualTo("1000"));
    assertThatThrownBy(() -> decode(d, toolChunk(template, -1, "g", "{}"), new ArrayList<>()))
        .isInstanceOf(LlamaProtocolException.class);
  }

  @Test
  void completionTextCountsAgainstTheLimit() {
    Transcript t = Transcript.load("completion-stream");
    ObjectNode first = (ObjectNode) t.chunks().get(0);
    CompletionDecoder d = new CompletionDecoder(LIMIT, false);
    String piece = "b".repeat(600);
    decode(d, first.deepCopy().put("content", piece).toString(), new ArrayList<>());
    assertThatThrownBy(() -> decode(d, first.deepCopy().put("content", piece).toString(), new ArrayList<>()))
        .isInstanceOf(ResponseTooLargeException.class)
        .hasMessageContaining("1024")
        .hasMessageContaining("completion text");
  }

  @Test
  void tokenProbabilitiesCountAgainstTheLimit() throws Exception {
    // No recording holds completion_probabilities; the entries take the shape of the recorded
    // chat logprobs (chat-stream-logprobs), which llama-server writes with the same function.
    JsonNode recorded =
        Transcript.load("chat-stream-logprobs").chunks().get(1).path("choices").path(0).path("logprobs").path("content");
    assertThat(recorded.size()).isEqualTo(1);
    ObjectNode first = (ObjectNode) Transcript.load("completion-stream").chunks().get(0);
    CompletionDecoder d = new CompletionDecoder(LIMIT, false);
    List<ChatEvent> out = new ArrayList<>();
    int events = 0;
    try {
      for (; events < 1000; events++) {
        ObjectNode chunk = first.deepCopy();
        chunk.set("completion_probabilities", MAPPER.createArrayNode().add(recorded.get(0)));
        decode(d, chunk.toString(), out);
      }
    } catch (ResponseTooLargeException e) {
      assertThat(e.getMessage()).contains("token probabilities");
    }
    // each event: one content character and a token with two alternatives (about 60 characters)
    assertThat(events).isBetween(5, 30);
    assertThat(out).filteredOn(e -> e instanceof ChatEvent.TokenLogprobs).hasSize(events);
  }

  @Test
  void endToEndHundredThousandCharactersOfArgumentsFailTyped() {
    ObjectNode template = toolCallTemplate();
    String piece = "a".repeat(1000);
    try (RawServer server =
            RawServer.start(
                c -> {
                  c.sseHeaders();
                  c.chunk("data: " + toolChunk(template, 0, "get_weather", "{") + "\n\n");
                  for (int i = 0; i < 100 && !c.clientClosed(); i++) {
                    c.chunk("data: " + toolChunk(template, 0, null, piece) + "\n\n");
                  }
                  c.chunk(RawServer.finishEvent());
                  c.chunk("data: [DONE]\n\n");
                  c.endChunks();
                  c.close();
                });
        LlamaClient client = LlamaClient.builder().baseUrl(server.url()).maxResponseChars(LIMIT).build()) {
      for (Faces face : Faces.values()) {
        Faces.Outcome o;
        try {
          o = face.run(client, ChatRequest.builder().user("What is the weather in Paris?").build());
        } catch (Exception e) {
          throw new AssertionError(e);
        }
        assertThat(o.failure())
            .as(face.name())
            .isInstanceOfSatisfying(
                ResponseTooLargeException.class,
                e -> assertThat(e.getMessage()).contains("1024").contains("tool-call arguments"));
      }
    }
  }
}
