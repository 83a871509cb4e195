package io.github.llamaclient.internal.json;

import io.github.llamaclient.*;

import io.github.llamaclient.internal.sse.SseParser;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Reads whole (not streamed) replies from JSON trees. */
public final class Replies {
  private Replies() {}

  /**
   * A {@code chat.completion} object (stream:false).
   *
   * @throws LlamaProtocolException if it holds another choice than 0 (requests refuse {@code n >
   *     1}) or malformed logprobs
   */
  public static ChatResult chat(JsonNode n) {
    for (JsonNode c : n.path("choices")) {
      JsonNode index = c.get("index");
      if (index != null && !(index.canConvertToInt() && index.asInt() == 0)) {
        throw new LlamaProtocolException(
            "the reply holds choice " + index + ", but llama-client decodes one choice (requests refuse n > 1)",
            "\"index\":" + index);
      }
    }
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
    return ChatResult.builder()
        .text(textOrEmpty(m.get("content")))
        .reasoning(textOrEmpty(m.get("reasoning_content")))
        .toolCalls(calls)
        .finishReason(finish == null ? FinishReason.OTHER : finish)
        .usage(usage(n.get("usage")))
        .timings(timings(n.get("timings")))
        .id(n.path("id").asText(""))
        .model(n.path("model").asText(""))
        .logprobs(Logprobs.fromTree(choice.get("logprobs")))
        .build();
  }

  /** The start of a tree's JSON text, for an exception message. */
  public static String preview(JsonNode n) {
    return SseParser.Lines.preview(n.toString().getBytes(StandardCharsets.UTF_8));
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
