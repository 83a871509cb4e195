package io.github.llamaclient.internal.json;

import io.github.llamaclient.*;

import io.github.llamaclient.internal.json.Json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Reads whole (not streamed) replies from JSON trees. */
public final class Replies {
  private Replies() {}

  /** A {@code chat.completion} object (stream:false). */
  public static ChatResult chat(JsonNode n) {
    JsonNode choice = n.path("choices").path(0);
    JsonNode m = choice.path("message");
    List<ToolCall> calls = new ArrayList<>();
    for (JsonNode t : m.path("tool_calls")) {
      JsonNode f = t.path("function");
      JsonNode args = f.path("arguments");
      calls.add(
          new ToolCall(
              t.path("id").asText(""),
              f.path("name").asText(""),
              args.isTextual() ? args.asText() : args.isMissingNode() || args.isNull() ? "" : args.toString()));
    }
    FinishReason finish = FinishReason.fromWire(text(choice.get("finish_reason")));
    return new ChatResult(
        textOrEmpty(m.get("content")),
        textOrEmpty(m.get("reasoning_content")),
        calls,
        finish == null ? FinishReason.OTHER : finish,
        usage(n.get("usage")),
        timings(n.get("timings")),
        n.path("id").asText(""),
        n.path("model").asText(""));
  }

  public static @Nullable String text(@Nullable JsonNode n) {
    return n != null && n.isTextual() ? n.asText() : null;
  }

  public static String textOrEmpty(@Nullable JsonNode n) {
    String s = text(n);
    return s == null ? "" : s;
  }

  public static @Nullable Usage usage(@Nullable JsonNode n) {
    if (n == null || !n.isObject()) {
      return null;
    }
    try (JsonParser p = at(n)) {
      return Json.readUsage(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static @Nullable Timings timings(@Nullable JsonNode n) {
    if (n == null || !n.isObject()) {
      return null;
    }
    try (JsonParser p = at(n)) {
      return Json.readTimings(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonParser at(JsonNode n) throws IOException {
    JsonParser p = n.traverse(Json.MAPPER);
    p.nextToken();
    return p;
  }
}
