package io.github.llamaclient.examples.tools;

import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.Recording;
import io.github.llamaclient.testing.StubReply;
import io.github.llamaclient.testing.StubRequest;
import io.github.llamaclient.examples.testing.Recordings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.ToolCall;
import io.github.llamaclient.ToolLoopResult;
import io.github.llamaclient.ToolRoundsExceededException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The loop over recorded replies: tool calls, then (after the results) more calls, then an answer. */
@Timeout(30)
class LocalToolsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void runsTheCalledFunctionsSendsTheResultsBackAndStopsAtTheAnswer() throws Exception {
    Recording tools = Recordings.load("chat-stream-tools");
    Recording toolResult = Recordings.load("chat-stream-tool-result");
    Recording answer = Recordings.load("chat-stream-basic");
    try (LlamaServerStub server = LlamaServerStub.start()) {
      server.enqueue(StubReply.of(tools));
      server.enqueue(StubReply.of(toolResult));
      server.enqueue(StubReply.of(answer));
      ByteArrayOutputStream printed = new ByteArrayOutputStream();
      ToolLoopResult loop;
      try (LlamaClient client = LlamaClient.builder().baseUrl(server.url()).build()) {
        loop = LocalTools.run(client, "What is the weather in Paris?", 5, new PrintStream(printed, true, StandardCharsets.UTF_8));
      }
      assertThat(loop.result().text()).isEqualTo(answer.content());
      assertThat(loop.result().toolCalls()).isEmpty();
      assertThat(loop.rounds()).isEqualTo(3);
      assertThat(server.requestCount()).isEqualTo(3);

      JsonNode first = JSON.readTree(server.takeRequest().body());
      // the tools as offered: the same definitions as the recording's request
      assertThat(first.get("tools").get(0)).isEqualTo(JSON.readTree(tools.requestBody()).get("tools").get(0));
      assertThat(first.get("tools")).hasSize(2);
      assertThat(first.get("tool_choice").asText()).isEqualTo("auto");

      JsonNode second = JSON.readTree(server.takeRequest().body());
      JsonNode messages = second.get("messages");
      // user, the assistant's three calls, one result per call
      assertThat(messages).hasSize(5);
      JsonNode calls = messages.get(1).get("tool_calls");
      assertThat(calls).hasSize(3);
      for (int i = 0; i < 3; i++) {
        JsonNode toolMessage = messages.get(2 + i);
        assertThat(toolMessage.get("role").asText()).isEqualTo("tool");
        assertThat(toolMessage.get("tool_call_id").asText()).isEqualTo(calls.get(i).get("id").asText());
      }
      // the recorded calls: city "" (refused by the function), city "free, " (answered), and "{" (not JSON)
      assertThat(messages.get(2).get("content").asText()).contains("city is required");
      assertThat(JSON.readTree(messages.get(3).get("content").asText()).get("city").asText()).isEqualTo("free, ");
      assertThat(messages.get(4).get("content").asText()).contains("not valid JSON").contains("max_tokens");
      // ...which goes back as {} (llama-server answers 500 to a request holding "{" as arguments)
      assertThat(calls.get(2).get("function").get("arguments").asText()).isEqualTo("{}");

      JsonNode third = JSON.readTree(server.takeRequest().body());
      assertThat(third.get("messages")).hasSize(7); // + the second round's call and its result
      assertThat(printed.toString(StandardCharsets.UTF_8)).contains("[get_weather").endsWith(answer.content() + "\n");
    }
  }

  @Test
  void anUnknownToolOrBadArgumentsGetAnErrorResult() {
    assertThat(LocalTools.execute(new ToolCall("1", "launch_rocket", "{}"))).contains("no tool named launch_rocket");
    assertThat(LocalTools.execute(new ToolCall("2", "get_time", "{\"zone\":\"UTC\"}"))).contains("\"zone\":\"UTC\"");
    assertThat(LocalTools.execute(new ToolCall("3", "get_time", "{\"zone\":\"Nowhere/Atlantis\"}"))).contains("unknown zone");
    assertThat(LocalTools.execute(new ToolCall("4", "get_weather", "[1]"))).contains("not a JSON object");
  }

  @Test
  void aModelThatKeepsCallingToolsEndsAtTheRoundLimit() throws Exception {
    Recording tools = Recordings.load("chat-stream-tools");
    try (LlamaServerStub server = LlamaServerStub.start()) {
      server.enqueue(StubReply.of(tools));
      server.enqueue(StubReply.of(tools));
      try (LlamaClient client = LlamaClient.builder().baseUrl(server.url()).build()) {
        assertThatThrownBy(() -> LocalTools.run(client, "Weather?", 2, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)))
            .isInstanceOf(ToolRoundsExceededException.class)
            .hasMessageContaining("after 2 round(s)");
      }
      assertThat(server.requestCount()).isEqualTo(2);
    }
  }
}
