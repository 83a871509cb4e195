package io.github.llamaclient;

import io.github.llamaclient.internal.json.Json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Runs the tool-calling loop: stream a reply, collect its tool calls, let a {@link ToolExecutor}
 * run them, append the assistant message (with its calls) and one {@code tool} message per result,
 * stream the next reply, until a reply holds no tool calls. Bounded by {@link
 * Builder#maxRounds(int)}: a reply that still calls tools in the last round fails with {@link
 * ToolRoundsExceededException}.
 *
 * <p>A reply counts as calling tools when {@link ChatResult#toolCalls()} is not empty, whatever its
 * finish reason: llama-server reports {@code length} for calls cut by {@code max_tokens}, and such a
 * call's arguments may be incomplete.
 *
 * <p><b>Arguments that are not a JSON object</b> (cut by {@code max_tokens}, like <code>{"city": "Par</code>,
 * or malformed; empty arguments count as <code>{}</code>) are never sent back as they are: llama-server
 * with {@code --jinja} parses the arguments of every earlier call and answers HTTP 500 to the whole
 * request when one does not parse. What the loop does instead is set by {@link
 * Builder#invalidArguments(InvalidArguments)}:
 *
 * <ul>
 *   <li>{@link InvalidArguments#TELL_MODEL} (the default): the executor is not called for that call;
 *       the call goes back with <code>{}</code> as its arguments, and its {@code tool} message tells the
 *       model what was wrong, as JSON: <code>{"error": "...", "arguments": "the raw text"}</code>, so the
 *       model can call again with complete arguments. The other calls of the reply run as usual.
 *   <li>{@link InvalidArguments#FAIL}: the loop ends with a {@link ToolArgumentsException} that
 *       carries the raw arguments ({@link ToolArgumentsException#arguments()}), before any call of
 *       that reply runs and before anything more is sent.
 * </ul>
 *
 * <p>Needs llama-server with {@code --jinja} and a chat template that supports tools. Immutable
 * and thread-safe; {@link #run(ChatRequest)} blocks the calling thread, which also runs the
 * executor and the event listener. Interrupting it closes the running stream and throws {@link
 * StreamCancelledException}.
 *
 * <pre>{@code
 * ToolLoopResult r = ToolLoop.builder(client)
 *     .executor(call -> weather(call.argumentsAs(WeatherArgs.class)))
 *     .maxRounds(4)
 *     .onEvent(e -> { if (e instanceof ChatEvent.Content c) System.out.print(c.text()); })
 *     .build()
 *     .run(request);
 * }</pre>
 */
public final class ToolLoop {
  private final ChatApi chat;
  private final ToolExecutor executor;
  private final int maxRounds;
  private final Consumer<? super ChatEvent> onEvent;
  private final UnaryOperator<ChatRequest.Builder> followUp;
  private final InvalidArguments invalidArguments;

  /** The longest raw arguments text quoted back to the model in an error result, in chars. */
  static final int QUOTED_ARGUMENTS_LIMIT = 2000;

  private static final ObjectReader STRICT =
      Json.MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** What a {@link ToolLoop} does with a call whose arguments are not a JSON object. */
  public enum InvalidArguments {
    /**
     * Do not run the call; send it back with <code>{}</code> as its arguments and a {@code tool} result
     * telling the model what was wrong (with the raw text), so it can call again.
     */
    TELL_MODEL,
    /** End the loop with a {@link ToolArgumentsException} carrying the raw arguments. */
    FAIL
  }

  private ToolLoop(Builder b) {
    this.chat = b.chat;
    this.executor = Objects.requireNonNull(b.executor, "executor");
    this.maxRounds = b.maxRounds;
    this.onEvent = b.onEvent;
    this.followUp = b.followUp;
    this.invalidArguments = b.invalidArguments;
  }

  /**
   * A builder for a loop over this client.
   *
   * @param client the client that streams each round
   * @return the builder
   */
  public static Builder builder(LlamaClient client) {
    return new Builder(Objects.requireNonNull(client, "client").chat());
  }

  /** A builder for a loop over a chat facet. */
  static Builder over(ChatApi chat) {
    return new Builder(chat);
  }

  /**
   * Runs the loop from a first request (which should offer tools).
   *
   * @param request the first request
   * @return the last reply, the whole conversation and the number of rounds
   * @throws ToolRoundsExceededException if the reply of the last allowed round still calls tools
   * @throws ToolArgumentsException with {@link InvalidArguments#FAIL}, if a call's arguments are
   *     not a JSON object; it carries the call's id, name and raw arguments
   * @throws LlamaException if a stream fails
   * @throws RuntimeException whatever the executor or the event listener throws
   */
  public ToolLoopResult run(ChatRequest request) {
    Objects.requireNonNull(request, "request");
    List<ChatMessage> messages = new ArrayList<>(request.messages());
    ChatRequest current = request;
    for (int round = 1; ; round++) {
      ChatResult result;
      try (ChatStream stream = chat.stream(current)) {
        for (ChatEvent e : stream) {
          onEvent.accept(e);
        }
        result = stream.result();
      }
      String reasoning = result.reasoning().isEmpty() ? null : result.reasoning();
      if (result.toolCalls().isEmpty()) {
        messages.add(ChatMessage.builder("assistant").content(result.text()).reasoning(reasoning).build());
        return new ToolLoopResult(result, messages, round);
      }
      if (round >= maxRounds) {
        throw new ToolRoundsExceededException(maxRounds, result, messages);
      }
      List<ToolCall> sent = new ArrayList<>(result.toolCalls().size());
      List<@Nullable String> problems = new ArrayList<>(result.toolCalls().size());
      for (ToolCall call : result.toolCalls()) {
        String problem = problem(call.arguments());
        if (problem != null && invalidArguments == InvalidArguments.FAIL) {
          throw new ToolArgumentsException(call, problem + cutHint(result), null);
        }
        problems.add(problem);
        sent.add(problem != null || call.arguments().isBlank() ? new ToolCall(call.id(), call.name(), "{}") : call);
      }
      messages.add(ChatMessage.builder("assistant").content(result.text()).reasoning(reasoning).toolCalls(sent).build());
      for (int i = 0; i < sent.size(); i++) {
        ToolCall call = result.toolCalls().get(i);
        String problem = problems.get(i);
        String out =
            problem == null
                ? Objects.requireNonNull(executor.execute(call), "the tool executor returned null")
                : errorResult(call, problem + cutHint(result));
        messages.add(ChatMessage.tool(call.id(), out));
      }
      ChatRequest.Builder next = request.toBuilder().messages(messages);
      current = Objects.requireNonNull(followUp.apply(next), "followUp returned null").build();
    }
  }

  /**
   * What is wrong with a call's arguments, or null when they are one JSON object and nothing else
   * (or blank: a function without parameters).
   */
  static @Nullable String problem(String arguments) {
    if (arguments.isBlank()) {
      return null;
    }
    JsonNode node;
    try {
      node = STRICT.readTree(arguments);
    } catch (JsonProcessingException e) {
      String m = String.valueOf(e.getOriginalMessage());
      int nl = m.indexOf('\n');
      return "are not valid JSON (" + (nl < 0 ? m : m.substring(0, nl)) + ")";
    }
    if (node == null || !node.isObject()) {
      return "are not a JSON object";
    }
    return null;
  }

  private static String cutHint(ChatResult result) {
    return result.finishReason() == FinishReason.LENGTH ? ", probably cut off by max_tokens" : "";
  }

  /** The tool result that tells the model its call could not be run, as JSON. */
  static String errorResult(ToolCall call, String problem) {
    String raw = call.arguments();
    Map<String, String> m = new LinkedHashMap<>();
    m.put(
        "error",
        "The arguments of this call to "
            + call.name()
            + " "
            + problem
            + ", so it was not run. Call "
            + call.name()
            + " again with complete arguments: one JSON object that fits its parameters.");
    m.put("arguments", raw.length() <= QUOTED_ARGUMENTS_LIMIT ? raw : raw.substring(0, QUOTED_ARGUMENTS_LIMIT) + "...");
    try {
      return Json.MAPPER.writeValueAsString(m);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e); // a map of strings always writes
    }
  }

  /** Builds a {@link ToolLoop}. Not thread-safe. */
  public static final class Builder {
    private final ChatApi chat;
    private @Nullable ToolExecutor executor; // null until executor(...); build() checks it
    private int maxRounds = 8;
    private Consumer<? super ChatEvent> onEvent = e -> {};
    private UnaryOperator<ChatRequest.Builder> followUp = UnaryOperator.identity();
    private InvalidArguments invalidArguments = InvalidArguments.TELL_MODEL;

    private Builder(ChatApi chat) {
      this.chat = chat;
    }

    /**
     * Sets what happens to a call whose arguments are not a JSON object (default {@link
     * InvalidArguments#TELL_MODEL}). Such arguments are never sent back to the server as they are.
     *
     * @param invalidArguments tell the model, or fail with {@link ToolArgumentsException}
     * @return this builder
     */
    public Builder invalidArguments(InvalidArguments invalidArguments) {
      this.invalidArguments = Objects.requireNonNull(invalidArguments, "invalidArguments");
      return this;
    }

    /**
     * Sets who runs the calls (required).
     *
     * @param executor the executor
     * @return this builder
     */
    public Builder executor(ToolExecutor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Sets the most replies streamed in one run (default 8): with 1, a reply that calls tools fails
     * at once.
     *
     * @param maxRounds 1 or more
     * @return this builder
     */
    public Builder maxRounds(int maxRounds) {
      if (maxRounds < 1) {
        throw new IllegalArgumentException("maxRounds must be 1 or more, was " + maxRounds);
      }
      this.maxRounds = maxRounds;
      return this;
    }

    /**
     * Sets a listener for every event of every round (each round ends with its {@link
     * ChatEvent.Done}), called on the thread running the loop, for example to show text as it
     * streams.
     *
     * @param onEvent the listener
     * @return this builder
     */
    public Builder onEvent(Consumer<? super ChatEvent> onEvent) {
      this.onEvent = Objects.requireNonNull(onEvent, "onEvent");
      return this;
    }

    /**
     * Adjusts the requests after the first: the operator receives a builder holding the first
     * request's settings and the conversation so far, for example to switch {@code toolChoice}
     * from {@code REQUIRED} to {@code AUTO} (otherwise the model must call a tool every round).
     *
     * @param followUp changes the builder and returns it (or another builder)
     * @return this builder
     */
    public Builder followUp(UnaryOperator<ChatRequest.Builder> followUp) {
      this.followUp = Objects.requireNonNull(followUp, "followUp");
      return this;
    }

    /**
     * Builds the loop.
     *
     * @return the loop
     * @throws IllegalStateException if no executor was set
     */
    public ToolLoop build() {
      if (executor == null) {
        throw new IllegalStateException("a ToolLoop needs an executor: call executor(...) first");
      }
      return new ToolLoop(this);
    }
  }
}
