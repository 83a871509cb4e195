package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.llamaclient.testing.Transcript;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Tools on the request, tool-call accumulation, argument parsing and the tool loop, over the recordings. */
@Timeout(30)
class ToolCallingTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private MockWebServer server;
  private LlamaClient client;

  static final Tool WEATHER =
      Tool.function(
          "get_weather",
          "Get the current weather for a city",
          "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},"
              + "\"unit\":{\"type\":\"string\",\"enum\":[\"c\",\"f\"]}},\"required\":[\"city\",\"unit\"]}");
  static final Tool TIME =
      Tool.function(
          "get_time",
          "Current time in a zone",
          Map.of("type", "object", "properties", Map.of("zone", Map.of("type", "string")), "required", List.of("zone")));

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

  static ChatRequest toolsRequest() {
    return ChatRequest.builder()
        .user("What is the weather in Paris?")
        .maxTokens(160)
        .seed(3)
        .tools(WEATHER)
        .toolChoice(ToolChoice.REQUIRED)
        .build();
  }

  @Test
  void toolsRequestBodyEqualsTheRecording() throws Exception {
    Transcript t = Transcript.load("chat-stream-tools");
    server.enqueue(t.response());
    ChatResult r = client.chat().call(toolsRequest());
    assertThat(sentBody()).isEqualTo(t.requestBody());
    // three calls, accumulated per index, each with the id and name of its first delta
    assertThat(r.toolCalls())
        .extracting(ToolCall::id)
        .containsExactly("tubWiCMMw8bGGrzB65us5jUYmMxISpAA", "OQGrualiMWyfAHVpsSTXdJcTnGKAxEcQ", "1vj7fGdMrTjD5nAitH8yJBbiTnENqBw3");
    assertThat(r.toolCalls()).extracting(ToolCall::name).containsOnly("get_weather");
    assertThat(r.toolCalls().get(0).arguments()).isEqualTo("{\"city\":\n\n \"\", \"unit\":\n\n \"c\"}");
    assertThat(r.toolCalls().get(1).argumentsAsMap()).isEqualTo(Map.of("city", "free, ", "unit", "c"));
    // max_tokens cut the third call: its arguments are "{", and reading them names the call
    assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
    assertThatThrownBy(() -> r.toolCalls().get(2).argumentsAsMap())
        .isInstanceOfSatisfying(
            ToolArgumentsException.class,
            e -> {
              assertThat(e.callId()).isEqualTo("1vj7fGdMrTjD5nAitH8yJBbiTnENqBw3");
              assertThat(e.toolName()).isEqualTo("get_weather");
              assertThat(e.arguments()).isEqualTo("{");
              assertThat(e.getMessage()).contains("1vj7fGdMrTjD5nAitH8yJBbiTnENqBw3").contains("get_weather").contains("not valid JSON");
            });
  }

  @Test
  void toolEventsComeInOrderAndJoinToTheResult() throws Exception {
    Transcript t = Transcript.load("chat-stream-tools");
    server.enqueue(t.response(Transcript.Cut.ONE_BYTE, false));
    List<ChatEvent.ToolCallStarted> started = new ArrayList<>();
    Map<Integer, StringBuilder> args = new LinkedHashMap<>();
    ChatResult result;
    try (ChatStream s = client.chat().stream(toolsRequest())) {
      for (ChatEvent e : s) {
        if (e instanceof ChatEvent.ToolCallStarted) {
          started.add((ChatEvent.ToolCallStarted) e);
        } else if (e instanceof ChatEvent.ToolCallArguments) {
          ChatEvent.ToolCallArguments a = (ChatEvent.ToolCallArguments) e;
          args.computeIfAbsent(a.index(), i -> new StringBuilder()).append(a.fragment());
        }
      }
      result = s.result();
    }
    // the recording re-sends no name: exactly one start per call
    assertThat(started).extracting(ChatEvent.ToolCallStarted::index).containsExactly(0, 1, 2);
    for (int i = 0; i < 3; i++) {
      assertThat(args.get(i).toString()).isEqualTo(result.toolCalls().get(i).arguments());
    }
  }

  @Test
  void twoToolsOfferedParallelAllowed() throws Exception {
    Transcript t = Transcript.load("chat-stream-tools-two");
    server.enqueue(t.response());
    ChatRequest request =
        ChatRequest.builder()
            .user("Weather in Paris and the time in Europe?")
            .maxTokens(200)
            .seed(2)
            .tools(WEATHER, TIME)
            .toolChoice(ToolChoice.REQUIRED)
            .parallelToolCalls(true)
            .build();
    ChatResult r = client.chat().call(request);
    assertThat(sentBody()).isEqualTo(t.requestBody());
    // the tiny model made a single call although two were allowed; no name was revised
    assertThat(r.toolCalls()).hasSize(1);
    assertThat(r.toolCalls().get(0).id()).isEqualTo("SOuvRvzVHT0ROmx8g9mJSZ3HlBjfBDWc");
    assertThat(r.toolCalls().get(0).name()).isEqualTo("get_weather");
    assertThat(r.toolCalls().get(0).arguments()).startsWith("{\"city\": \" future version.");
    assertThatThrownBy(() -> r.toolCalls().get(0).argumentsAs(Weather.class))
        .isInstanceOf(ToolArgumentsException.class)
        .hasMessageContaining("SOuvRvzVHT0ROmx8g9mJSZ3HlBjfBDWc")
        .hasMessageContaining("Weather");
  }

  /** Bound to from arguments. */
  record Weather(String city, String unit) {}

  @Test
  void argumentsBindToRecordsAndMaps() {
    ToolCall c = new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\",\"unit\":\"c\",\"extra\":1}");
    assertThat(c.argumentsAs(Weather.class)).isEqualTo(new Weather("Paris", "c"));
    assertThat(c.argumentsAsMap()).containsEntry("city", "Paris").containsEntry("extra", 1);
    assertThat(new ToolCall("x", "now", "").argumentsAsMap()).isEmpty();
    assertThatThrownBy(() -> new ToolCall("x", "f", "[1]").argumentsAsMap())
        .isInstanceOf(ToolArgumentsException.class)
        .hasMessageContaining("not a JSON object");
  }

  @Test
  void badToolDefinitionsFailAtBuildTime() {
    assertThatThrownBy(() -> Tool.function("get weather", null, "{}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tool name");
    assertThatThrownBy(() -> Tool.function("f", null, "{\"type\":"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("parameters of tool f is not valid JSON");
    assertThatThrownBy(() -> Tool.function("f", null, "[]"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be a JSON object");
    assertThatThrownBy(() -> ChatRequest.builder().user("x").tools(WEATHER, WEATHER))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("two tools are named 'get_weather'");
    assertThatThrownBy(() -> ChatRequest.builder().user("x").tools(WEATHER).grammar("root ::= \"a\"").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("grammar cannot be combined with tools");
    assertThatThrownBy(() -> ChatRequest.builder().user("x").grammar("root ::= \"a\"").jsonSchema("{}").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("grammar and jsonSchema");
  }

  @Test
  void toolLoopRunsCallsAndSendsResultsBack() throws Exception {
    Transcript first = Transcript.load("chat-stream-tools");
    Transcript second = Transcript.load("chat-stream-tool-result");
    Transcript third = Transcript.load("chat-stream-basic");
    server.enqueue(first.response());
    server.enqueue(second.response());
    server.enqueue(third.response());
    List<ToolCall> executed = new ArrayList<>();
    List<ChatEvent> events = new ArrayList<>();
    ToolLoopResult r =
        ToolLoop.builder(client)
            .executor(
                call -> {
                  executed.add(call);
                  return "{\"temp\":21}";
                })
            .maxRounds(3)
            .onEvent(events::add)
            // the recorded second leg was sent with these settings and tool_choice left out
            .followUp(b -> b.maxTokens(40).seed(6).toolChoice(null))
            .build()
            .run(toolsRequest());

    // three calls in round 1, one in round 2; the third of round 1 ("{") and the one of round 2
    // ("{\n\n \"c") were cut by max_tokens: not run, the model is told (ToolLoopTest)
    assertThat(executed).hasSize(2);
    assertThat(r.rounds()).isEqualTo(3);
    assertThat(r.result().text()).isEqualTo(third.expectedContent());
    assertThat(events).filteredOn(e -> e instanceof ChatEvent.Done).hasSize(3);

    assertThat(sentBody()).isEqualTo(first.requestBody());
    // The recorded second request carries one hand-written call (id call_1, tidy arguments). Ours
    // carries the three calls the first recording really produced (the cut one with {} as its
    // arguments), each answered by a tool message: the recorded body with exactly those messages
    // swapped in must equal what was sent.
    ObjectNode expected = (ObjectNode) second.requestBody().deepCopy();
    ArrayNode messages = (ArrayNode) expected.get("messages");
    ObjectNode assistant = (ObjectNode) messages.get(1);
    ObjectNode recordedCall = (ObjectNode) assistant.get("tool_calls").get(0);
    ObjectNode recordedTool = (ObjectNode) messages.get(2);
    assertThat(recordedCall.get("id").asText()).isEqualTo("call_1");
    ArrayNode calls = MAPPER.createArrayNode();
    messages.remove(2);
    List<ToolCall> sentCalls = r.messages().get(1).toolCalls();
    assertThat(sentCalls).extracting(ToolCall::arguments).containsExactly(executed.get(0).arguments(), executed.get(1).arguments(), "{}");
    for (int i = 0; i < 3; i++) {
      ToolCall c = sentCalls.get(i);
      ObjectNode call = recordedCall.deepCopy();
      call.put("id", c.id());
      ((ObjectNode) call.get("function")).put("name", c.name()).put("arguments", c.arguments());
      calls.add(call);
      messages.add(recordedTool.deepCopy().put("tool_call_id", c.id()).put("content", r.messages().get(2 + i).content()));
    }
    assertThat(r.messages().get(2).content()).isEqualTo("{\"temp\":21}");
    assertThat(r.messages().get(4).content()).contains("\"error\"");
    assistant.set("tool_calls", calls);
    JsonNode sentSecond = sentBody();
    assertThat(sentSecond).isEqualTo(expected);
    // third round: the second reply's call and its result were appended the same way
    JsonNode sentThird = sentBody();
    assertThat(sentThird.get("messages")).hasSize(1 + 1 + 3 + 1 + 1);
    assertThat(sentThird.get("messages").get(5).get("tool_calls").get(0).get("id").asText())
        .isEqualTo("vwZQRb73e8sfSxteLs2ieIZiwxOykbZQ");
    // the conversation ends with the final answer
    assertThat(r.messages()).hasSize(8);
    assertThat(r.messages().get(7).role()).isEqualTo("assistant");
    assertThat(r.messages().get(7).content()).isEqualTo(third.expectedContent());
  }

  @Test
  void toolLoopStopsAtItsBound() {
    server.enqueue(Transcript.load("chat-stream-tools").response());
    server.enqueue(Transcript.load("chat-stream-tool-result").response());
    assertThatThrownBy(() -> client.chat().runTools(toolsRequest(), call -> "{}", 2))
        .isInstanceOfSatisfying(
            ToolRoundsExceededException.class,
            e -> {
              assertThat(e.maxRounds()).isEqualTo(2);
              assertThat(e.lastResult().toolCalls()).hasSize(1);
              assertThat(e.messages()).hasSize(5);
              assertThat(e.getMessage()).contains("get_weather");
            });
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void nonStreamedToolCalls() throws Exception {
    Transcript t = Transcript.load("chat-complete-tools");
    server.enqueue(t.response());
    ChatResult r = client.chat().callNonStreaming(toolsRequest());
    assertThat(sentBody()).isEqualTo(t.requestBody());
    assertThat(r.text()).isEmpty();
    assertThat(r.toolCalls()).extracting(ToolCall::id)
        .containsExactly("K3OUtzFCaW6oTTuvXY0XSxj4IvNr0L6f", "lOL2NhmjHexnIwSATfAOX1zopTfvXgM9", "y9YibDBECncohZu4P4tVHqiQBuUfgCQG");
    assertThat(r.toolCalls().get(1).arguments()).isEqualTo("{\"city\": \"free, \" ,\"unit\": \"c\"}");
    assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
    assertThat(r.usage()).isEqualTo(new Usage(553, 160, 713, 374));
    assertThat(r.timings().predictedN()).isEqualTo(160);
    assertThat(r.id()).isEqualTo("chatcmpl-iC47FhcxT8kCM4xJEJ6xx2rcVZCGl2pf");
    assertThat(r.model()).isEqualTo("tiny-tools.gguf");
  }

  @Test
  void nonStreamedChat() throws Exception {
    Transcript t = Transcript.load("chat-complete");
    server.enqueue(t.response());
    ChatRequest request =
        ChatRequest.builder().system("You are a helpful assistant.").user("Count from 1 to 10 slowly").maxTokens(40).seed(3).build();
    ChatResult r = client.chat().callNonStreaming(request);
    assertThat(sentBody()).isEqualTo(t.requestBody());
    assertThat(r.text()).isEqualTo(t.requestBody() == null ? "" : MAPPER.readTree(t.bodyText()).at("/choices/0/message/content").asText());
    assertThat(r.text()).startsWith("\nlicense.");
    assertThat(r.reasoning()).isEmpty();
    assertThat(r.toolCalls()).isEmpty();
    assertThat(r.usage()).isEqualTo(new Usage(66, 40, 106, 65));
    assertThat(r.timings().cacheN()).isEqualTo(65);
  }
}
