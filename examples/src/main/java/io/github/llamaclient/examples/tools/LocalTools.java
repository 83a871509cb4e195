package io.github.llamaclient.examples.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.LlamaException;
import io.github.llamaclient.Tool;
import io.github.llamaclient.ToolArgumentsException;
import io.github.llamaclient.ToolCall;
import io.github.llamaclient.ToolChoice;
import io.github.llamaclient.ToolLoop;
import io.github.llamaclient.ToolLoopResult;
import io.github.llamaclient.ToolRoundsExceededException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Two local Java functions offered to the model as tools ({@code get_weather}, {@code get_time})
 * with core's typed {@link Tool}, and core's {@link ToolLoop} running the loop: it sends the
 * question, runs the functions the model calls, sends their results back, and repeats until the
 * model answers in text. llama-server must run with {@code --jinja} and a model whose template
 * supports tools.
 */
public final class LocalTools {
  private static final ObjectMapper JSON = new ObjectMapper();

  private LocalTools() {}

  // tag::tools[]
  static final Tool WEATHER =
      Tool.function(
          "get_weather",
          "Get the current weather for a city",
          Map.of(
              "type", "object",
              "properties", Map.of("city", Map.of("type", "string"), "unit", Map.of("type", "string", "enum", List.of("c", "f"))),
              "required", List.of("city", "unit")));

  static final Tool TIME =
      Tool.function(
          "get_time",
          "Current time in a zone",
          Map.of("type", "object", "properties", Map.of("zone", Map.of("type", "string")), "required", List.of("zone")));

  /** Runs one call; a bad call gets an error result the model can read, not an exception. */
  static String execute(ToolCall call) {
    Map<String, ?> result;
    try {
      Map<String, @Nullable Object> args = call.argumentsAsMap(); // model output: may be broken
      switch (call.name()) {
        case "get_weather":
          result = weather(args.get("city"), args.get("unit"));
          break;
        case "get_time":
          result = time(args.get("zone"));
          break;
        default:
          result = Map.of("error", "no tool named " + call.name());
      }
    } catch (ToolArgumentsException e) {
      result = Map.of("error", e.getMessage());
    }
    try {
      return JSON.writeValueAsString(result);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static Map<String, ?> weather(@Nullable Object city, @Nullable Object unit) {
    if (!(city instanceof String) || ((String) city).isBlank()) {
      return Map.of("error", "city is required");
    }
    boolean f = "f".equals(unit);
    int celsius = 12 + Math.floorMod(((String) city).toLowerCase().hashCode(), 15); // a stand-in for a weather service
    return Map.of("city", city, "temperature", f ? celsius * 9 / 5 + 32 : celsius, "unit", f ? "f" : "c");
  }

  static Map<String, ?> time(@Nullable Object zone) {
    try {
      return Map.of("zone", String.valueOf(zone), "time", ZonedDateTime.now(ZoneId.of(String.valueOf(zone))).toString());
    } catch (DateTimeException e) {
      return Map.of("error", "unknown zone: " + zone);
    }
  }
  // end::tools[]

  /**
   * Asks a question (the arguments) with the two tools on offer and prints the answer as it streams.
   * {@code --required} first makes the model call a tool in the first round ({@code tool_choice}
   * {@code required}: llama-server then holds the reply to the template's tool-call format with a
   * grammar); later rounds are {@code auto}. Exit code 1 when the model still calls tools after 5
   * rounds, 2 when a request fails.
   *
   * @param args {@code [--required] QUESTION...}
   */
  public static void main(String[] args) {
    List<String> words = new java.util.ArrayList<>(List.of(args));
    ToolChoice first = words.remove("--required") ? ToolChoice.REQUIRED : ToolChoice.AUTO;
    String question = words.isEmpty() ? "What is the weather in Paris, and the time in Europe/Paris?" : String.join(" ", words);
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    int code = 0;
    try (LlamaClient client = LlamaClient.fromEnv()) {
      run(client, question, first, 5, out);
    } catch (ToolRoundsExceededException e) {
      out.println("[" + e.getMessage() + "]");
      code = 1;
    } catch (LlamaException e) {
      System.err.println("error: " + e.getMessage());
      code = 2;
    }
    System.exit(code);
  }

  /**
   * {@link #run(LlamaClient, String, ToolChoice, int, PrintStream)} with {@code auto} in every round.
   *
   * @return the last reply (the answer), the whole conversation, the number of rounds
   * @throws ToolRoundsExceededException if the model still calls tools in the last round
   */
  static ToolLoopResult run(LlamaClient client, String question, int maxRounds, PrintStream out) {
    return run(client, question, ToolChoice.AUTO, maxRounds, out);
  }

  // tag::loop[]
  /**
   * Runs the loop: at most {@code maxRounds} streamed replies; {@code first} is the first round's
   * {@code tool_choice}, later rounds are {@code auto}. A call whose arguments are not JSON (cut by
   * {@code max_tokens}, say) is not run: the loop tells the model in its result.
   *
   * @param client the client
   * @param question the user's question
   * @param first the first round's tool choice
   * @param maxRounds the most replies streamed
   * @param out where the answer and the calls are printed
   * @return the last reply (the answer), the whole conversation, the number of rounds
   * @throws ToolRoundsExceededException if the model still calls tools in the last round
   */
  public static ToolLoopResult run(LlamaClient client, String question, ToolChoice first, int maxRounds, PrintStream out) {
    ChatRequest request = ChatRequest.builder().user(question).tools(WEATHER, TIME).toolChoice(first).build();
    ToolLoopResult result =
        ToolLoop.builder(client)
            .maxRounds(maxRounds)
            .followUp(next -> next.toolChoice(ToolChoice.AUTO)) // after the first round the model may answer
            .onEvent(e -> {
              if (e instanceof ChatEvent.Content) {
                out.print(((ChatEvent.Content) e).text()); // the answer streams as usual
              }
            })
            .executor(call -> {
              String output = execute(call);
              out.println("[" + call.name() + " " + call.arguments().replaceAll("\\s+", " ") + " -> " + output + "]");
              return output;
            })
            .build()
            .run(request);
    out.println();
    return result;
  }
  // end::loop[]
}
