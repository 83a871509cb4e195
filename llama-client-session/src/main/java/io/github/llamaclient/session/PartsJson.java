package io.github.llamaclient.session;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ContentPart;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A message's content parts in the session file (format 2 and later): the field {@code "parts"},
 * written only for a message that is more than one text ({@link ChatMessage#hasParts()}), in the
 * OpenAI-style shapes the server reads:
 *
 * <pre>{@code
 * "parts":[{"type":"text","text":"…"},
 *          {"type":"image_url","image_url":{"url":"data:image/png;base64,…" | "https://…"}},
 *          {"type":"input_audio","input_audio":{"data":"<base64>","format":"wav"|"mp3"}}]
 * }</pre>
 *
 * A message without the field (every message of a format-1 file) is its {@code "content"} text.
 */
final class PartsJson {
  static final String FIELD = "parts";

  private PartsJson() {}

  /** Writes {@code "parts"} if the message has parts; nothing for a text message. */
  static void write(JsonGenerator g, ChatMessage m) throws IOException {
    if (!m.hasParts()) {
      return;
    }
    g.writeArrayFieldStart(FIELD);
    for (ContentPart p : m.parts()) {
      g.writeStartObject();
      if (p instanceof ContentPart.Text) {
        g.writeStringField("type", "text");
        g.writeStringField("text", ((ContentPart.Text) p).text());
      } else if (p instanceof ContentPart.Image) {
        g.writeStringField("type", "image_url");
        g.writeObjectFieldStart("image_url");
        g.writeStringField("url", ((ContentPart.Image) p).url());
        g.writeEndObject();
      } else if (p instanceof ContentPart.Audio) {
        ContentPart.Audio a = (ContentPart.Audio) p;
        g.writeStringField("type", "input_audio");
        g.writeObjectFieldStart("input_audio");
        g.writeStringField("data", a.data());
        g.writeStringField("format", a.format());
        g.writeEndObject();
      } else {
        throw new IllegalArgumentException("cannot store a content part of type " + p.getClass().getName());
      }
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  /**
   * Sets the stored message's parts on its builder, if it has a {@code "parts"} field (its content
   * is otherwise its {@code "content"} text, already set).
   *
   * @return the builder
   * @throws IllegalArgumentException if the field is not an array of parts this version reads
   */
  static ChatMessage.Builder read(JsonNode message, ChatMessage.Builder b) {
    List<ContentPart> parts = read(message);
    return parts == null ? b : b.parts(parts);
  }

  /**
   * The parts of a stored message, or null if it has no {@code "parts"} field.
   *
   * @throws IllegalArgumentException if the field is not an array of parts this version reads
   */
  static @Nullable List<ContentPart> read(JsonNode message) {
    JsonNode parts = message.get(FIELD);
    if (parts == null || parts.isNull()) {
      return null;
    }
    if (!parts.isArray()) {
      throw new IllegalArgumentException("\"" + FIELD + "\" must be an array, was " + parts.getNodeType());
    }
    List<ContentPart> out = new ArrayList<>(parts.size());
    for (JsonNode p : parts) {
      String type = text(p, "type");
      switch (type) {
        case "text":
          out.add(ContentPart.text(text(p, "text")));
          break;
        case "image_url":
          out.add(new ContentPart.Image(text(p.path("image_url"), "url")));
          break;
        case "input_audio":
          JsonNode a = p.path("input_audio");
          out.add(new ContentPart.Audio(text(a, "data"), text(a, "format")));
          break;
        default:
          throw new IllegalArgumentException("unknown content part type '" + type + "' in \"" + FIELD + "\"");
      }
    }
    return out;
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException("a content part needs the string \"" + field + "\"");
    }
    return v.asText();
  }
}
