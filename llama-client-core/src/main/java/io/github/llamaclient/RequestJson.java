package io.github.llamaclient;

import com.fasterxml.jackson.core.JsonGenerator;
import io.github.llamaclient.internal.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Writes request bodies: the chat body and the /apply-template body. */
final class RequestJson {
  private RequestJson() {}

  /** The body for /apply-template: the chat body without stream. */
  static byte[] templateBody(ChatRequest r) {
    try {
      com.fasterxml.jackson.databind.node.ObjectNode node =
          (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(chatBody(r, false, ClientDefaults.NONE));
      node.remove("stream");
      return Json.MAPPER.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes the body of a chat request. */
  static byte[] chatBody(ChatRequest r, boolean stream, ClientDefaults defaults) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeFieldName("messages");
      g.writeStartArray();
      for (ChatMessage m : r.messages()) {
        writeMessage(g, m);
      }
      g.writeEndArray();
      g.writeBooleanField("stream", stream);
      if (stream && r.includeUsage()) {
        g.writeObjectFieldStart("stream_options");
        g.writeBooleanField("include_usage", true);
        g.writeEndObject();
      }
      String model = r.model() != null ? r.model() : defaults.model();
      if (model != null) {
        g.writeStringField("model", model);
      }
      Integer maxTokens = r.maxTokens() != null ? r.maxTokens() : defaults.maxTokens();
      if (maxTokens != null) {
        g.writeNumberField("max_tokens", maxTokens);
      }
      Double temperature = r.temperature() != null ? r.temperature() : defaults.temperature();
      if (temperature != null) {
        g.writeNumberField("temperature", temperature);
      }
      numberField(g, "top_p", r.topP());
      if (!r.stop().isEmpty()) {
        g.writeArrayFieldStart("stop");
        for (String s : r.stop()) {
          g.writeString(s);
        }
        g.writeEndArray();
      }
      if (r.seed() != null) {
        g.writeNumberField("seed", r.seed());
      }
      if (r.topK() != null) {
        g.writeNumberField("top_k", r.topK());
      }
      numberField(g, "min_p", r.minP());
      numberField(g, "repeat_penalty", r.repeatPenalty());
      numberField(g, "presence_penalty", r.presencePenalty());
      numberField(g, "frequency_penalty", r.frequencyPenalty());
      if (r.cachePrompt() != null) {
        g.writeBooleanField("cache_prompt", r.cachePrompt());
      }
      if (r.idSlot() != null) {
        g.writeNumberField("id_slot", r.idSlot());
      }
      if (r.returnProgress()) {
        g.writeBooleanField("return_progress", true);
      }
      if (r.timingsPerToken()) {
        g.writeBooleanField("timings_per_token", true);
      }
      if (r.reasoningFormat() != null) {
        g.writeStringField("reasoning_format", r.reasoningFormat());
      }
      if (!r.chatTemplateKwargs().isEmpty()) {
        g.writeFieldName("chat_template_kwargs");
        Json.writeValue(g, r.chatTemplateKwargs());
      }
      r.extras().write(g);
      for (Map.Entry<String, @Nullable Object> e : defaults.parameters().entrySet()) {
        if (!r.parameters().containsKey(e.getKey())) {
          g.writeFieldName(e.getKey());
          Json.writeValue(g, e.getValue());
        }
      }
      for (Map.Entry<String, @Nullable Object> e : r.parameters().entrySet()) {
        g.writeFieldName(e.getKey());
        Json.writeValue(g, e.getValue());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static void writeMessage(JsonGenerator g, ChatMessage m) throws IOException {
    g.writeStartObject();
    g.writeStringField("role", m.role());
    if (m.hasParts()) {
      g.writeArrayFieldStart("content");
      for (ContentPart p : m.parts()) {
        writePart(g, p);
      }
      g.writeEndArray();
    } else if (m.content() != null) {
      g.writeStringField("content", m.content());
    } else {
      g.writeNullField("content");
    }
    if (m.reasoning() != null) {
      g.writeStringField("reasoning_content", m.reasoning());
    }
    if (!m.toolCalls().isEmpty()) {
      g.writeArrayFieldStart("tool_calls");
      for (ToolCall c : m.toolCalls()) {
        g.writeStartObject();
        g.writeStringField("id", c.id());
        g.writeStringField("type", "function");
        g.writeObjectFieldStart("function");
        g.writeStringField("name", c.name());
        g.writeStringField("arguments", c.arguments());
        g.writeEndObject();
        g.writeEndObject();
      }
      g.writeEndArray();
    }
    if (m.toolCallId() != null) {
      g.writeStringField("tool_call_id", m.toolCallId());
    }
    g.writeEndObject();
  }

  /** One OpenAI-style content part, as llama-server reads it. */
  private static void writePart(JsonGenerator g, ContentPart p) throws IOException {
    g.writeStartObject();
    if (p instanceof ContentPart.Text) {
      g.writeStringField("type", "text");
      g.writeStringField("text", ((ContentPart.Text) p).text());
    } else if (p instanceof ContentPart.Image) {
      g.writeStringField("type", "image_url");
      g.writeObjectFieldStart("image_url");
      g.writeStringField("url", ((ContentPart.Image) p).url());
      g.writeEndObject();
    } else {
      ContentPart.Audio a = (ContentPart.Audio) p;
      g.writeStringField("type", "input_audio");
      g.writeObjectFieldStart("input_audio");
      g.writeStringField("data", a.data());
      g.writeStringField("format", a.format());
      g.writeEndObject();
    }
    g.writeEndObject();
  }

  private static void numberField(JsonGenerator g, String name, @Nullable Double v) throws IOException {
    if (v != null) {
      g.writeNumberField(name, v);
    }
  }

  /** Reads a number token as double, JSON null as NaN. */
}
