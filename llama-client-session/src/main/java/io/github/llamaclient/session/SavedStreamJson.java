package io.github.llamaclient.session;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.FinishReason;
import io.github.llamaclient.Timings;
import io.github.llamaclient.Usage;
import java.io.IOException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The JSON form of a {@link SavedStream}, the {@code "stream"} field of an assistant message in a
 * session file (format 2 and later; see {@link SessionFiles}):
 *
 * <pre>{@code
 * "stream": {"truncated": false, "events": [
 *   {"at": "PT0.41S", "reasoning": "…"},
 *   {"at": "PT0.52S", "content": "…"},
 *   {"at": "PT0.6S", "toolCall": {"index": 0, "id": "…", "name": "…"}},
 *   {"at": "PT0.61S", "toolArguments": {"index": 0, "fragment": "…"}},
 *   {"at": "PT0.1S", "progress": {"total": 9, "cache": 0, "processed": 9, "timeMs": 12}},
 *   {"at": "PT1.2S", "done": {"finishReason": "stop", "id": "…", "model": "…",
 *                              "usage": {…}|null, "timings": {…}|null}}]}
 * }</pre>
 *
 * <p>{@code at} is the offset from the request as an ISO-8601 duration. The {@code done} event does
 * not repeat the reply's text, reasoning and tool calls: they are the message's own, and are read
 * back from it.
 */
final class SavedStreamJson {
  private SavedStreamJson() {}

  static void write(JsonGenerator g, SavedStream s) throws IOException {
    g.writeObjectFieldStart("stream");
    g.writeBooleanField("truncated", s.truncated());
    g.writeArrayFieldStart("events");
    for (SavedStream.Event se : s.events()) {
      g.writeStartObject();
      g.writeStringField("at", se.offset().toString());
      ChatEvent e = se.event();
      if (e instanceof ChatEvent.Content) {
        g.writeStringField("content", ((ChatEvent.Content) e).text());
      } else if (e instanceof ChatEvent.Reasoning) {
        g.writeStringField("reasoning", ((ChatEvent.Reasoning) e).text());
      } else if (e instanceof ChatEvent.ToolCallStarted) {
        ChatEvent.ToolCallStarted c = (ChatEvent.ToolCallStarted) e;
        g.writeObjectFieldStart("toolCall");
        g.writeNumberField("index", c.index());
        g.writeStringField("id", c.id());
        g.writeStringField("name", c.name());
        g.writeEndObject();
      } else if (e instanceof ChatEvent.ToolCallArguments) {
        ChatEvent.ToolCallArguments a = (ChatEvent.ToolCallArguments) e;
        g.writeObjectFieldStart("toolArguments");
        g.writeNumberField("index", a.index());
        g.writeStringField("fragment", a.fragment());
        g.writeEndObject();
      } else if (e instanceof ChatEvent.Progress) {
        ChatEvent.Progress p = (ChatEvent.Progress) e;
        g.writeObjectFieldStart("progress");
        g.writeNumberField("total", p.total());
        g.writeNumberField("cache", p.cache());
        g.writeNumberField("processed", p.processed());
        g.writeNumberField("timeMs", p.timeMs());
        g.writeEndObject();
      } else if (e instanceof ChatEvent.Done) {
        writeDone(g, ((ChatEvent.Done) e).result());
      } else {
        throw new IllegalArgumentException("a saved stream does not keep " + e.getClass().getSimpleName() + " events");
      }
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  private static void writeDone(JsonGenerator g, ChatResult r) throws IOException {
    g.writeObjectFieldStart("done");
    g.writeStringField("finishReason", r.finishReason().name().toLowerCase(Locale.ROOT));
    g.writeStringField("id", r.id());
    g.writeStringField("model", r.model());
    Usage u = r.usage();
    if (u == null) {
      g.writeNullField("usage");
    } else {
      g.writeObjectFieldStart("usage");
      g.writeNumberField("promptTokens", u.promptTokens());
      g.writeNumberField("completionTokens", u.completionTokens());
      g.writeNumberField("totalTokens", u.totalTokens());
      g.writeNumberField("cachedTokens", u.cachedTokens());
      g.writeEndObject();
    }
    Timings t = r.timings();
    if (t == null) {
      g.writeNullField("timings");
    } else {
      g.writeObjectFieldStart("timings");
      g.writeNumberField("cacheN", t.cacheN());
      g.writeNumberField("promptN", t.promptN());
      g.writeNumberField("promptMs", t.promptMs());
      g.writeNumberField("promptPerTokenMs", t.promptPerTokenMs());
      g.writeNumberField("promptPerSecond", t.promptPerSecond());
      g.writeNumberField("predictedN", t.predictedN());
      g.writeNumberField("predictedMs", t.predictedMs());
      g.writeNumberField("predictedPerTokenMs", t.predictedPerTokenMs());
      g.writeNumberField("predictedPerSecond", t.predictedPerSecond());
      if (t.draftN() != null) {
        g.writeNumberField("draftN", t.draftN());
      }
      if (t.draftNAccepted() != null) {
        g.writeNumberField("draftNAccepted", t.draftNAccepted());
      }
      g.writeEndObject();
    }
    g.writeEndObject();
  }

  /**
   * The message with the stream read from its {@code "stream"} field, if it has one.
   *
   * @param m the message as read, without a stream
   * @param stream the message's {@code "stream"} field, or null if it has none
   * @throws IllegalArgumentException if the field is not a saved stream, or the message is not the
   *     assistant's
   */
  static SessionMessage withStream(SessionMessage m, @Nullable JsonNode stream) {
    if (stream == null || stream.isNull()) {
      return m;
    }
    return new SessionMessage(m.message(), m.partial(), read(stream, m.message()));
  }

  /**
   * Reads the {@code "stream"} of an assistant message.
   *
   * @param n the stream object
   * @param message the message it belongs to: the text, reasoning and tool calls of its {@code done}
   * @throws IllegalArgumentException if the JSON is not a saved stream (the message says what)
   */
  static SavedStream read(JsonNode n, ChatMessage message) {
    if (!n.isObject()) {
      throw new IllegalArgumentException("\"stream\" must be an object, was " + n.getNodeType());
    }
    JsonNode events = n.get("events");
    if (events == null || !events.isArray()) {
      throw new IllegalArgumentException("\"stream\" has no \"events\" array");
    }
    List<SavedStream.Event> list = new ArrayList<>(events.size());
    for (JsonNode e : events) {
      list.add(new SavedStream.Event(offset(e), event(e, message)));
    }
    return new SavedStream(list, n.path("truncated").asBoolean(false));
  }

  private static Duration offset(JsonNode e) {
    String at = e.path("at").asText("");
    try {
      return Duration.parse(at);
    } catch (DateTimeParseException ex) {
      throw new IllegalArgumentException("a stream event's \"at\" is not an ISO-8601 duration: '" + at + "'", ex);
    }
  }

  private static ChatEvent event(JsonNode e, ChatMessage message) {
    if (e.has("content")) {
      return new ChatEvent.Content(e.get("content").asText());
    } else if (e.has("reasoning")) {
      return new ChatEvent.Reasoning(e.get("reasoning").asText());
    } else if (e.has("toolCall")) {
      JsonNode c = e.get("toolCall");
      return new ChatEvent.ToolCallStarted(c.path("index").asInt(), c.path("id").asText(), c.path("name").asText());
    } else if (e.has("toolArguments")) {
      JsonNode a = e.get("toolArguments");
      return new ChatEvent.ToolCallArguments(a.path("index").asInt(), a.path("fragment").asText());
    } else if (e.has("progress")) {
      JsonNode p = e.get("progress");
      return new ChatEvent.Progress(
          p.path("total").asInt(), p.path("cache").asInt(), p.path("processed").asInt(), p.path("timeMs").asLong());
    } else if (e.has("done")) {
      return new ChatEvent.Done(result(e.get("done"), message));
    }
    throw new IllegalArgumentException("a stream event with no known kind: " + e.fieldNames().next());
  }

  private static ChatResult result(JsonNode d, ChatMessage message) {
    FinishReason reason = FinishReason.fromWire(d.path("finishReason").asText(null));
    ChatResult.Builder b =
        ChatResult.builder()
            .text(message.content() == null ? "" : message.content())
            .reasoning(message.reasoning() == null ? "" : message.reasoning())
            .toolCalls(message.toolCalls())
            .finishReason(reason == null ? FinishReason.OTHER : reason)
            .id(d.path("id").asText(""))
            .model(d.path("model").asText(""));
    JsonNode u = d.path("usage");
    if (u.isObject()) {
      b.usage(
          new Usage(
              u.path("promptTokens").asInt(),
              u.path("completionTokens").asInt(),
              u.path("totalTokens").asInt(),
              u.path("cachedTokens").asInt()));
    }
    JsonNode t = d.path("timings");
    if (t.isObject()) {
      b.timings(
          new Timings(
              t.path("cacheN").asInt(),
              t.path("promptN").asInt(),
              t.path("promptMs").asDouble(),
              t.path("promptPerTokenMs").asDouble(),
              t.path("promptPerSecond").asDouble(),
              t.path("predictedN").asInt(),
              t.path("predictedMs").asDouble(),
              t.path("predictedPerTokenMs").asDouble(),
              t.path("predictedPerSecond").asDouble(),
              optionalInt(t, "draftN"),
              optionalInt(t, "draftNAccepted")));
    }
    return b.build();
  }

  private static @Nullable Integer optionalInt(JsonNode n, String field) {
    return n.hasNonNull(field) ? n.get(field).asInt() : null;
  }
}
