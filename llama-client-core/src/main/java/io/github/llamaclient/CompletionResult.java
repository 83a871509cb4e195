package io.github.llamaclient;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A whole raw completion: what {@link CompletionsApi#callNonStreaming(CompletionRequest)} returns and what a
 * {@link CompletionStream} adds up to. Immutable and thread-safe.
 *
 * <p>How this type grows (0.x policy): it is a final class, not a record, and has no public
 * constructor. A new field arrives as a new accessor and a new {@link Builder} method with a
 * neutral default; existing accessors keep their names and meaning. Build instances (for example
 * as test doubles) with {@link #builder()}.
 */
public final class CompletionResult {
  private final String content;
  private final FinishReason finishReason;
  private final String stopType;
  private final String stoppingWord;
  private final boolean truncated;
  private final int tokensCached;
  private final int tokensPredicted;
  private final int tokensEvaluated;
  private final int idSlot;
  private final @Nullable Usage usage;
  private final @Nullable Timings timings;
  private final String model;
  private final List<TokenLogprob> logprobs;

  private CompletionResult(Builder b) {
    this.content = b.content;
    this.finishReason = b.finishReason;
    this.stopType = b.stopType;
    this.stoppingWord = b.stoppingWord;
    this.truncated = b.truncated;
    this.tokensCached = b.tokensCached;
    this.tokensPredicted = b.tokensPredicted;
    this.tokensEvaluated = b.tokensEvaluated;
    this.idSlot = b.idSlot;
    this.usage = b.usage;
    this.timings = b.timings;
    this.model = b.model;
    this.logprobs = b.logprobs;
  }

  /**
   * A builder with the defaults of an empty completion that stopped normally: empty content,
   * {@link FinishReason#STOP}, empty stop type and stopping word, not truncated, zero token counts,
   * slot -1, no usage or timings, empty model, no logprobs.
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
    return new Builder()
        .content(content)
        .finishReason(finishReason)
        .stopType(stopType)
        .stoppingWord(stoppingWord)
        .truncated(truncated)
        .tokensCached(tokensCached)
        .tokensPredicted(tokensPredicted)
        .tokensEvaluated(tokensEvaluated)
        .idSlot(idSlot)
        .usage(usage)
        .timings(timings)
        .model(model)
        .logprobs(logprobs);
  }

  /**
   * The generated text.
   *
   * @return the text
   */
  public String content() {
    return content;
  }

  /**
   * Why generation stopped: {@code stop_type} {@code eos} and {@code word} give {@code STOP},
   * {@code limit} gives {@code LENGTH}.
   *
   * @return the finish reason
   */
  public FinishReason finishReason() {
    return finishReason;
  }

  /**
   * Native {@code stop_type}: {@code eos}, {@code word}, {@code limit} or {@code none}.
   *
   * @return the stop type, empty for {@code /v1/completions}
   */
  public String stopType() {
    return stopType;
  }

  /**
   * The stop string that matched ({@code stopping_word}).
   *
   * @return the word, empty if none
   */
  public String stoppingWord() {
    return stoppingWord;
  }

  /**
   * Whether the prompt was truncated to fit the context.
   *
   * @return the flag
   */
  public boolean truncated() {
    return truncated;
  }

  /**
   * {@code tokens_cached}: tokens of the slot's cache after the request.
   *
   * @return the count
   */
  public int tokensCached() {
    return tokensCached;
  }

  /**
   * {@code tokens_predicted}.
   *
   * @return the count
   */
  public int tokensPredicted() {
    return tokensPredicted;
  }

  /**
   * {@code tokens_evaluated}: prompt tokens evaluated.
   *
   * @return the count
   */
  public int tokensEvaluated() {
    return tokensEvaluated;
  }

  /**
   * The slot that served the request.
   *
   * @return the slot, -1 if not reported
   */
  public int idSlot() {
    return idSlot;
  }

  /**
   * {@code usage}, sent by {@code /v1/completions} only.
   *
   * @return the usage, or null
   */
  public @Nullable Usage usage() {
    return usage;
  }

  /**
   * llama-server's timings.
   *
   * @return the timings, or null if none were sent
   */
  public @Nullable Timings timings() {
    return timings;
  }

  /**
   * The model the server reported.
   *
   * @return the model, empty if none
   */
  public String model() {
    return model;
  }

  /**
   * The token probabilities, in order, when the request asked for them ({@link
   * CompletionRequest.Builder#nProbs(int)}; native {@code completion_probabilities}): the same
   * entries a stream delivers as {@link ChatEvent.TokenLogprobs} events. With {@code
   * post_sampling_probs} the server sends probabilities, and their logarithm is kept.
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
    if (!(o instanceof CompletionResult)) {
      return false;
    }
    CompletionResult r = (CompletionResult) o;
    return content.equals(r.content)
        && finishReason == r.finishReason
        && stopType.equals(r.stopType)
        && stoppingWord.equals(r.stoppingWord)
        && truncated == r.truncated
        && tokensCached == r.tokensCached
        && tokensPredicted == r.tokensPredicted
        && tokensEvaluated == r.tokensEvaluated
        && idSlot == r.idSlot
        && Objects.equals(usage, r.usage)
        && Objects.equals(timings, r.timings)
        && model.equals(r.model)
        && logprobs.equals(r.logprobs);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        content,
        finishReason,
        stopType,
        stoppingWord,
        truncated,
        tokensCached,
        tokensPredicted,
        tokensEvaluated,
        idSlot,
        usage,
        timings,
        model,
        logprobs);
  }

  @Override
  public String toString() {
    return "CompletionResult[content="
        + content
        + ", finishReason="
        + finishReason
        + ", stopType="
        + stopType
        + ", stoppingWord="
        + stoppingWord
        + ", truncated="
        + truncated
        + ", tokensCached="
        + tokensCached
        + ", tokensPredicted="
        + tokensPredicted
        + ", tokensEvaluated="
        + tokensEvaluated
        + ", idSlot="
        + idSlot
        + ", usage="
        + usage
        + ", timings="
        + timings
        + ", model="
        + model
        + ", logprobs="
        + logprobs.size()
        + " tokens]";
  }

  /** Builds a {@link CompletionResult}; every setter checks its argument. Not thread-safe. */
  public static final class Builder {
    private String content = "";
    private FinishReason finishReason = FinishReason.STOP;
    private String stopType = "";
    private String stoppingWord = "";
    private boolean truncated;
    private int tokensCached;
    private int tokensPredicted;
    private int tokensEvaluated;
    private int idSlot = -1;
    private @Nullable Usage usage;
    private @Nullable Timings timings;
    private String model = "";
    private List<TokenLogprob> logprobs = List.of();

    private Builder() {}

    /**
     * Sets the generated text.
     *
     * @param content the text
     * @return this builder
     * @throws NullPointerException if {@code content} is null
     */
    public Builder content(String content) {
      this.content = Objects.requireNonNull(content, "content");
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
     * Sets the native {@code stop_type}.
     *
     * @param stopType the stop type, empty for none
     * @return this builder
     * @throws NullPointerException if {@code stopType} is null
     */
    public Builder stopType(String stopType) {
      this.stopType = Objects.requireNonNull(stopType, "stopType");
      return this;
    }

    /**
     * Sets the stop string that matched.
     *
     * @param stoppingWord the word, empty for none
     * @return this builder
     * @throws NullPointerException if {@code stoppingWord} is null
     */
    public Builder stoppingWord(String stoppingWord) {
      this.stoppingWord = Objects.requireNonNull(stoppingWord, "stoppingWord");
      return this;
    }

    /**
     * Sets whether the prompt was truncated.
     *
     * @param truncated the flag
     * @return this builder
     */
    public Builder truncated(boolean truncated) {
      this.truncated = truncated;
      return this;
    }

    /**
     * Sets {@code tokens_cached}.
     *
     * @param tokensCached the count
     * @return this builder
     */
    public Builder tokensCached(int tokensCached) {
      this.tokensCached = tokensCached;
      return this;
    }

    /**
     * Sets {@code tokens_predicted}.
     *
     * @param tokensPredicted the count
     * @return this builder
     */
    public Builder tokensPredicted(int tokensPredicted) {
      this.tokensPredicted = tokensPredicted;
      return this;
    }

    /**
     * Sets {@code tokens_evaluated}.
     *
     * @param tokensEvaluated the count
     * @return this builder
     */
    public Builder tokensEvaluated(int tokensEvaluated) {
      this.tokensEvaluated = tokensEvaluated;
      return this;
    }

    /**
     * Sets the slot that served the request.
     *
     * @param idSlot the slot, -1 for not reported
     * @return this builder
     */
    public Builder idSlot(int idSlot) {
      this.idSlot = idSlot;
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
     * Sets the token probabilities (copied).
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
    public CompletionResult build() {
      return new CompletionResult(this);
    }
  }
}
