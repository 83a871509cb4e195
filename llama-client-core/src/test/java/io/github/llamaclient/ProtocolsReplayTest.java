package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.testing.Transcript;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code /v1/responses} and {@code /v1/messages} (llama-server b11669's recordings) over every face:
 * the same {@link ChatEvent}s and {@link ChatResult} as a chat stream (text, tool calls, usage,
 * timings, finish reason), and the request body the client writes equals the recorded one.
 */
@Timeout(60)
class ProtocolsReplayTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Tool WEATHER =
      Tool.function(
          "get_weather",
          "Weather in a city",
          Map.of("type", "object", "properties", Map.of("city", Map.of("type", "string")), "required", List.of("city")));

  private MockWebServer server;
  private LlamaClient client;

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

  /** The request behind each recording, built with the public builders. */
  static ChatRequest request(String scenario) {
    String kind = scenario.substring(scenario.indexOf("-stream") + "-stream".length());
    switch (kind) {
      case "":
        return ChatRequest.builder().system("You are terse.").user("Tell me about AI.").maxTokens(8).build();
      case "-tools":
        return ChatRequest.builder().user("Weather in Paris?").tools(WEATHER).toolChoice(ToolChoice.REQUIRED).maxTokens(40).build();
      case "-tool-result":
        return ChatRequest.builder()
            .user("Weather in Paris?")
            .message(ChatMessage.builder("assistant").toolCalls(List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"))).build())
            .message(ChatMessage.tool("call_1", "{\"temp\":21}"))
            .tools(WEATHER)
            .maxTokens(8)
            .build();
      default:
        throw new IllegalArgumentException(scenario);
    }
  }

  static List<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (String p : List.of("responses", "messages")) {
      for (String s : List.of("-stream", "-stream-tools", "-stream-tool-result")) {
        ApiFaces.withTransports().forEach(a -> out.add(Arguments.of(p + s, a.get()[0], a.get()[1])));
      }
    }
    return out;
  }

  @ParameterizedTest(name = "{0} {1} via {2}")
  @MethodSource("cases")
  void replaysOverEveryFace(String scenario, ApiFaces face, Transports transport) throws Exception {
    Transcript t = Transcript.load(scenario);
    server.enqueue(t.response(face == ApiFaces.EVENTS ? Transcript.Cut.ONE_BYTE : Transcript.Cut.RECORDED, false));
    client = transport.builder(server.url("/").uri()).build();
    StreamingApi<ChatRequest, ChatStream, ChatResult> api =
        scenario.startsWith("responses") ? client.chat().responses() : client.chat().messages();

    ApiFaces.Outcome<ChatResult> o = face.run(api, request(scenario));

    Expected e = scenario.startsWith("responses") ? Expected.responses(t) : Expected.messages(t);
    assertThat(o.failure()).isNull();
    if (o.text() != null) {
      assertThat(o.text()).isEqualTo(e.text);
    }
    if (!o.events().isEmpty()) {
      List<ChatEvent> calls = o.events().stream().filter(x -> x instanceof ChatEvent.ToolCallStarted).toList();
      assertThat(calls).hasSize(e.toolCalls.size());
    }
    if (o.result() != null) {
      ChatResult r = o.result();
      assertThat(r.text()).isEqualTo(e.text);
      assertThat(r.toolCalls()).isEqualTo(e.toolCalls);
      assertThat(r.finishReason()).isEqualTo(e.finish);
      assertThat(r.usage()).isEqualTo(e.usage);
      assertThat(r.id()).isEqualTo(e.id);
      assertThat(r.model()).isEqualTo("/tmp/h16/tiny.gguf");
      if (scenario.startsWith("responses")) {
        assertThat(r.timings()).isNotNull();
        assertThat(r.timings().predictedN()).isEqualTo(e.usage.completionTokens());
      }
    }
    RecordedRequest sent = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(sent.getTarget()).isEqualTo(t.path());
    assertThat(MAPPER.readTree(sent.getBody().utf8())).isEqualTo(t.requestBody());
  }

  /** What a recording says, read with plain tree walks. */
  record Expected(String text, List<ToolCall> toolCalls, FinishReason finish, Usage usage, String id) {
    static Expected responses(Transcript t) {
      StringBuilder text = new StringBuilder();
      Map<String, String[]> calls = new LinkedHashMap<>();
      Usage usage = null;
      String id = null;
      for (JsonNode n : t.chunks()) {
        switch (n.get("type").asText()) {
          case "response.output_text.delta" -> text.append(n.get("delta").asText());
          case "response.output_item.added" -> {
            if (n.get("item").get("type").asText().equals("function_call")) {
              calls.put(n.get("item").get("id").asText(), new String[] {n.get("item").get("call_id").asText(), n.get("item").get("name").asText(), ""});
            }
          }
          case "response.function_call_arguments.delta" -> calls.get(n.get("item_id").asText())[2] += n.get("delta").asText();
          case "response.completed" -> {
            JsonNode u = n.get("response").get("usage");
            usage = new Usage(u.get("input_tokens").asInt(), u.get("output_tokens").asInt(), u.get("total_tokens").asInt(), u.get("input_tokens_details").get("cached_tokens").asInt());
            id = n.get("response").get("id").asText();
          }
          default -> {}
        }
      }
      List<ToolCall> list = calls.values().stream().map(c -> new ToolCall(c[0], c[1], c[2])).toList();
      return new Expected(text.toString(), list, list.isEmpty() ? FinishReason.STOP : FinishReason.TOOL_CALLS, usage, id);
    }

    static Expected messages(Transcript t) {
      StringBuilder text = new StringBuilder();
      Map<String, String[]> calls = new LinkedHashMap<>();
      int input = 0;
      int cached = 0;
      int output = 0;
      String id = null;
      FinishReason finish = null;
      for (JsonNode n : t.chunks()) {
        switch (n.get("type").asText()) {
          case "message_start" -> {
            id = n.get("message").get("id").asText();
            cached = n.get("message").get("usage").get("cache_read_input_tokens").asInt();
            input = n.get("message").get("usage").get("input_tokens").asInt() + cached;
          }
          case "content_block_start" -> {
            JsonNode b = n.get("content_block");
            if (b.get("type").asText().equals("tool_use")) {
              calls.put(n.get("index").asText(), new String[] {b.get("id").asText(), b.get("name").asText(), ""});
            }
          }
          case "content_block_delta" -> {
            JsonNode d = n.get("delta");
            if (d.get("type").asText().equals("text_delta")) {
              text.append(d.get("text").asText());
            } else if (d.get("type").asText().equals("input_json_delta")) {
              calls.get(n.get("index").asText())[2] += d.get("partial_json").asText();
            }
          }
          case "message_delta" -> {
            output = n.get("usage").get("output_tokens").asInt();
            finish = Map.of("max_tokens", FinishReason.LENGTH, "end_turn", FinishReason.STOP, "tool_use", FinishReason.TOOL_CALLS)
                .get(n.get("delta").get("stop_reason").asText());
          }
          default -> {}
        }
      }
      List<ToolCall> list = calls.values().stream().map(c -> new ToolCall(c[0], c[1], c[2])).toList();
      return new Expected(text.toString(), list, finish, new Usage(input, output, input + output, cached), id);
    }
  }

  @Test
  void countsTokens() throws Exception {
    Transcript t = Transcript.load("messages-count-tokens");
    server.enqueue(t.response());
    client = LlamaClient.builder().baseUrl(server.url("/").uri()).build();
    int recorded = MAPPER.readTree(t.bodyText()).get("input_tokens").asInt();
    assertThat(recorded).isPositive();
    assertThat(client.chat().messages().countTokens(request("messages-stream"))).isEqualTo(recorded);
    RecordedRequest sent = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(sent.getTarget()).isEqualTo("/v1/messages/count_tokens");
    assertThat(MAPPER.readTree(sent.getBody().utf8())).isEqualTo(t.requestBody());
  }

  @Test
  void settingsWithoutAFieldAreRefused() {
    client = LlamaClient.builder().baseUrl(server.url("/").uri()).build();
    ChatRequest r = ChatRequest.builder().user("hi").grammar("root ::= \"a\"").seed(1).build();
    for (Function<ChatApi, StreamingApi<ChatRequest, ChatStream, ChatResult>> api :
        List.<Function<ChatApi, StreamingApi<ChatRequest, ChatStream, ChatResult>>>of(ChatApi::responses, ChatApi::messages)) {
      assertThatThrownBy(() -> api.apply(client.chat()).stream(r))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("[seed, grammar]");
    }
    assertThatThrownBy(
            () -> client.chat().messages().stream(ChatRequest.builder().message(ChatMessage.of("developer", "x")).build()))
        .hasMessageContaining("not 'developer'");
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void mediaAndStopInEachProtocolsShape() throws Exception {
    ChatRequest r =
        ChatRequest.builder()
            .user(ContentPart.text("see"), ContentPart.image(new byte[] {1, 2, 3}, "image/png"), ContentPart.imageUrl(java.net.URI.create("https://example.com/a.jpg")))
            .stop("END")
            .build();
    JsonNode resp = MAPPER.readTree(ProtocolJson.responses(r, true, ClientDefaults.NONE));
    assertThat(resp.get("input").get(0).get("content").toString())
        .isEqualTo(
            "[{\"type\":\"input_text\",\"text\":\"see\"},{\"type\":\"input_image\",\"image_url\":\"data:image/png;base64,AQID\"},"
                + "{\"type\":\"input_image\",\"image_url\":\"https://example.com/a.jpg\"}]");
    JsonNode msg = MAPPER.readTree(ProtocolJson.messages(r, true, ClientDefaults.NONE));
    assertThat(msg.get("messages").get(0).get("content").toString())
        .isEqualTo(
            "[{\"type\":\"text\",\"text\":\"see\"},{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"AQID\"}},"
                + "{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"https://example.com/a.jpg\"}}]");
    assertThat(msg.get("stop_sequences").toString()).isEqualTo("[\"END\"]");
    ChatRequest audio = ChatRequest.builder().user(ContentPart.audio(new byte[] {1}, "wav")).build();
    assertThatThrownBy(() -> ProtocolJson.messages(audio, true, ClientDefaults.NONE)).hasMessageContaining("no audio");
  }
}
