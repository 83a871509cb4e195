package io.github.llamaclient.session;

import io.github.llamaclient.ChatRequest;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A session's generation defaults: sampling settings sent with each of its turns, unless a turn's
 * own options override them. Unset (null) settings are not sent. Saved with the session.
 *
 * @param temperature {@code temperature}, or null
 * @param topP {@code top_p}, or null
 * @param topK {@code top_k}, or null
 * @param minP {@code min_p}, or null
 * @param maxTokens {@code max_tokens}, or null
 * @param seed {@code seed}, or null
 * @param stop stop strings, possibly empty
 */
public record GenerationOptions(
    @Nullable Double temperature,
    @Nullable Double topP,
    @Nullable Integer topK,
    @Nullable Double minP,
    @Nullable Integer maxTokens,
    @Nullable Long seed,
    List<String> stop) {

  private static final GenerationOptions NONE =
      new GenerationOptions(null, null, null, null, null, null, List.of());

  /**
   * Checks every setting with the same rules as {@link ChatRequest.Builder} and copies the list.
   *
   * @param temperature the temperature
   * @param topP the topP
   * @param topK the topK
   * @param minP the minP
   * @param maxTokens the maxTokens
   * @param seed the seed
   * @param stop the stop strings
   * @throws IllegalArgumentException if a setting is out of range (the message names it)
   */
  public GenerationOptions {
    stop = List.copyOf(stop);
    ChatRequest.Builder check = ChatRequest.builder();
    if (temperature != null) {
      check.temperature(temperature);
    }
    if (topP != null) {
      check.topP(topP);
    }
    if (topK != null) {
      check.topK(topK);
    }
    if (minP != null) {
      check.minP(minP);
    }
    if (maxTokens != null) {
      check.maxTokens(maxTokens);
    }
    check.stop(stop);
  }

  /**
   * No settings: the server's (or the client's) defaults apply.
   *
   * @return the empty options
   */
  public static GenerationOptions none() {
    return NONE;
  }

  /**
   * A builder starting from no settings.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder(NONE);
  }

  /**
   * A builder holding these settings, to derive a changed copy.
   *
   * @return the builder
   */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * Sets these settings on a request builder.
   *
   * @param b the request builder
   */
  void applyTo(ChatRequest.Builder b) {
    if (temperature != null) {
      b.temperature(temperature);
    }
    if (topP != null) {
      b.topP(topP);
    }
    if (topK != null) {
      b.topK(topK);
    }
    if (minP != null) {
      b.minP(minP);
    }
    if (maxTokens != null) {
      b.maxTokens(maxTokens);
    }
    if (seed != null) {
      b.seed(seed);
    }
    if (!stop.isEmpty()) {
      b.stop(stop);
    }
  }

  /** Builds {@link GenerationOptions}; each setter checks its argument. Not thread-safe. */
  public static final class Builder {
    private @Nullable Double temperature;
    private @Nullable Double topP;
    private @Nullable Integer topK;
    private @Nullable Double minP;
    private @Nullable Integer maxTokens;
    private @Nullable Long seed;
    private List<String> stop;

    private Builder(GenerationOptions o) {
      temperature = o.temperature;
      topP = o.topP;
      topK = o.topK;
      minP = o.minP;
      maxTokens = o.maxTokens;
      seed = o.seed;
      stop = new ArrayList<>(o.stop);
    }

    /**
     * Sets {@code temperature}.
     *
     * @param temperature from 0 to 100
     * @return this builder
     */
    public Builder temperature(double temperature) {
      ChatRequest.builder().temperature(temperature);
      this.temperature = temperature;
      return this;
    }

    /**
     * Sets {@code top_p}.
     *
     * @param topP from 0 to 1
     * @return this builder
     */
    public Builder topP(double topP) {
      ChatRequest.builder().topP(topP);
      this.topP = topP;
      return this;
    }

    /**
     * Sets {@code top_k}.
     *
     * @param topK 0 (disabled) or more
     * @return this builder
     */
    public Builder topK(int topK) {
      ChatRequest.builder().topK(topK);
      this.topK = topK;
      return this;
    }

    /**
     * Sets {@code min_p}.
     *
     * @param minP from 0 to 1
     * @return this builder
     */
    public Builder minP(double minP) {
      ChatRequest.builder().minP(minP);
      this.minP = minP;
      return this;
    }

    /**
     * Sets {@code max_tokens}.
     *
     * @param maxTokens -1 (no limit) or more
     * @return this builder
     */
    public Builder maxTokens(int maxTokens) {
      ChatRequest.builder().maxTokens(maxTokens);
      this.maxTokens = maxTokens;
      return this;
    }

    /**
     * Sets {@code seed}.
     *
     * @param seed the seed
     * @return this builder
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Sets the stop strings.
     *
     * @param stop non-empty strings
     * @return this builder
     */
    public Builder stop(List<String> stop) {
      ChatRequest.builder().stop(stop);
      this.stop = new ArrayList<>(stop);
      return this;
    }

    /**
     * Builds the options.
     *
     * @return the options
     */
    public GenerationOptions build() {
      return new GenerationOptions(temperature, topP, topK, minP, maxTokens, seed, stop);
    }
  }
}
