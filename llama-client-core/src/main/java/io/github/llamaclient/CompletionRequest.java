package io.github.llamaclient;

import io.github.llamaclient.internal.json.Json;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An immutable request for llama-server's raw completion endpoints: native {@code POST
 * /completion} ({@link StreamingApi#stream(Object)}, {@link
 * CompletionsApi#callNonStreaming(CompletionRequest)}), OpenAI-style {@code POST /v1/completions} ({@link
 * CompletionsApi#openAi()}) and {@code POST /infill}. No chat template
 * is applied: the prompt goes to the model as is. Settings left unset are not sent.
 */
public final class CompletionRequest {
  private static final java.util.Set<String> RESERVED = java.util.Set.of("prompt", "stream");

  private final @Nullable Object prompt; // String or List<Integer>
  private final Map<String, @Nullable Object> fields;
  private final java.time.@Nullable Duration responseTimeout;

  private CompletionRequest(Builder b) {
    this.prompt = b.prompt;
    this.responseTimeout = b.responseTimeout;
    this.fields = Collections.unmodifiableMap(new LinkedHashMap<>(b.fields));
  }

  /**
   * A new builder.
   *
   * @return an empty builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A request with just a text prompt.
   *
   * @param prompt the prompt
   * @return the request
   */
  public static CompletionRequest of(String prompt) {
    return builder().prompt(prompt).build();
  }

  /**
   * Returns the prompt: a String, a List of token ids, or null for none (infill).
   *
   * @return the prompt: a String, a List of token ids, or null for none (infill)
   */
  public @Nullable Object prompt() {
    return prompt;
  }

  /**
   * Returns every other field, with its wire name, as sent.
   *
   * @return every other field, with its wire name, as sent
   */
  public Map<String, @Nullable Object> fields() {
    return fields;
  }

  /** The body; {@code openAi} writes {@code max_tokens} instead of {@code n_predict}. */
  byte[] body(boolean stream, boolean openAi, Map<String, @Nullable Object> extra) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
      g.writeStartObject();
      for (Map.Entry<String, @Nullable Object> e : extra.entrySet()) {
        g.writeFieldName(e.getKey());
        Json.writeValue(g, e.getValue());
      }
      if (prompt != null) {
        g.writeFieldName("prompt");
        Json.writeValue(g, prompt);
      }
      for (Map.Entry<String, @Nullable Object> e : fields.entrySet()) {
        String name = e.getKey();
        if (openAi && name.equals("n_predict")) {
          name = "max_tokens";
        }
        g.writeFieldName(name);
        Json.writeValue(g, e.getValue());
      }
      g.writeBooleanField("stream", stream);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * The response timeout for this request alone, or null for the client's. Not sent to the server.
   *
   * @return the per-call limit, or null
   */
  public java.time.@Nullable Duration responseTimeout() {
    return responseTimeout;
  }

  @Override
  public String toString() {
    return "CompletionRequest[" + (prompt instanceof String ? ((String) prompt).length() + " chars" : prompt == null ? "no prompt" : "tokens") + ", " + fields.keySet() + "]";
  }

  /** Builds a {@link CompletionRequest}; every setter checks its argument. Not thread-safe. */
  public static final class Builder {
    private @Nullable Object prompt;
    private final Map<String, @Nullable Object> fields = new LinkedHashMap<>();
    private java.time.@Nullable Duration responseTimeout;

    private Builder() {}

    /**
     * A response timeout for this request alone: how long to wait for the response head (after
     * the prompt is processed) instead of the client's limit. Not sent to the server.
     *
     * @param timeout the limit, positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public Builder responseTimeout(java.time.Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("responseTimeout must be positive, was " + timeout);
      }
      this.responseTimeout = timeout;
      return this;
    }

    /**
     * Sets the prompt as text.
     *
     * @param prompt the text
     * @return this builder
     */
    public Builder prompt(String prompt) {
      this.prompt = Objects.requireNonNull(prompt, "prompt");
      return this;
    }

    /**
     * Sets the prompt as token ids (for example from {@link TokenizerApi#tokenize(String)}).
     *
     * @param tokens the token ids, at least one
     * @return this builder
     */
    public Builder promptTokens(List<Integer> tokens) {
      Objects.requireNonNull(tokens, "tokens");
      if (tokens.isEmpty()) {
        throw new IllegalArgumentException("promptTokens must not be empty");
      }
      for (Integer t : tokens) {
        if (t == null || t < 0) {
          throw new IllegalArgumentException("token ids must be 0 or more, were " + tokens);
        }
      }
      this.prompt = List.copyOf(tokens);
      return this;
    }

    /**
     * Sets {@code n_predict} (sent as {@code max_tokens} to {@code /v1/completions}).
     *
     * @param nPredict the most tokens to generate; -1 for no limit
     * @return this builder
     */
    public Builder nPredict(int nPredict) {
      if (nPredict < -1) {
        throw new IllegalArgumentException("nPredict must be -1 (no limit) or more, was " + nPredict);
      }
      return put("n_predict", nPredict);
    }

    /**
     * Sets the stop strings, always sent as an array (llama-server silently ignores a bare string
     * here).
     *
     * @param stop non-empty strings
     * @return this builder
     */
    public Builder stop(String... stop) {
      List<String> list = new ArrayList<>(List.of(stop));
      for (String s : list) {
        if (s.isEmpty()) {
          throw new IllegalArgumentException("stop strings must not be empty, were " + list);
        }
      }
      return put("stop", list);
    }

    /**
     * Sets {@code n_probs}: with it, each token comes with a {@link ChatEvent.TokenLogprobs} event.
     *
     * @param nProbs how many alternatives per token, 0 to 100
     * @return this builder
     */
    public Builder nProbs(int nProbs) {
      if (nProbs < 0 || nProbs > 100) {
        throw new IllegalArgumentException("nProbs must be from 0 to 100, was " + nProbs);
      }
      return put("n_probs", nProbs);
    }

    /**
     * Pins the request to a slot ({@code id_slot}).
     *
     * @param idSlot -1 (any) or a slot id
     * @return this builder
     */
    public Builder idSlot(int idSlot) {
      if (idSlot < -1) {
        throw new IllegalArgumentException("idSlot must be -1 (any) or a slot id, was " + idSlot);
      }
      return put("id_slot", idSlot);
    }

    /**
     * Sets {@code cache_prompt} (server default true).
     *
     * @param cachePrompt the flag
     * @return this builder
     */
    public Builder cachePrompt(boolean cachePrompt) {
      return put("cache_prompt", cachePrompt);
    }

    /**
     * Sets a GBNF {@code grammar}. Not with {@link #jsonSchema(Map)}.
     *
     * @param grammar the grammar, not blank
     * @return this builder
     */
    public Builder grammar(String grammar) {
      if (Objects.requireNonNull(grammar, "grammar").isBlank()) {
        throw new IllegalArgumentException("grammar must not be blank");
      }
      return put("grammar", grammar);
    }

    /**
     * Sets {@code json_schema}. Not with {@link #grammar(String)}.
     *
     * @param schema the JSON schema as JSON values
     * @return this builder
     */
    public Builder jsonSchema(Map<String, ?> schema) {
      Json.checkValue(Objects.requireNonNull(schema, "schema"), "jsonSchema");
      return put("json_schema", schema);
    }

    /**
     * Sets {@code seed}.
     *
     * @param seed the seed
     * @return this builder
     */
    public Builder seed(long seed) {
      return put("seed", seed);
    }

    /**
     * Sets {@code temperature}.
     *
     * @param temperature 0 to 100
     * @return this builder
     */
    public Builder temperature(double temperature) {
      return put("temperature", range(temperature, 0, 100, "temperature"));
    }

    /**
     * Sets {@code top_k}.
     *
     * @param topK 0 (disabled) or more
     * @return this builder
     */
    public Builder topK(int topK) {
      if (topK < 0) {
        throw new IllegalArgumentException("topK must be 0 or more, was " + topK);
      }
      return put("top_k", topK);
    }

    /**
     * Sets {@code top_p}.
     *
     * @param topP 0 to 1
     * @return this builder
     */
    public Builder topP(double topP) {
      return put("top_p", range(topP, 0, 1, "topP"));
    }

    /**
     * Sets {@code min_p}.
     *
     * @param minP 0 to 1
     * @return this builder
     */
    public Builder minP(double minP) {
      return put("min_p", range(minP, 0, 1, "minP"));
    }

    /**
     * Asks for prompt-processing {@link ChatEvent.Progress} events ({@code return_progress}).
     *
     * @param returnProgress the flag
     * @return this builder
     */
    public Builder returnProgress(boolean returnProgress) {
      return put("return_progress", returnProgress);
    }

    /**
     * Asks for {@link ChatEvent.TokenTimings} with each token ({@code timings_per_token}).
     *
     * @param timingsPerToken the flag
     * @return this builder
     */
    public Builder timingsPerToken(boolean timingsPerToken) {
      return put("timings_per_token", timingsPerToken);
    }

    /**
     * Sets any other field, sent as given (for example {@code n_keep}, {@code samplers}).
     *
     * @param name the JSON field name; not {@code prompt} or {@code stream}
     * @param value a JSON value: null, String, Number, Boolean, Map, List
     * @return this builder
     * @throws IllegalArgumentException if the name is blank or reserved, the value is not a JSON
     *     value, or {@code n} (or {@code n_cmpl}) is not 1: llama-client decodes one result
     */
    public Builder parameter(String name, @Nullable Object value) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank() || RESERVED.contains(name)) {
        throw new IllegalArgumentException("parameter name must not be blank, prompt or stream, was '" + name + "'");
      }
      Json.checkParameter(name, value);
      fields.put(name, value);
      return this;
    }

    /**
     * Sets the LoRA adapter scales for this request alone ({@code lora}): see {@link LoraScale}.
     *
     * @param scales the scales (copied)
     * @return this builder
     * @throws NullPointerException if the list or an element is null
     */
    public Builder lora(List<LoraScale> scales) {
      return put("lora", LoraScale.toWire(List.copyOf(scales)));
    }

    private Builder put(String name, Object value) {
      fields.put(name, value);
      return this;
    }

    private static double range(double v, double min, double max, String name) {
      if (!(v >= min && v <= max)) {
        throw new IllegalArgumentException(name + " must be from " + min + " to " + max + ", was " + v);
      }
      return v;
    }

    /**
     * Builds the request.
     *
     * @return the request
     * @throws IllegalArgumentException if {@code grammar} and {@code json_schema} are both set
     */
    public CompletionRequest build() {
      if (fields.containsKey("grammar") && fields.containsKey("json_schema")) {
        throw new IllegalArgumentException("grammar and jsonSchema cannot be combined (llama-server answers 500); choose one");
      }
      return new CompletionRequest(this);
    }
  }
}
