package io.github.llamaclient;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Runs the tool-calling loop: stream a reply, collect its tool calls, let a {@link ToolExecutor}
 * run them, append the assistant message (with its calls) and one {@code tool} message per result,
 * stream the next reply, until a reply holds no tool calls. Bounded by {@link
 * Builder#maxRounds(int)}: a reply that still calls tools in the last round fails with {@link
 * ToolRoundsExceededException}.
 *
 * <p>A reply counts as calling tools when {@link ChatResult#toolCalls()} is not empty, whatever its
 * finish reason: llama-server reports {@code length} for calls cut by {@code max_tokens}, and such a
 * call's arguments may be incomplete ({@link ToolCall#argumentsAsMap()} then throws {@link
 * ToolArgumentsException}, which the executor may turn into an error result).
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
  private final LlamaClient client;
  private final ToolExecutor executor;
  private final int maxRounds;
  private final Consumer<? super ChatEvent> onEvent;
  private final UnaryOperator<ChatRequest.Builder> followUp;

  private ToolLoop(Builder b) {
    this.client = b.client;
    this.executor = Objects.requireNonNull(b.executor, "executor");
    this.maxRounds = b.maxRounds;
    this.onEvent = b.onEvent;
    this.followUp = b.followUp;
  }

  /**
   * A builder for a loop over this client.
   *
   * @param client the client that streams each round
   * @return the builder
   */
  public static Builder builder(LlamaClient client) {
    return new Builder(Objects.requireNonNull(client, "client"));
  }

  /**
   * Runs the loop from a first request (which should offer tools).
   *
   * @param request the first request
   * @return the last reply, the whole conversation and the number of rounds
   * @throws ToolRoundsExceededException if the reply of the last allowed round still calls tools
   * @throws LlamaException if a stream fails
   * @throws RuntimeException whatever the executor or the event listener throws
   */
  public ToolLoopResult run(ChatRequest request) {
    Objects.requireNonNull(request, "request");
    List<ChatMessage> messages = new ArrayList<>(request.messages());
    ChatRequest current = request;
    for (int round = 1; ; round++) {
      ChatResult result;
      try (ChatStream stream = client.stream(current)) {
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
      messages.add(
          ChatMessage.builder("assistant")
              .content(result.text())
              .reasoning(reasoning)
              .toolCalls(result.toolCalls())
              .build());
      for (ToolCall call : result.toolCalls()) {
        String out = executor.execute(call);
        messages.add(ChatMessage.tool(call.id(), Objects.requireNonNull(out, "the tool executor returned null")));
      }
      ChatRequest.Builder next = request.toBuilder().messages(messages);
      current = Objects.requireNonNull(followUp.apply(next), "followUp returned null").build();
    }
  }

  /** Builds a {@link ToolLoop}. Not thread-safe. */
  public static final class Builder {
    private final LlamaClient client;
    private ToolExecutor executor;
    private int maxRounds = 8;
    private Consumer<? super ChatEvent> onEvent = e -> {};
    private UnaryOperator<ChatRequest.Builder> followUp = UnaryOperator.identity();

    private Builder(LlamaClient client) {
      this.client = client;
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
