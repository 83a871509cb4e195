package io.github.llamaclient.examples.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.ChatStream;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.ToolCall;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Two local Java functions offered to the model as tools ({@code get_weather}, {@code get_time});
 * the loop sends the question, runs the functions the model calls, sends their results back, and
 * repeats until the model answers in text. llama-server must run with {@code --jinja} and a model
 * whose template supports tools.
 *
 * <p>TOOLS: core sends tools through {@link ChatRequest.Builder#parameter(String, Object)} and
 * returns the calls in {@link ChatResult#toolCalls()}; when core offers a typed tool API, this
 * example moves to it.
 */
public final class ToolLoop {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ToolLoop() {}

  /**
   * A local function the model may call.
   *
   * @param name the function name the model sees
   * @param description what it does, for the model
   * @param parameters its JSON schema
   * @param function the Java code: JSON arguments in, a JSON-able result out
   */
  record LocalTool(String name, String description, Map<String, Object> parameters, Function<JsonNode, Object> function) {
    /** The tool as llama-server's {@code tools} array wants it. */
    Map<String, Object> definition() {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("name", name);
      f.put("description", description);
      f.put("parameters", parameters);
      return Map.of("type", "function", "function", f);
    }
  }

  // tag::tools[]
  static final LocalTool WEATHER =
      new LocalTool(
          "get_weather",
          "Get the current weather for a city",
          Map.of(
              "type", "object",
              "properties", Map.of("city", Map.of("type", "string"), "unit", Map.of("type", "string", "enum", List.of("c", "f"))),
              "required", List.of("city", "unit")),
          args -> {
            String city = args.path("city").asText("");
            if (city.isBlank()) {
              return Map.of("error", "city is required");
            }
            boolean f = args.path("unit").asText("c").equals("f");
            int celsius = 12 + Math.floorMod(city.toLowerCase().hashCode(), 15); // a stand-in for a weather service
            return Map.of("city", city, "temperature", f ? celsius * 9 / 5 + 32 : celsius, "unit", f ? "f" : "c");
          });

  static final LocalTool TIME =
      new LocalTool(
          "get_time",
          "Current time in a zone",
          Map.of("type", "object", "properties", Map.of("zone", Map.of("type", "string")), "required", List.of("zone")),
          args -> {
            try {
              return Map.of("zone", args.path("zone").asText(), "time", ZonedDateTime.now(ZoneId.of(args.path("zone").asText())).toString());
            } catch (DateTimeException e) {
              return Map.of("error", "unknown zone: " + args.path("zone").asText());
            }
          });
  // end::tools[]

  /**
   * Asks a question (the arguments) with the two tools on offer and prints the answer as it streams.
   *
   * @param args the question, as words
   */
  public static void main(String[] args) {
    String question = args.length > 0 ? String.join(" ", args) : "What is the weather in Paris, and the time in Europe/Paris?";
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    try (LlamaClient client = LlamaClient.fromEnv()) {
      run(client, question, List.of(WEATHER, TIME), 5, out);
    }
  }

  // tag::loop[]
  /**
   * Runs the loop: at most {@code maxRounds} requests.
   *
   * @return the model's last reply (its text is the answer, unless the rounds ran out)
   */
  static ChatResult run(LlamaClient client, String question, List<LocalTool> tools, int maxRounds, PrintStream out) {
    List<Object> definitions = new ArrayList<>();
    for (LocalTool t : tools) {
      definitions.add(t.definition());
    }
    List<ChatMessage> messages = new ArrayList<>(List.of(ChatMessage.user(question)));
    ChatResult result = null;
    for (int round = 1; round <= maxRounds; round++) {
      ChatRequest request =
          ChatRequest.builder().messages(messages).parameter("tools", definitions).parameter("tool_choice", "auto").build();
      try (ChatStream events = client.stream(request)) {
        for (ChatEvent e : events) {
          if (e instanceof ChatEvent.Content) {
            out.print(((ChatEvent.Content) e).text()); // the answer streams as usual
          }
        }
        result = events.result();
      }
      if (result.toolCalls().isEmpty()) {
        out.println();
        return result; // the model answered
      }
      messages.add(ChatMessage.assistant(result.text(), result.toolCalls()));
      for (ToolCall call : result.toolCalls()) {
        String output = call(tools, call);
        out.println("[" + call.name() + " " + call.arguments().replaceAll("\\s+", " ") + " -> " + output + "]");
        messages.add(ChatMessage.tool(call.id(), output));
      }
    }
    out.println("[no answer after " + maxRounds + " rounds]");
    return result;
  }

  /** Runs one call; a bad call gets an error result the model can read, not an exception. */
  static String call(List<LocalTool> tools, ToolCall call) {
    Object result;
    LocalTool tool = tools.stream().filter(t -> t.name().equals(call.name())).findFirst().orElse(null);
    if (tool == null) {
      result = Map.of("error", "no tool named " + call.name());
    } else {
      try {
        result = tool.function().apply(JSON.readTree(call.arguments()));
      } catch (JsonProcessingException e) {
        result = Map.of("error", "the arguments are not valid JSON: " + e.getOriginalMessage());
      }
    }
    try {
      return JSON.writeValueAsString(result);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
  // end::loop[]
}
