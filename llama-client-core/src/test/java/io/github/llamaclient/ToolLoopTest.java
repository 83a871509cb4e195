package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.testing.RawServer;
import io.github.llamaclient.testing.Transcript;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The tool loop against the recorded tool calls whose arguments are cut by {@code max_tokens}
 * ({@code "{"}, <code>{\n\n "c</code>), on a loopback server that answers as llama-server with
 * {@code --jinja} does: HTTP 500 when an earlier call's arguments do not parse.
 */
@Timeout(30)
class ToolLoopTest {
  private static final ObjectMapper STRICT =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final List<String> bodies = new CopyOnWriteArrayList<>();
  private RawServer server;
  private LlamaClient client;

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  /** Replays the transcripts in turn; answers the recorded 500 when a sent call's arguments do not parse. */
  private void serve(String... scenarios) {
    ConcurrentLinkedQueue<Transcript> replies = new ConcurrentLinkedQueue<>();
    for (String s : scenarios) {
      replies.add(Transcript.load(s));
    }
    Transcript malformed = Transcript.load("chat-error-malformed-json");
    server =
        RawServer.start(
            c -> {
              bodies.add(c.body());
              if (!argumentsParse(c.body())) {
                c.write(
                    "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json; charset=utf-8\r\n"
                        + "Server: llama.cpp\r\nConnection: close\r\nContent-Length: "
                        + malformed.body().length
                        + "\r\n\r\n"
                        + malformed.bodyText());
                c.close();
                return;
              }
              Transcript t = replies.remove();
              c.sseHeaders();
              c.chunk(t.bodyText());
              c.endChunks();
              c.close();
            });
    client = LlamaClient.builder().baseUrl(server.url()).build();
  }

  /** Whether every tool call in the request's messages has arguments that are one JSON object, as llama-server needs. */
  private static boolean argumentsParse(String body) {
    try {
      for (JsonNode m : STRICT.readTree(body).path("messages")) {
        for (JsonNode call : m.path("tool_calls")) {
          if (!STRICT.readTree(call.path("function").path("arguments").asText()).isObject()) {
            return false;
          }
        }
      }
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  private static List<JsonNode> toolCallsSent(String body) throws Exception {
    List<JsonNode> calls = new ArrayList<>();
    for (JsonNode m : STRICT.readTree(body).path("messages")) {
      m.path("tool_calls").forEach(calls::add);
    }
    return calls;
  }

  private static JsonNode toolMessage(String body, String callId) throws Exception {
    for (JsonNode m : STRICT.readTree(body).path("messages")) {
      if (m.path("role").asText().equals("tool") && m.path("tool_call_id").asText().equals(callId)) {
        return m;
      }
    }
    throw new AssertionError("no tool message for " + callId + " in " + body);
  }

  @Test
  void cutArgumentsNeverGoBackAndTheModelIsToldWhatWasWrong() throws Exception {
    serve("chat-stream-tools", "chat-stream-tool-result", "chat-stream-basic");
    List<ToolCall> executed = new CopyOnWriteArrayList<>();
    ToolLoopResult r =
        ToolLoop.builder(client)
            .executor(
                call -> {
                  executed.add(call);
                  return "{\"temp\":21}";
                })
            .maxRounds(3)
            .followUp(b -> b.toolChoice(ToolChoice.AUTO))
            .build()
            .run(ToolCallingTest.toolsRequest());

    assertThat(r.rounds()).isEqualTo(3);
    assertThat(bodies).hasSize(3).allSatisfy(b -> assertThat(argumentsParse(b)).as(b).isTrue());
    // round 1 made three calls, the third cut at "{"; round 2 one call cut at "{\n\n \"c"
    assertThat(executed).extracting(ToolCall::arguments).doesNotContain("{", "{\n\n \"c").hasSize(2);

    List<JsonNode> second = toolCallsSent(bodies.get(1));
    assertThat(second).hasSize(3);
    assertThat(second.get(0).path("function").path("arguments").asText()).isEqualTo(executed.get(0).arguments());
    JsonNode cut = second.get(2);
    assertThat(cut.path("id").asText()).isEqualTo("1vj7fGdMrTjD5nAitH8yJBbiTnENqBw3"); // the recorded id
    assertThat(cut.path("function").path("name").asText()).isEqualTo("get_weather");
    assertThat(cut.path("function").path("arguments").asText()).isEqualTo("{}");
    JsonNode told = STRICT.readTree(toolMessage(bodies.get(1), cut.path("id").asText()).path("content").asText());
    assertThat(told.path("error").asText())
        .contains("get_weather")
        .contains("not valid JSON")
        .contains("max_tokens")
        .contains("again");
    assertThat(told.path("arguments").asText()).isEqualTo("{");

    List<JsonNode> third = toolCallsSent(bodies.get(2));
    assertThat(third).hasSize(4);
    assertThat(third.get(3).path("function").path("arguments").asText()).isEqualTo("{}");
    JsonNode told2 = STRICT.readTree(toolMessage(bodies.get(2), third.get(3).path("id").asText()).path("content").asText());
    assertThat(told2.path("arguments").asText()).isEqualTo("{\n\n \"c");

    // the conversation in the result is the one sent: no invalid arguments in it either
    assertThat(r.messages()).flatExtracting(ChatMessage::toolCalls).extracting(ToolCall::arguments).doesNotContain("{");
  }

  @Test
  void failModeThrowsWithTheRawArgumentsBeforeRunningOrSendingAnything() {
    serve("chat-stream-tools");
    AtomicInteger runs = new AtomicInteger();
    assertThatThrownBy(
            () ->
                ToolLoop.builder(client)
                    .executor(call -> "{\"n\":" + runs.incrementAndGet() + "}")
                    .invalidArguments(ToolLoop.InvalidArguments.FAIL)
                    .build()
                    .run(ToolCallingTest.toolsRequest()))
        .isInstanceOfSatisfying(
            ToolArgumentsException.class,
            e -> {
              assertThat(e.arguments()).isEqualTo("{");
              assertThat(e.toolName()).isEqualTo("get_weather");
              assertThat(e.callId()).isEqualTo("1vj7fGdMrTjD5nAitH8yJBbiTnENqBw3");
              assertThat(e.getMessage()).contains("not valid JSON").contains("max_tokens");
            });
    assertThat(runs).hasValue(0);
    assertThat(bodies).hasSize(1);
  }

  @Test
  void aStringCutInsideTheArgumentsIsCaughtToo() {
    // chat-stream-tools-two: one call whose arguments are a string cut mid-value
    serve("chat-stream-tools-two", "chat-stream-basic");
    List<ToolCall> executed = new CopyOnWriteArrayList<>();
    ToolLoopResult r =
        ToolLoop.builder(client)
            .executor(call -> {
              executed.add(call);
              return "{}";
            })
            .build()
            .run(ToolCallingTest.toolsRequest());
    assertThat(r.rounds()).isEqualTo(2);
    assertThat(executed).isEmpty();
    assertThat(bodies).hasSize(2).allSatisfy(b -> assertThat(argumentsParse(b)).as(b).isTrue());
  }

  @Test
  void whatCountsAsInvalid() {
    assertThat(ToolLoop.problem("{\"city\":\"Paris\"}")).isNull();
    assertThat(ToolLoop.problem("{}")).isNull();
    assertThat(ToolLoop.problem("  ")).isNull(); // a function without parameters
    assertThat(ToolLoop.problem("{")).startsWith("are not valid JSON");
    assertThat(ToolLoop.problem("{\"a\":1} {\"b\":2}")).startsWith("are not valid JSON"); // trailing text
    assertThat(ToolLoop.problem("[1]")).isEqualTo("are not a JSON object");
    assertThat(ToolLoop.problem("\"Paris\"")).isEqualTo("are not a JSON object");
    assertThat(ToolLoop.problem("null")).isEqualTo("are not a JSON object");
  }

  @Test
  void longRawArgumentsAreQuotedShortened() throws Exception {
    String raw = "{\"city\":\"" + "x".repeat(5000);
    JsonNode told = STRICT.readTree(ToolLoop.errorResult(new ToolCall("c1", "get_weather", raw), "are not valid JSON"));
    assertThat(told.path("arguments").asText()).hasSize(ToolLoop.QUOTED_ARGUMENTS_LIMIT + 3).startsWith("{\"city\":\"xxx");
  }
}
