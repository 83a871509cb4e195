package io.github.llamaclient;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An immutable fill-in-the-middle request ({@code POST /infill}): the text before the gap ({@code
 * input_prefix}), the text after it ({@code input_suffix}), optional repository-level context
 * ({@code input_extra}: other files, each with its name and text, which llama-server places before
 * the prefix as the model's FIM format wants), and any {@code /completion} setting (a {@link
 * CompletionRequest}; its prompt, if any, is sent as {@code prompt}: text placed right before the
 * gap). Needs a model with FIM tokens, else {@link NotSupportedException}. Send it with {@link
 * CompletionsApi#infill()}.
 *
 * <pre>{@code
 * InfillRequest request =
 *     InfillRequest.builder("def add(a, b):\n    ", "\n    return c\n")
 *         .extra("util.py", "def sub(a, b):\n    return a - b\n")
 *         .settings(CompletionRequest.builder().nPredict(32).build())
 *         .build();
 * try (Stream<String> text = client.completions().infill().textStream(request)) { ... }
 * }</pre>
 */
public final class InfillRequest {
  private final String inputPrefix;
  private final String inputSuffix;
  private final List<Chunk> inputExtra;
  private final CompletionRequest settings;

  private InfillRequest(Builder b) {
    this.inputPrefix = b.inputPrefix;
    this.inputSuffix = b.inputSuffix;
    this.inputExtra = List.copyOf(b.inputExtra);
    this.settings = b.settings;
  }

  /**
   * A new builder.
   *
   * @param inputPrefix the text before the gap
   * @param inputSuffix the text after the gap
   * @return the builder
   * @throws NullPointerException if an argument is null
   */
  public static Builder builder(String inputPrefix, String inputSuffix) {
    return new Builder(inputPrefix, inputSuffix);
  }

  /**
   * A request with just the prefix and the suffix.
   *
   * @param inputPrefix the text before the gap
   * @param inputSuffix the text after the gap
   * @return the request
   * @throws NullPointerException if an argument is null
   */
  public static InfillRequest of(String inputPrefix, String inputSuffix) {
    return builder(inputPrefix, inputSuffix).build();
  }

  /**
   * The text before the gap ({@code input_prefix}).
   *
   * @return the prefix
   */
  public String inputPrefix() {
    return inputPrefix;
  }

  /**
   * The text after the gap ({@code input_suffix}).
   *
   * @return the suffix
   */
  public String inputSuffix() {
    return inputSuffix;
  }

  /**
   * The repository-level context ({@code input_extra}).
   *
   * @return an unmodifiable list, possibly empty
   */
  public List<Chunk> inputExtra() {
    return inputExtra;
  }

  /**
   * The other {@code /completion} settings.
   *
   * @return the settings (an empty request if none were set)
   */
  public CompletionRequest settings() {
    return settings;
  }

  /** The body of {@code POST /infill}. */
  byte[] body(boolean stream) {
    Map<String, @Nullable Object> fields = new LinkedHashMap<>();
    fields.put("input_prefix", inputPrefix);
    fields.put("input_suffix", inputSuffix);
    if (!inputExtra.isEmpty()) {
      List<Map<String, Object>> extra = new ArrayList<>(inputExtra.size());
      for (Chunk c : inputExtra) {
        Map<String, Object> chunk = new LinkedHashMap<>();
        chunk.put("filename", c.filename());
        chunk.put("text", c.text());
        extra.add(chunk);
      }
      fields.put("input_extra", extra);
    }
    return settings.body(stream, false, fields);
  }

  @Override
  public String toString() {
    return "InfillRequest["
        + inputPrefix.length()
        + " + "
        + inputSuffix.length()
        + " chars, "
        + inputExtra.size()
        + " extra chunks, "
        + settings
        + "]";
  }

  /**
   * One piece of repository-level context: a file's name and text ({@code {"filename","text"}}).
   *
   * @param filename the file's name or path, as the model should see it
   * @param text its text (or the part of it that matters)
   */
  public record Chunk(String filename, String text) {
    /**
     * Checks the components.
     *
     * @param filename the name
     * @param text the text
     */
    public Chunk {
      Objects.requireNonNull(filename, "filename");
      Objects.requireNonNull(text, "text");
    }
  }

  /** Builds an {@link InfillRequest}. Not thread-safe. */
  public static final class Builder {
    private final String inputPrefix;
    private final String inputSuffix;
    private final List<Chunk> inputExtra = new ArrayList<>();
    private CompletionRequest settings = CompletionRequest.builder().build();

    private Builder(String inputPrefix, String inputSuffix) {
      this.inputPrefix = Objects.requireNonNull(inputPrefix, "inputPrefix");
      this.inputSuffix = Objects.requireNonNull(inputSuffix, "inputSuffix");
    }

    /**
     * Adds a piece of repository-level context after those added before.
     *
     * @param filename the file's name
     * @param text its text
     * @return this builder
     * @throws NullPointerException if an argument is null
     */
    public Builder extra(String filename, String text) {
      inputExtra.add(new Chunk(filename, text));
      return this;
    }

    /**
     * Sets the repository-level context (copied), replacing what was added before.
     *
     * @param chunks the chunks
     * @return this builder
     * @throws NullPointerException if the list or a chunk is null
     */
    public Builder inputExtra(List<Chunk> chunks) {
      List<Chunk> copy = List.copyOf(chunks);
      inputExtra.clear();
      inputExtra.addAll(copy);
      return this;
    }

    /**
     * Sets the other {@code /completion} settings ({@code n_predict}, sampling, {@code lora}, a
     * per-call response timeout, ...); a prompt there is sent as {@code prompt}.
     *
     * @param settings the settings
     * @return this builder
     * @throws NullPointerException if {@code settings} is null
     */
    public Builder settings(CompletionRequest settings) {
      this.settings = Objects.requireNonNull(settings, "settings");
      return this;
    }

    /**
     * Builds the request.
     *
     * @return the request
     */
    public InfillRequest build() {
      return new InfillRequest(this);
    }
  }
}
