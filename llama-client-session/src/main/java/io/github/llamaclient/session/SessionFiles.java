package io.github.llamaclient.session;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ToolCall;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The session file format, version 2 (version 1 is the same without {@code "parts"} and {@code "stream"}; both are read):
 *
 * <pre>{@code
 * {"format":2,"id":"…","systemPrompt":"…"|null,"slot":0|null,
 *  "options":{"temperature":0.7,"topP":…,"topK":…,"minP":…,"maxTokens":…,"seed":…,"stop":[…]},
 *  "messages":[{"role":"user","content":"…","reasoning":null,"toolCalls":[{"id","name","arguments"}],
 *               "toolCallId":null,"partial":false,"parts":[…],
 *               "stream":{…}}, …]}
 * }</pre>
 *
 * <p>{@code "parts"} is written only for a message with images, audio or several text parts: see
 * {@link PartsJson}. {@code "stream"}, an assistant reply's {@link SavedStream}, is written only
 * when the reply has one; {@link SavedStreamJson} reads and writes it.
 */
final class SessionFiles {
  static final int FORMAT = 2;
  /** The oldest format this version reads. */
  static final int OLDEST_FORMAT = 1;
  private static final ObjectMapper MAPPER = JsonMapper.builder().build();

  private SessionFiles() {}

  static byte[] write(SessionState s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
      g.useDefaultPrettyPrinter();
      g.writeStartObject();
      g.writeNumberField("format", FORMAT);
      g.writeStringField("id", s.id());
      nullableString(g, "systemPrompt", s.systemPrompt());
      if (s.slot() != null) {
        g.writeNumberField("slot", s.slot());
      } else {
        g.writeNullField("slot");
      }
      GenerationOptions o = s.options();
      g.writeObjectFieldStart("options");
      if (o.temperature() != null) {
        g.writeNumberField("temperature", o.temperature());
      }
      if (o.topP() != null) {
        g.writeNumberField("topP", o.topP());
      }
      if (o.topK() != null) {
        g.writeNumberField("topK", o.topK());
      }
      if (o.minP() != null) {
        g.writeNumberField("minP", o.minP());
      }
      if (o.maxTokens() != null) {
        g.writeNumberField("maxTokens", o.maxTokens());
      }
      if (o.seed() != null) {
        g.writeNumberField("seed", o.seed());
      }
      g.writeArrayFieldStart("stop");
      for (String st : o.stop()) {
        g.writeString(st);
      }
      g.writeEndArray();
      g.writeEndObject();
      g.writeArrayFieldStart("messages");
      for (SessionMessage sm : s.messages()) {
        ChatMessage m = sm.message();
        g.writeStartObject();
        g.writeStringField("role", m.role());
        nullableString(g, "content", m.content());
        nullableString(g, "reasoning", m.reasoning());
        g.writeArrayFieldStart("toolCalls");
        for (ToolCall c : m.toolCalls()) {
          g.writeStartObject();
          g.writeStringField("id", c.id());
          g.writeStringField("name", c.name());
          g.writeStringField("arguments", c.arguments());
          g.writeEndObject();
        }
        g.writeEndArray();
        nullableString(g, "toolCallId", m.toolCallId());
        g.writeBooleanField("partial", sm.partial());
        if (sm.stream() != null) {
          SavedStreamJson.write(g, sm.stream());
        }
        PartsJson.write(g, m);
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void nullableString(JsonGenerator g, String name, @Nullable String v) throws IOException {
    if (v == null) {
      g.writeNullField(name);
    } else {
      g.writeStringField(name, v);
    }
  }

  /**
   * Reads a session file.
   *
   * @throws IOException if the bytes are not JSON
   * @throws IllegalArgumentException if the JSON is not a session of format 1 or 2 (the message says what)
   */
  static SessionState read(byte[] bytes) throws IOException {
    JsonNode root = MAPPER.readTree(bytes);
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    JsonNode format = root.get("format");
    if (format == null || !format.isInt()) {
      throw new IllegalArgumentException("no \"format\" number: not a session file");
    }
    if (format.asInt() < OLDEST_FORMAT || format.asInt() > FORMAT) {
      throw new IllegalArgumentException(
          "format " + format.asInt() + " is not supported; this version reads formats " + OLDEST_FORMAT + " to " + FORMAT);
    }
    String id = required(root, "id");
    JsonNode o = root.path("options");
    List<String> stop = new ArrayList<>();
    for (JsonNode st : o.path("stop")) {
      stop.add(st.asText());
    }
    GenerationOptions options =
        new GenerationOptions(
            o.hasNonNull("temperature") ? o.get("temperature").asDouble() : null,
            o.hasNonNull("topP") ? o.get("topP").asDouble() : null,
            o.hasNonNull("topK") ? o.get("topK").asInt() : null,
            o.hasNonNull("minP") ? o.get("minP").asDouble() : null,
            o.hasNonNull("maxTokens") ? o.get("maxTokens").asInt() : null,
            o.hasNonNull("seed") ? o.get("seed").asLong() : null,
            stop);
    JsonNode messages = root.get("messages");
    if (messages == null || !messages.isArray()) {
      throw new IllegalArgumentException("no \"messages\" array");
    }
    List<SessionMessage> list = new ArrayList<>(messages.size());
    for (JsonNode m : messages) {
      List<ToolCall> calls = new ArrayList<>();
      for (JsonNode c : m.path("toolCalls")) {
        calls.add(new ToolCall(required(c, "id"), required(c, "name"), required(c, "arguments")));
      }
      SessionMessage read =
          new SessionMessage(
              PartsJson.read(m, ChatMessage.builder(required(m, "role"))
                  .content(optional(m, "content")))
                  .reasoning(optional(m, "reasoning"))
                  .toolCalls(calls)
                  .toolCallId(optional(m, "toolCallId"))
                  .build(),
              m.path("partial").asBoolean(false));
      list.add(SavedStreamJson.withStream(read, m.get("stream")));
    }
    Integer slot = root.hasNonNull("slot") ? root.get("slot").asInt() : null;
    return new SessionState(id, optional(root, "systemPrompt"), list, options, slot);
  }

  private static String required(JsonNode n, String field) {
    String v = optional(n, field);
    if (v == null) {
      throw new IllegalArgumentException("\"" + field + "\" is missing");
    }
    return v;
  }

  private static @Nullable String optional(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException("\"" + field + "\" must be a string, was " + v.getNodeType());
    }
    return v.asText();
  }
}
