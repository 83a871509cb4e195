package io.github.llamaclient;

import io.github.llamaclient.internal.json.Json;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An immutable chat request for {@code POST /v1/chat/completions}: the messages and the sampling
 * settings. Settings left unset are not sent, so llama-server's (or the client's) defaults apply.
 *
 * <p>Build one with {@link #builder()}; every setter checks its argument at once and {@link
 * Builder#build()} checks the whole, so a bad request fails before anything is sent. The client
 * decides {@code stream} itself.
 */
public final class ChatRequest {

  private final List<ChatMessage> messages;
  private final @Nullable String model;
  private final @Nullable Double temperature;
  private final @Nullable Double topP;
  private final @Nullable Integer maxTokens;
  private final List<String> stop;
  private final @Nullable Long seed;
  private final @Nullable Integer topK;
  private final @Nullable Double minP;
  private final @Nullable Double repeatPenalty;
  private final @Nullable Double presencePenalty;
  private final @Nullable Double frequencyPenalty;
  private final @Nullable Boolean cachePrompt;
  private final @Nullable Integer idSlot;
  private final boolean includeUsage;
  private final java.time.@Nullable Duration responseTimeout;
  private final boolean returnProgress;
  private final boolean timingsPerToken;
  private final @Nullable String reasoningFormat;
  private final Map<String, Object> chatTemplateKwargs;
  private final Map<String, @Nullable Object> parameters;
  private final ChatRequestExtras extras;

  private ChatRequest(Builder b) {
    this.messages = List.copyOf(b.messages);
    this.model = b.model;
    this.temperature = b.temperature;
    this.topP = b.topP;
    this.maxTokens = b.maxTokens;
    this.stop = List.copyOf(b.stop);
    this.seed = b.seed;
    this.topK = b.topK;
    this.minP = b.minP;
    this.repeatPenalty = b.repeatPenalty;
    this.presencePenalty = b.presencePenalty;
    this.frequencyPenalty = b.frequencyPenalty;
    this.cachePrompt = b.cachePrompt;
    this.idSlot = b.idSlot;
    this.includeUsage = b.includeUsage;
    this.responseTimeout = b.responseTimeout;
    this.returnProgress = b.returnProgress;
    this.timingsPerToken = b.timingsPerToken;
    this.reasoningFormat = b.reasoningFormat;
    this.chatTemplateKwargs = Collections.unmodifiableMap(new LinkedHashMap<>(b.chatTemplateKwargs));
    this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(b.parameters));
    this.extras = b.extras.copy();
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
   * A builder holding this request's values, to derive a changed copy.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.messages.addAll(messages);
    b.model = model;
    b.temperature = temperature;
    b.topP = topP;
    b.maxTokens = maxTokens;
    b.stop.addAll(stop);
    b.seed = seed;
    b.topK = topK;
    b.minP = minP;
    b.repeatPenalty = repeatPenalty;
    b.presencePenalty = presencePenalty;
    b.frequencyPenalty = frequencyPenalty;
    b.cachePrompt = cachePrompt;
    b.idSlot = idSlot;
    b.includeUsage = includeUsage;
    b.responseTimeout = responseTimeout;
    b.returnProgress = returnProgress;
    b.timingsPerToken = timingsPerToken;
    b.reasoningFormat = reasoningFormat;
    b.chatTemplateKwargs.putAll(chatTemplateKwargs);
    b.parameters.putAll(parameters);
    b.extras = extras.copy();
    return b;
  }

  /**
   * Returns the messages, in order, never empty.
   *
   * @return the messages, in order, never empty
   */
  public List<ChatMessage> messages() {
    return messages;
  }

  /**
   * Returns {@code model}, or null if not set.
   *
   * @return {@code model}, or null if not set
   */
  public @Nullable String model() {
    return model;
  }

  /**
   * Returns {@code temperature}, or null if not set.
   *
   * @return {@code temperature}, or null if not set
   */
  public @Nullable Double temperature() {
    return temperature;
  }

  /**
   * Returns {@code top_p}, or null if not set.
   *
   * @return {@code top_p}, or null if not set
   */
  public @Nullable Double topP() {
    return topP;
  }

  /**
   * Returns {@code max_tokens}, or null if not set.
   *
   * @return {@code max_tokens}, or null if not set
   */
  public @Nullable Integer maxTokens() {
    return maxTokens;
  }

  /**
   * Returns the stop strings, possibly empty.
   *
   * @return the stop strings, possibly empty
   */
  public List<String> stop() {
    return stop;
  }

  /**
   * Returns {@code seed}, or null if not set.
   *
   * @return {@code seed}, or null if not set
   */
  public @Nullable Long seed() {
    return seed;
  }

  /**
   * Returns {@code top_k}, or null if not set.
   *
   * @return {@code top_k}, or null if not set
   */
  public @Nullable Integer topK() {
    return topK;
  }

  /**
   * Returns {@code min_p}, or null if not set.
   *
   * @return {@code min_p}, or null if not set
   */
  public @Nullable Double minP() {
    return minP;
  }

  /**
   * Returns {@code repeat_penalty}, or null if not set.
   *
   * @return {@code repeat_penalty}, or null if not set
   */
  public @Nullable Double repeatPenalty() {
    return repeatPenalty;
  }

  /**
   * Returns {@code presence_penalty}, or null if not set.
   *
   * @return {@code presence_penalty}, or null if not set
   */
  public @Nullable Double presencePenalty() {
    return presencePenalty;
  }

  /**
   * Returns {@code frequency_penalty}, or null if not set.
   *
   * @return {@code frequency_penalty}, or null if not set
   */
  public @Nullable Double frequencyPenalty() {
    return frequencyPenalty;
  }

  /**
   * Returns the affinity key, or null if not set: with several servers, requests with the same key
   * go to the same server while it is up. Never sent.
   *
   * @return the key, or null
   */
  public @Nullable String affinity() {
    return extras.affinity;
  }

  /**
   * Returns {@code cache_prompt}, or null if not set.
   *
   * @return {@code cache_prompt}, or null if not set
   */
  public @Nullable Boolean cachePrompt() {
    return cachePrompt;
  }

  /**
   * Returns {@code id_slot}, or null if not set.
   *
   * @return {@code id_slot}, or null if not set
   */
  public @Nullable Integer idSlot() {
    return idSlot;
  }

  /**
   * Returns whether {@code stream_options.include_usage} is sent.
   *
   * @return whether {@code stream_options.include_usage} is sent
   */
  public boolean includeUsage() {
    return includeUsage;
  }

  /**
   * The response timeout for this request alone, or null for the client's ({@link
   * LlamaClientBuilder#responseTimeout(java.time.Duration)}). Not sent to the server.
   *
   * @return the per-call limit, or null
   */
  public java.time.@Nullable Duration responseTimeout() {
    return responseTimeout;
  }

  /**
   * Returns whether {@code return_progress} is sent.
   *
   * @return whether {@code return_progress} is sent
   */
  public boolean returnProgress() {
    return returnProgress;
  }

  /**
   * Returns whether {@code timings_per_token} is sent.
   *
   * @return whether {@code timings_per_token} is sent
   */
  public boolean timingsPerToken() {
    return timingsPerToken;
  }

  /**
   * Returns {@code reasoning_format}, or null if not set.
   *
   * @return {@code reasoning_format}, or null if not set
   */
  public @Nullable String reasoningFormat() {
    return reasoningFormat;
  }

  /**
   * Returns {@code chat_template_kwargs}, possibly empty.
   *
   * @return {@code chat_template_kwargs}, possibly empty
   */
  public Map<String, Object> chatTemplateKwargs() {
    return chatTemplateKwargs;
  }

  /**
   * Returns any other fields, sent as given.
   *
   * @return any other fields, sent as given
   */
  public Map<String, @Nullable Object> parameters() {
    return parameters;
  }

  /**
   * Returns the tools offered to the model ({@code tools}), possibly empty.
   *
   * @return the tools offered to the model ({@code tools}), possibly empty
   */
  public List<Tool> tools() {
    return extras.tools;
  }

  /**
   * Returns {@code tool_choice}, or null if not set.
   *
   * @return {@code tool_choice}, or null if not set
   */
  public @Nullable ToolChoice toolChoice() {
    return extras.toolChoice;
  }

  /**
   * Returns {@code parallel_tool_calls}, or null if not set.
   *
   * @return {@code parallel_tool_calls}, or null if not set
   */
  public @Nullable Boolean parallelToolCalls() {
    return extras.parallelToolCalls;
  }

  /**
   * Returns {@code response_format}, or null if not set.
   *
   * @return {@code response_format}, or null if not set
   */
  public @Nullable ResponseFormat responseFormat() {
    return extras.responseFormat;
  }

  /**
   * Returns {@code json_schema} (llama.cpp's own field), or null if not set.
   *
   * @return {@code json_schema} (llama.cpp's own field), or null if not set
   */
  public @Nullable Map<String, @Nullable Object> jsonSchema() {
    return extras.jsonSchema;
  }

  /**
   * Returns {@code grammar} (GBNF), or null if not set.
   *
   * @return {@code grammar} (GBNF), or null if not set
   */
  public @Nullable String grammar() {
    return extras.grammar;
  }

  /**
   * Returns {@code logprobs}, or null if not set.
   *
   * @return {@code logprobs}, or null if not set
   */
  public @Nullable Boolean logprobs() {
    return extras.logprobs;
  }

  /**
   * Returns {@code top_logprobs}, or null if not set.
   *
   * @return {@code top_logprobs}, or null if not set
   */
  public @Nullable Integer topLogprobs() {
    return extras.topLogprobs;
  }

  /**
   * Returns the LoRA adapter scales for this request ({@code lora}), or null if not set (the
   * server's global scales apply).
   *
   * @return the scales, or null
   */
  public @Nullable List<LoraScale> lora() {
    return extras.lora;
  }

  ChatRequestExtras extras() {
    return extras;
  }

  @Override
  public String toString() {
    return "ChatRequest[" + messages.size() + " messages, model=" + model + ", maxTokens=" + maxTokens + "]";
  }

  /** Builds a {@link ChatRequest}; every setter checks its argument. Not thread-safe. */
  public static final class Builder {
    private static final java.util.Set<String> RESERVED =
        java.util.Set.of("messages", "stream", "stream_options");

    private final List<ChatMessage> messages = new ArrayList<>();
    private @Nullable String model;
    private @Nullable Double temperature;
    private @Nullable Double topP;
    private @Nullable Integer maxTokens;
    private final List<String> stop = new ArrayList<>();
    private @Nullable Long seed;
    private @Nullable Integer topK;
    private @Nullable Double minP;
    private @Nullable Double repeatPenalty;
    private @Nullable Double presencePenalty;
    private @Nullable Double frequencyPenalty;
    private @Nullable Boolean cachePrompt;
    private @Nullable Integer idSlot;
    private boolean includeUsage;
    private java.time.@Nullable Duration responseTimeout;
    private boolean returnProgress;
    private boolean timingsPerToken;
    private @Nullable String reasoningFormat;
    private final Map<String, Object> chatTemplateKwargs = new LinkedHashMap<>();
    private final Map<String, @Nullable Object> parameters = new LinkedHashMap<>();
    private ChatRequestExtras extras = new ChatRequestExtras();

    private Builder() {}

    /**
     * Appends a system message.
     *
     * @param content the system prompt
     * @return this builder
     */
    public Builder system(String content) {
      return message(ChatMessage.system(content));
    }

    /**
     * Appends a user message.
     *
     * @param content the text
     * @return this builder
     */
    public Builder user(String content) {
      return message(ChatMessage.user(content));
    }

    /**
     * Appends a user message of content parts (text, images, audio): see {@link ContentPart}.
     *
     * @param first the first part
     * @param more the other parts, in order
     * @return this builder
     * @throws NullPointerException if a part is null
     */
    public Builder user(ContentPart first, ContentPart... more) {
      return message(ChatMessage.user(first, more));
    }

    /**
     * Appends an assistant message.
     *
     * @param content the text
     * @return this builder
     */
    public Builder assistant(String content) {
      return message(ChatMessage.assistant(content));
    }

    /**
     * Appends a message.
     *
     * @param message the message
     * @return this builder
     */
    public Builder message(ChatMessage message) {
      messages.add(Objects.requireNonNull(message, "message"));
      return this;
    }

    /**
     * Replaces the messages.
     *
     * @param messages the messages, in order
     * @return this builder
     */
    public Builder messages(List<ChatMessage> messages) {
      Objects.requireNonNull(messages, "messages");
      for (ChatMessage m : messages) {
        Objects.requireNonNull(m, "messages must not contain null");
      }
      this.messages.clear();
      this.messages.addAll(messages);
      return this;
    }

    /**
     * Sets {@code model}. llama-server ignores it in single-model mode; a router uses it.
     *
     * @param model the model name
     * @return this builder
     */
    public Builder model(String model) {
      this.model = requireText(model, "model");
      return this;
    }

    /**
     * Sets {@code temperature}.
     *
     * @param temperature 0 or more
     * @return this builder
     */
    public Builder temperature(double temperature) {
      this.temperature = check(temperature, 0, 100, "temperature");
      return this;
    }

    /**
     * Sets {@code top_p}.
     *
     * @param topP from 0 to 1
     * @return this builder
     */
    public Builder topP(double topP) {
      this.topP = check(topP, 0, 1, "topP");
      return this;
    }

    /**
     * Sets {@code max_tokens}.
     *
     * @param maxTokens the most tokens to generate; -1 for no limit, 0 to only evaluate the prompt
     * @return this builder
     */
    public Builder maxTokens(int maxTokens) {
      if (maxTokens < -1) {
        throw new IllegalArgumentException("maxTokens must be -1 (no limit) or more, was " + maxTokens);
      }
      this.maxTokens = maxTokens;
      return this;
    }

    /**
     * Sets the stop strings; the matched text is not streamed.
     *
     * @param stop one or more non-empty strings
     * @return this builder
     */
    public Builder stop(String... stop) {
      return stop(List.of(stop));
    }

    /**
     * Sets the stop strings; the matched text is not streamed.
     *
     * @param stop non-empty strings
     * @return this builder
     */
    public Builder stop(List<String> stop) {
      for (String s : stop) {
        if (s == null || s.isEmpty()) {
          throw new IllegalArgumentException("stop strings must not be null or empty, were " + stop);
        }
      }
      this.stop.clear();
      this.stop.addAll(stop);
      return this;
    }

    /**
     * Sets {@code seed} for reproducible sampling.
     *
     * @param seed the seed
     * @return this builder
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
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
      this.minP = check(minP, 0, 1, "minP");
      return this;
    }

    /**
     * Sets {@code repeat_penalty}.
     *
     * @param repeatPenalty 0 or more (1 disables it)
     * @return this builder
     */
    public Builder repeatPenalty(double repeatPenalty) {
      this.repeatPenalty = check(repeatPenalty, 0, 100, "repeatPenalty");
      return this;
    }

    /**
     * Sets {@code presence_penalty}.
     *
     * @param presencePenalty from -2 to 2
     * @return this builder
     */
    public Builder presencePenalty(double presencePenalty) {
      this.presencePenalty = check(presencePenalty, -2, 2, "presencePenalty");
      return this;
    }

    /**
     * Sets {@code frequency_penalty}.
     *
     * @param frequencyPenalty from -2 to 2
     * @return this builder
     */
    public Builder frequencyPenalty(double frequencyPenalty) {
      this.frequencyPenalty = check(frequencyPenalty, -2, 2, "frequencyPenalty");
      return this;
    }

    /**
     * Sets the affinity key: with several servers ({@link LlamaClientBuilder#servers(java.util.List)}),
     * requests with the same key go to the same server while it is up, so its prompt cache is
     * reused; a session's id is the usual key (the session module sets it). Never sent to the
     * server; no effect with one server.
     *
     * @param key a non-empty key
     * @return this builder
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if it is empty
     */
    public Builder affinity(String key) {
      java.util.Objects.requireNonNull(key, "key");
      if (key.isEmpty()) {
        throw new IllegalArgumentException("affinity key must not be empty");
      }
      extras.affinity = key;
      return this;
    }

    /**
     * Sets {@code cache_prompt}: whether the slot's prompt cache is reused (server default true).
     *
     * @param cachePrompt the flag
     * @return this builder
     */
    public Builder cachePrompt(boolean cachePrompt) {
      this.cachePrompt = cachePrompt;
      return this;
    }

    /**
     * Pins the request to a slot ({@code id_slot}); -1 means any slot.
     *
     * @param idSlot -1 or a slot id
     * @return this builder
     */
    public Builder idSlot(int idSlot) {
      if (idSlot < -1) {
        throw new IllegalArgumentException("idSlot must be -1 (any) or a slot id, was " + idSlot);
      }
      this.idSlot = idSlot;
      return this;
    }

    /**
     * A response timeout for this request alone: how long to wait for the response head (which
     * llama-server sends with the first token, after the prompt) instead of the client's limit. A
     * long prompt may need more than a quick call; not sent to the server.
     *
     * @param timeout the limit, positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public Builder responseTimeout(java.time.Duration timeout) {
      java.util.Objects.requireNonNull(timeout, "timeout");
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("responseTimeout must be positive, was " + timeout);
      }
      this.responseTimeout = timeout;
      return this;
    }

    /**
     * Asks for {@code usage} at the end of a stream ({@code stream_options.include_usage}).
     *
     * @param includeUsage the flag
     * @return this builder
     */
    public Builder includeUsage(boolean includeUsage) {
      this.includeUsage = includeUsage;
      return this;
    }

    /**
     * Asks for prompt-processing {@link ChatEvent.Progress} events ({@code return_progress}).
     *
     * @param returnProgress the flag
     * @return this builder
     */
    public Builder returnProgress(boolean returnProgress) {
      this.returnProgress = returnProgress;
      return this;
    }

    /**
     * Asks for {@link ChatEvent.TokenTimings} with each token ({@code timings_per_token}).
     *
     * @param timingsPerToken the flag
     * @return this builder
     */
    public Builder timingsPerToken(boolean timingsPerToken) {
      this.timingsPerToken = timingsPerToken;
      return this;
    }

    /**
     * Sets {@code reasoning_format}: {@code none} leaves thinking inside the content; {@code auto},
     * {@code deepseek}, {@code deepseek-legacy} extract it as reasoning.
     *
     * @param reasoningFormat one of {@code none}, {@code auto}, {@code deepseek}, {@code
     *     deepseek-legacy}
     * @return this builder
     */
    public Builder reasoningFormat(String reasoningFormat) {
      switch (Objects.requireNonNull(reasoningFormat, "reasoningFormat")) {
        case "none":
        case "auto":
        case "deepseek":
        case "deepseek-legacy":
          this.reasoningFormat = reasoningFormat;
          return this;
        default:
          throw new IllegalArgumentException(
              "reasoningFormat must be none, auto, deepseek or deepseek-legacy, was " + reasoningFormat);
      }
    }

    /**
     * Sets one entry of {@code chat_template_kwargs}, for example {@code enable_thinking=false}.
     *
     * @param name the template variable
     * @param value a JSON value: String, Number, Boolean, Map, List
     * @return this builder
     */
    public Builder chatTemplateKwarg(String name, Object value) {
      requireText(name, "chat template kwarg name");
      Json.checkValue(Objects.requireNonNull(value, "value"), name);
      chatTemplateKwargs.put(name, value);
      return this;
    }

    /**
     * Sets any other request field, sent as given; for llama.cpp options without their own setter
     * (for example {@code dry_multiplier}, {@code n_keep}, {@code samplers}).
     *
     * @param name the JSON field name; not {@code messages}, {@code stream} or {@code stream_options}
     * @param value a JSON value: null, String, Number, Boolean, Map, List
     * @return this builder
     * @throws IllegalArgumentException if the name is blank or reserved, the value is not a JSON
     *     value, or {@code n} (or {@code n_cmpl}) is not 1: llama-client decodes one choice
     */
    public Builder parameter(String name, @Nullable Object value) {
      requireText(name, "parameter name");
      if (RESERVED.contains(name)) {
        throw new IllegalArgumentException(
            "parameter " + name + " is set by the client; use the builder's own methods");
      }
      Json.checkParameter(name, value);
      parameters.put(name, value);
      return this;
    }

    /**
     * Offers tools (functions) the model may call ({@code tools}). Needs llama-server with {@code
     * --jinja}; the replies carry {@link ChatEvent.ToolCallStarted}/{@link
     * ChatEvent.ToolCallArguments} events and {@link ChatResult#toolCalls()}. See {@link ToolLoop}
     * to run the calls and send their results back.
     *
     * @param tools the tools, distinct names; an empty list sends none
     * @return this builder
     * @throws IllegalArgumentException if two tools share a name
     */
    public Builder tools(List<Tool> tools) {
      extras.tools(tools);
      return this;
    }

    /**
     * Offers tools (functions) the model may call; see {@link #tools(List)}.
     *
     * @param tools the tools
     * @return this builder
     */
    public Builder tools(Tool... tools) {
      return tools(List.of(tools));
    }

    /**
     * Sets {@code tool_choice}.
     *
     * @param toolChoice the choice; null to send none (the server then uses {@code auto})
     * @return this builder
     */
    public Builder toolChoice(@Nullable ToolChoice toolChoice) {
      extras.toolChoice = toolChoice;
      return this;
    }

    /**
     * Sets {@code parallel_tool_calls}: whether one reply may hold several calls (the server's
     * default comes from the chat template's capabilities).
     *
     * @param parallelToolCalls the flag
     * @return this builder
     */
    public Builder parallelToolCalls(boolean parallelToolCalls) {
      extras.parallelToolCalls = parallelToolCalls;
      return this;
    }

    /**
     * Sets {@code response_format}, for example {@link ResponseFormat#jsonObject()} or {@link
     * ResponseFormat#jsonSchema(String, Map)}.
     *
     * @param responseFormat the format; null to send none
     * @return this builder
     */
    public Builder responseFormat(@Nullable ResponseFormat responseFormat) {
      extras.responseFormat = responseFormat;
      return this;
    }

    /**
     * Sets llama.cpp's {@code json_schema}: the reply is constrained to JSON matching it. Cannot be
     * combined with {@link #grammar(String)}.
     *
     * @param schema the JSON schema as JSON values
     * @return this builder
     */
    public Builder jsonSchema(Map<String, ?> schema) {
      extras.jsonSchema(schema);
      return this;
    }

    /**
     * Sets llama.cpp's {@code json_schema} from raw JSON text, checked here.
     *
     * @param schemaJson the JSON schema, a JSON object
     * @return this builder
     * @throws IllegalArgumentException if the text is not a JSON object
     */
    public Builder jsonSchema(String schemaJson) {
      return jsonSchema(Tool.parseObject(Objects.requireNonNull(schemaJson, "schemaJson"), "jsonSchema"));
    }

    /**
     * Sets a GBNF {@code grammar} that constrains the reply. llama-server does not reject a grammar
     * it cannot parse: it logs the problem and generates unconstrained text. Cannot be combined
     * with {@link #jsonSchema(Map)}, nor with tools unless {@code toolChoice} is {@code NONE}
     * (llama-server answers 500 or 400).
     *
     * @param grammar the grammar text, not blank
     * @return this builder
     */
    public Builder grammar(String grammar) {
      extras.grammar = requireText(grammar, "grammar");
      return this;
    }

    /**
     * Asks for the log-probability of each generated token ({@code logprobs}); each token then
     * arrives with a {@link ChatEvent.TokenLogprobs} event. llama-server refuses {@code logprobs}
     * with tools in a stream (400).
     *
     * @param logprobs the flag
     * @return this builder
     */
    public Builder logprobs(boolean logprobs) {
      extras.logprobs = logprobs;
      return this;
    }

    /**
     * Sets how many most likely alternatives come with each token ({@code top_logprobs}; the
     * server's default is 20 when {@code logprobs} is on). Also turns {@code logprobs} on.
     *
     * @param topLogprobs 0 to 100
     * @return this builder
     */
    public Builder topLogprobs(int topLogprobs) {
      if (topLogprobs < 0 || topLogprobs > 100) {
        throw new IllegalArgumentException("topLogprobs must be from 0 to 100, was " + topLogprobs);
      }
      extras.topLogprobs = topLogprobs;
      if (extras.logprobs == null) {
        extras.logprobs = true;
      }
      return this;
    }

    /**
     * Turns a reasoning model's thinking on or off through {@code
     * chat_template_kwargs.enable_thinking} (templates such as Qwen3's read it; others ignore it).
     * The value is sent as a JSON boolean: llama-server refuses a string (400).
     *
     * @param enableThinking whether the model should think before answering
     * @return this builder
     */
    public Builder enableThinking(boolean enableThinking) {
      return chatTemplateKwarg("enable_thinking", enableThinking);
    }

    /**
     * Sets the LoRA adapter scales for this request alone ({@code lora}); adapters not named keep
     * scale 0 for it. The ids are those of {@link ServerApi#loraAdapters()}; llama-server b11669
     * ignores an id it has not loaded.
     *
     * @param scales the scales (copied)
     * @return this builder
     * @throws NullPointerException if the list or an element is null
     */
    public Builder lora(List<LoraScale> scales) {
      extras.lora = List.copyOf(scales);
      return this;
    }

    /**
     * Builds the request.
     *
     * @return the request
     * @throws IllegalArgumentException if there are no messages, or settings llama-server refuses
     *     together are combined ({@code grammar} with {@code json_schema}, {@code grammar} with tools)
     */
    public ChatRequest build() {
      if (messages.isEmpty()) {
        throw new IllegalArgumentException("a chat request needs at least one message");
      }
      extras.check();
      return new ChatRequest(this);
    }

    private static double check(double v, double min, double max, String name) {
      if (!(v >= min && v <= max)) {
        throw new IllegalArgumentException(name + " must be from " + min + " to " + max + ", was " + v);
      }
      return v;
    }

    private static String requireText(String s, String what) {
      Objects.requireNonNull(s, what);
      if (s.isBlank()) {
        throw new IllegalArgumentException(what + " must not be blank");
      }
      return s;
    }
  }
}
