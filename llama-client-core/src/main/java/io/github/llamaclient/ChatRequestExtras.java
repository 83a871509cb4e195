package io.github.llamaclient;

import io.github.llamaclient.internal.json.Json;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The tool, structured-output, logprobs and LoRA settings of a {@link ChatRequest}, kept together so the
 * request class stays small. Mutable inside a builder, copied into each built request.
 */
final class ChatRequestExtras {
  List<Tool> tools = List.of();
  @Nullable ToolChoice toolChoice;
  @Nullable Boolean parallelToolCalls;
  @Nullable ResponseFormat responseFormat;
  @Nullable Map<String, @Nullable Object> jsonSchema;
  @Nullable String grammar;
  @Nullable Boolean logprobs;
  @Nullable Integer topLogprobs;
  @Nullable List<LoraScale> lora;
  @Nullable String affinity;

  ChatRequestExtras copy() {
    ChatRequestExtras c = new ChatRequestExtras();
    c.tools = tools;
    c.toolChoice = toolChoice;
    c.parallelToolCalls = parallelToolCalls;
    c.responseFormat = responseFormat;
    c.jsonSchema = jsonSchema;
    c.grammar = grammar;
    c.logprobs = logprobs;
    c.topLogprobs = topLogprobs;
    c.lora = lora;
    c.affinity = affinity;
    return c;
  }

  void tools(List<Tool> list) {
    Objects.requireNonNull(list, "tools");
    Set<String> names = new HashSet<>();
    for (Tool t : list) {
      Objects.requireNonNull(t, "tools must not contain null");
      if (!names.add(t.name())) {
        throw new IllegalArgumentException("two tools are named '" + t.name() + "'");
      }
    }
    tools = List.copyOf(list);
  }

  void jsonSchema(Map<String, ?> schema) {
    Objects.requireNonNull(schema, "schema");
    Json.checkValue(schema, "jsonSchema");
    @SuppressWarnings("unchecked")
    Map<String, @Nullable Object> copy = (Map<String, @Nullable Object>) Json.MAPPER.convertValue(schema, Map.class);
    jsonSchema = java.util.Collections.unmodifiableMap(copy);
  }

  void check() {
    if (grammar != null && jsonSchema != null) {
      throw new IllegalArgumentException(
          "grammar and jsonSchema cannot be combined (llama-server answers 500); choose one");
    }
    if (grammar != null && !tools.isEmpty() && toolChoice != ToolChoice.NONE) {
      throw new IllegalArgumentException(
          "grammar cannot be combined with tools unless toolChoice is NONE (llama-server answers 400)");
    }
  }

  /** Writes the fields that are set. */
  void write(JsonGenerator g) throws IOException {
    if (!tools.isEmpty()) {
      g.writeArrayFieldStart("tools");
      for (Tool t : tools) {
        Json.writeValue(g, t.toWire());
      }
      g.writeEndArray();
    }
    if (toolChoice != null) {
      g.writeStringField("tool_choice", toolChoice.wire());
    }
    if (parallelToolCalls != null) {
      g.writeBooleanField("parallel_tool_calls", parallelToolCalls);
    }
    if (responseFormat != null) {
      g.writeFieldName("response_format");
      Json.writeValue(g, responseFormat.toWire());
    }
    if (jsonSchema != null) {
      g.writeFieldName("json_schema");
      Json.writeValue(g, jsonSchema);
    }
    if (grammar != null) {
      g.writeStringField("grammar", grammar);
    }
    if (logprobs != null) {
      g.writeBooleanField("logprobs", logprobs);
    }
    if (topLogprobs != null) {
      g.writeNumberField("top_logprobs", topLogprobs);
    }
    if (lora != null) {
      g.writeFieldName("lora");
      Json.writeValue(g, LoraScale.toWire(lora));
    }
  }
}
