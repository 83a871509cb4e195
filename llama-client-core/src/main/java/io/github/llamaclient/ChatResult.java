package io.github.llamaclient;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A complete chat reply: what a blocking call returns and what a stream adds up to. Immutable and
 * thread-safe.
 *
 * <p>How this type grows (0.x policy): it is a final class, not a record, and has no public
 * constructor, so that a field llama-server adds can be added here without breaking anyone. A new
 * field arrives as a new accessor and a new {@link Builder} method with a neutral default; existing
 * accessors keep their names and meaning. Build instances (for example as test doubles) with
 * {@link #builder()}.
 */
public final class ChatResult {
  private final String text;
  private final String reasoning;
  private final List<ToolCall> toolCalls;
  private final FinishReason finishReason;
  private final @Nullable Usage usage;
  private final @Nullable Timings timings;
  private final String id;
  private final String model;
  private final List<TokenLogprob> logprobs;

  private ChatResult(Builder b) {
    this.text = b.text;
    this.reasoning = b.reasoning;
    this.toolCalls = b.toolCalls;
    this.finishReason = b.finishReason;
    this.usage = b.usage;
    this.timings = b.timings;
    this.id = b.id;
    this.model = b.model;
    this.logprobs = b.logprobs;
  }

  /**
   * A builder with the defaults of an empty reply that stopped normally: empty text and reasoning,
   * no tool calls, {@link FinishReason#STOP}, no usage or timings, empty id and model, no logprobs.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder holding this result's values, to derive a changed copy.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.text = text;
    b.reasoning = reasoning;
    b.toolCalls = toolCalls;
    b.finishReason = finishReason;
    b.usage = usage;
    b.timings = timings;
    b.id = id;
    b.model = model;
    b.logprobs = logprobs;
    return b;
  }

  /**
   * The answer text ({@code content}).
   *
   * @return the text, empty if none
   */
  public String text() {
    return text;
  }

  /**
   * The reasoning text ({@code reasoning_content}), kept apart from the answer.
   *
   * @return the reasoning, empty if none
   */
  public String reasoning() {
    return reasoning;
  }

  /**
   * The completed tool calls, in index order.
   *
   * @return an unmodifiable list, empty if none
   */
  public List<ToolCall> toolCalls() {
    return toolCalls;
  }

  /**
   * Why generation stopped.
   *
   * @return the finish reason
   */
  public FinishReason finishReason() {
    return finishReason;
  }

  /**
   * Token counts. Streams carry them only when the request asked ({@link
   * ChatRequest.Builder#includeUsage(boolean)}).
   *
   * @return the usage, or null if the server sent none
   */
  public @Nullable Usage usage() {
    return usage;
  }

  /**
   * llama-server's timings.
   *
   * @return the timings, or null if the server sent none
   */
  public @Nullable Timings timings() {
    return timings;
  }

  /**
   * The completion id ({@code chatcmpl-…}).
   *
   * @return the id, empty if none was sent
   */
  public String id() {
    return id;
  }

  /**
   * The model name the server reported.
   *
   * @return the model, empty if none was sent
   */
  public String model() {
    return model;
  }

  /**
   * The log-probabilities of the generated tokens, in order, when the request asked for them
   * ({@link ChatRequest.Builder#logprobs(boolean)}): the same entries a stream delivers as {@link
   * ChatEvent.TokenLogprobs} events. llama-server attaches them to a token's last delta, so a token
   * that produced no text has none.
   *
   * @return an unmodifiable list, empty if none were asked for or sent
   */
  public List<TokenLogprob> logprobs() {
    return logprobs;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ChatResult)) {
      return false;
    }
    ChatResult r = (ChatResult) o;
    return text.equals(r.text)
        && reasoning.equals(r.reasoning)
        && toolCalls.equals(r.toolCalls)
        && finishReason == r.finishReason
        && Objects.equals(usage, r.usage)
        && Objects.equals(timings, r.timings)
        && id.equals(r.id)
        && model.equals(r.model)
        && logprobs.equals(r.logprobs);
  }

  @Override
  public int hashCode() {
    return Objects.hash(text, reasoning, toolCalls, finishReason, usage, timings, id, model, logprobs);
  }

  @Override
  public String toString() {
    return "ChatResult[text="
        + text
        + ", reasoning="
        + reasoning
        + ", toolCalls="
        + toolCalls
        + ", finishReason="
        + finishReason
        + ", usage="
        + usage
        + ", timings="
        + timings
        + ", id="
        + id
        + ", model="
        + model
        + ", logprobs="
        + logprobs.size()
        + " tokens]";
  }

  /**
   * Builds a {@link ChatResult}; every setter checks its argument. Not thread-safe.
   */
  public static final class Builder {
    private String text = "";
    private String reasoning = "";
    private List<ToolCall> toolCalls = List.of();
    private FinishReason finishReason = FinishReason.STOP;
    private @Nullable Usage usage;
    private @Nullable Timings timings;
    private String id = "";
    private String model = "";
    private List<TokenLogprob> logprobs = List.of();

    private Builder() {}

    /**
     * Sets the answer text.
     *
     * @param text the text
     * @return this builder
     * @throws NullPointerException if {@code text} is null
     */
    public Builder text(String text) {
      this.text = Objects.requireNonNull(text, "text");
      return this;
    }

    /**
     * Sets the reasoning text.
     *
     * @param reasoning the reasoning, empty for none
     * @return this builder
     * @throws NullPointerException if {@code reasoning} is null
     */
    public Builder reasoning(String reasoning) {
      this.reasoning = Objects.requireNonNull(reasoning, "reasoning");
      return this;
    }

    /**
     * Sets the tool calls (copied).
     *
     * @param toolCalls the calls, in index order
     * @return this builder
     * @throws NullPointerException if the list or an element is null
     */
    public Builder toolCalls(List<ToolCall> toolCalls) {
      this.toolCalls = List.copyOf(toolCalls);
      return this;
    }

    /**
     * Sets why generation stopped.
     *
     * @param finishReason the reason
     * @return this builder
     * @throws NullPointerException if {@code finishReason} is null
     */
    public Builder finishReason(FinishReason finishReason) {
      this.finishReason = Objects.requireNonNull(finishReason, "finishReason");
      return this;
    }

    /**
     * Sets the token counts.
     *
     * @param usage the usage, or null for none
     * @return this builder
     */
    public Builder usage(@Nullable Usage usage) {
      this.usage = usage;
      return this;
    }

    /**
     * Sets llama-server's timings.
     *
     * @param timings the timings, or null for none
     * @return this builder
     */
    public Builder timings(@Nullable Timings timings) {
      this.timings = timings;
      return this;
    }

    /**
     * Sets the completion id.
     *
     * @param id the id, empty for none
     * @return this builder
     * @throws NullPointerException if {@code id} is null
     */
    public Builder id(String id) {
      this.id = Objects.requireNonNull(id, "id");
      return this;
    }

    /**
     * Sets the model name.
     *
     * @param model the model, empty for none
     * @return this builder
     * @throws NullPointerException if {@code model} is null
     */
    public Builder model(String model) {
      this.model = Objects.requireNonNull(model, "model");
      return this;
    }

    /**
     * Sets the token log-probabilities (copied).
     *
     * @param logprobs one entry per token, in order
     * @return this builder
     * @throws NullPointerException if the list or an element is null
     */
    public Builder logprobs(List<TokenLogprob> logprobs) {
      this.logprobs = List.copyOf(logprobs);
      return this;
    }

    /**
     * Builds the result.
     *
     * @return the result
     */
    public ChatResult build() {
      return new ChatResult(this);
    }
  }
}
