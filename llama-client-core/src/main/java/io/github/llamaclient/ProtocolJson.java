package io.github.llamaclient;

import io.github.llamaclient.internal.json.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Writes a {@link ChatRequest} in the two other wire protocols llama-server speaks: OpenAI
 * Responses ({@code POST /v1/responses}) and Anthropic Messages ({@code POST /v1/messages}).
 * Translated: the messages (a leading system message becomes {@code instructions} / {@code
 * system}; tool calls and results become the protocol's items or blocks; images become its image
 * parts), the model, the token limit, temperature, top-p, stop strings, tools and the tool choice;
 * {@code parameter(name, value)} fields are sent as they are. Any other setting has no place in
 * these protocols and is refused, so nothing is dropped silently.
 */
final class ProtocolJson {
  private ProtocolJson() {}

  /** The body of {@code POST /v1/responses}. */
  static byte[] responses(ChatRequest r, boolean stream, ClientDefaults defaults) {
    refuseUnsupported(r, "/v1/responses");
    Map<String, @Nullable Object> body = new LinkedHashMap<>();
    List<ChatMessage> messages = r.messages();
    int first = 0;
    if (isSystem(messages.get(0))) {
      body.put("instructions", messages.get(0).content());
      first = 1;
    }
    List<Object> input = new ArrayList<>();
    for (ChatMessage m : messages.subList(first, messages.size())) {
      if (m.role().equals("tool")) {
        input.add(map("type", "function_call_output", "call_id", m.toolCallId(), "output", m.content()));
        continue;
      }
      if (m.content() != null || m.toolCalls().isEmpty()) {
        input.add(map("role", m.role(), "content", m.hasParts() ? responsesParts(m) : m.content()));
      }
      for (ToolCall c : m.toolCalls()) {
        input.add(map("type", "function_call", "call_id", c.id(), "name", c.name(), "arguments", c.arguments()));
      }
    }
    body.put("input", input);
    common(r, defaults, body, "max_output_tokens");
    if (!r.stop().isEmpty()) {
      body.put("stop", r.stop()); // llama-server's own: the Responses protocol has no stop strings
    }
    if (!r.tools().isEmpty()) {
      List<Object> tools = new ArrayList<>();
      for (Tool t : r.tools()) {
        Map<String, @Nullable Object> w = map("type", "function", "name", t.name());
        if (t.description() != null) {
          w.put("description", t.description());
        }
        w.put("parameters", t.parameters());
        tools.add(w);
      }
      body.put("tools", tools);
    }
    if (r.toolChoice() != null) {
      body.put("tool_choice", r.toolChoice().wire());
    }
    if (r.parallelToolCalls() != null) {
      body.put("parallel_tool_calls", r.parallelToolCalls());
    }
    return finish(r, defaults, body, stream);
  }

  /**
   * The body of {@code POST /v1/messages}; with {@code stream} null, of {@code count_tokens} (the
   * prompt: model, system, messages, tools; no generation settings).
   */
  static byte[] messages(ChatRequest r, @Nullable Boolean stream, ClientDefaults defaults) {
    refuseUnsupported(r, "/v1/messages");
    if (r.parallelToolCalls() != null) {
      throw new IllegalArgumentException("/v1/messages has no parallel_tool_calls; leave it unset");
    }
    Map<String, @Nullable Object> body = new LinkedHashMap<>();
    List<ChatMessage> messages = r.messages();
    int first = 0;
    if (isSystem(messages.get(0))) {
      body.put("system", messages.get(0).content());
      first = 1;
    }
    List<Object> out = new ArrayList<>();
    for (ChatMessage m : messages.subList(first, messages.size())) {
      if (m.role().equals("tool")) {
        List<Object> block = List.of(map("type", "tool_result", "tool_use_id", m.toolCallId(), "content", m.content()));
        out.add(map("role", "user", "content", block));
      } else if (!m.toolCalls().isEmpty()) {
        List<Object> blocks = new ArrayList<>();
        if (m.content() != null && !m.content().isEmpty()) {
          blocks.add(map("type", "text", "text", m.content()));
        }
        for (ToolCall c : m.toolCalls()) {
          blocks.add(map("type", "tool_use", "id", c.id(), "name", c.name(), "input", Json.parseObject(c.arguments())));
        }
        out.add(map("role", m.role(), "content", blocks));
      } else if (!m.role().equals("user") && !m.role().equals("assistant")) {
        throw new IllegalArgumentException(
            "/v1/messages takes user and assistant messages (and one leading system message), not '" + m.role() + "'");
      } else {
        out.add(map("role", m.role(), "content", m.hasParts() ? messagesParts(m) : m.content()));
      }
    }
    body.put("messages", out);
    boolean counting = stream == null; // count_tokens takes the prompt only: no generation settings
    common(r, defaults, body, counting ? null : "max_tokens");
    if (!counting && !r.stop().isEmpty()) {
      body.put("stop_sequences", r.stop());
    }
    if (!r.tools().isEmpty()) {
      List<Object> tools = new ArrayList<>();
      for (Tool t : r.tools()) {
        Map<String, @Nullable Object> w = map("name", t.name());
        if (t.description() != null) {
          w.put("description", t.description());
        }
        w.put("input_schema", t.parameters());
        tools.add(w);
      }
      body.put("tools", tools);
    }
    if (r.toolChoice() != null) {
      String c = r.toolChoice().wire();
      body.put("tool_choice", Map.of("type", c.equals("required") ? "any" : c));
    }
    return finish(r, defaults, body, stream);
  }

  private static boolean isSystem(ChatMessage m) {
    return m.role().equals("system") && !m.hasParts() && m.content() != null;
  }

  private static List<Object> responsesParts(ChatMessage m) {
    List<Object> parts = new ArrayList<>();
    for (ContentPart p : m.parts()) {
      if (p instanceof ContentPart.Text) {
        parts.add(map("type", "input_text", "text", ((ContentPart.Text) p).text()));
      } else if (p instanceof ContentPart.Image) {
        parts.add(map("type", "input_image", "image_url", ((ContentPart.Image) p).url()));
      } else {
        throw new IllegalArgumentException("/v1/responses takes no audio parts; send audio through chat()");
      }
    }
    return parts;
  }

  private static List<Object> messagesParts(ChatMessage m) {
    List<Object> parts = new ArrayList<>();
    for (ContentPart p : m.parts()) {
      if (p instanceof ContentPart.Text) {
        parts.add(map("type", "text", "text", ((ContentPart.Text) p).text()));
      } else if (p instanceof ContentPart.Image) {
        String url = ((ContentPart.Image) p).url();
        int comma = url.indexOf(',');
        int semi = url.indexOf(';');
        Object source =
            ((ContentPart.Image) p).inline() && semi > 5 && comma > semi
                ? map("type", "base64", "media_type", url.substring(5, semi), "data", url.substring(comma + 1))
                : map("type", "url", "url", url);
        parts.add(map("type", "image", "source", source));
      } else {
        throw new IllegalArgumentException("/v1/messages takes no audio parts; send audio through chat()");
      }
    }
    return parts;
  }

  /**
   * The model, and unless {@code maxName} is null (a token count), the token limit under its
   * protocol's name, temperature and top-p.
   */
  private static void common(
      ChatRequest r, ClientDefaults defaults, Map<String, @Nullable Object> body, @Nullable String maxName) {
    String model = r.model() != null ? r.model() : defaults.model();
    if (model != null) {
      body.put("model", model);
    }
    if (maxName == null) {
      return;
    }
    Integer maxTokens = r.maxTokens() != null ? r.maxTokens() : defaults.maxTokens();
    if (maxTokens != null) {
      body.put(maxName, maxTokens);
    }
    Double temperature = r.temperature() != null ? r.temperature() : defaults.temperature();
    if (temperature != null) {
      body.put("temperature", temperature);
    }
    if (r.topP() != null) {
      body.put("top_p", r.topP());
    }
  }

  private static byte[] finish(ChatRequest r, ClientDefaults defaults, Map<String, @Nullable Object> body, @Nullable Boolean stream) {
    for (Map.Entry<String, @Nullable Object> e : defaults.parameters().entrySet()) {
      if (!r.parameters().containsKey(e.getKey())) {
        body.put(e.getKey(), e.getValue());
      }
    }
    body.putAll(r.parameters());
    if (stream != null) {
      body.put("stream", stream);
    }
    return Json.bytes(body);
  }

  /** Refuses the settings these protocols have no field for. */
  private static void refuseUnsupported(ChatRequest r, String endpoint) {
    List<String> set = new ArrayList<>();
    add(set, "seed", r.seed());
    add(set, "topK", r.topK());
    add(set, "minP", r.minP());
    add(set, "repeatPenalty", r.repeatPenalty());
    add(set, "presencePenalty", r.presencePenalty());
    add(set, "frequencyPenalty", r.frequencyPenalty());
    add(set, "cachePrompt", r.cachePrompt());
    add(set, "idSlot", r.idSlot());
    add(set, "reasoningFormat", r.reasoningFormat());
    add(set, "responseFormat", r.responseFormat());
    add(set, "jsonSchema", r.jsonSchema());
    add(set, "grammar", r.grammar());
    add(set, "logprobs", r.logprobs());
    add(set, "topLogprobs", r.topLogprobs());
    add(set, "lora", r.lora());
    if (r.includeUsage()) {
      set.add("includeUsage");
    }
    if (r.returnProgress()) {
      set.add("returnProgress");
    }
    if (r.timingsPerToken()) {
      set.add("timingsPerToken");
    }
    if (!r.chatTemplateKwargs().isEmpty()) {
      set.add("chatTemplateKwargs");
    }
    if (!set.isEmpty()) {
      throw new IllegalArgumentException(
          endpoint
              + " has no field for "
              + set
              + ": send them with parameter(name, value) under llama.cpp's name if the server reads them there, or use chat()");
    }
  }

  private static void add(List<String> set, String name, @Nullable Object value) {
    if (value != null) {
      set.add(name);
    }
  }

  private static Map<String, @Nullable Object> map(@Nullable Object... kv) {
    Map<String, @Nullable Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(String.valueOf(kv[i]), kv[i + 1]);
    }
    return m;
  }
}
