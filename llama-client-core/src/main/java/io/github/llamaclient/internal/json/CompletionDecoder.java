package io.github.llamaclient.internal.json;

import io.github.llamaclient.internal.sse.SseParser;
import io.github.llamaclient.*;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * Decodes the events of native {@code /completion} and {@code /infill} (no {@code [DONE]}: the
 * stream ends after the {@code stop:true} event; {@code content:""} events are skipped) and of
 * {@code /v1/completions} ({@code choices[0].text}, then {@code [DONE]}). Reads each event as a
 * tree: these endpoints are not the hot path, and their final event is large and varied.
 */
public final class CompletionDecoder implements StreamDecoder<CompletionResult> {
  private final long maxChars;
  private final boolean openAi;
  private final StringBuilder text = new StringBuilder();
  private @Nullable CompletionResult last;
  private @Nullable FinishReason finishReason;
  private @Nullable Usage usage;
  private @Nullable Timings timings;
  private String model = "";

  public CompletionDecoder(long maxChars, boolean openAi) {
    this.maxChars = maxChars;
    this.openAi = openAi;
  }

  @Override
  public boolean decode(byte[] buf, int off, int len, Out out) {
    if (ChatChunkDecoder.isDone(buf, off, len)) {
      return true;
    }
    JsonNode n;
    try {
      n = Json.MAPPER.readTree(buf, off, len);
    } catch (IOException e) {
      throw new LlamaProtocolException(
          "event data is not valid JSON (" + e.getMessage() + ")", SseParser.Lines.preview(buf, off, len), e);
    }
    if (n == null || !n.isObject()) {
      throw new LlamaProtocolException("expected a JSON object in the event data", SseParser.Lines.preview(buf, off, len));
    }
    JsonNode err = n.get("error");
    if (err != null) {
      Json.ErrorBody e = err.isObject() ? Json.errorFromNode(err) : new Json.ErrorBody(500, "server_error", err.asText(), null, null);
      throw new LlamaStreamException(
          e.code(), e.type() == null ? "unknown" : e.type(), e.message() == null ? "" : e.message(), text.toString());
    }
    if (n.hasNonNull("model")) {
      model = n.get("model").asText();
    }
    progress(n.get("prompt_progress"), out);
    return openAi ? openAi(n, out) : nativeEvent(n, out);
  }

  private boolean nativeEvent(JsonNode n, Out out) {
    boolean stop = n.path("stop").asBoolean(false);
    String piece = Replies.textOrEmpty(n.get("content"));
    if (!piece.isEmpty()) {
      grow(piece);
      out.emit(new ChatEvent.Content(piece));
    }
    JsonNode probs = n.get("completion_probabilities");
    if (probs != null && probs.isArray()) {
      try (JsonParser p = probs.traverse(Json.MAPPER)) {
        p.nextToken();
        Logprobs.readNative(p, out);
      } catch (IOException e) {
        throw new LlamaProtocolException("bad completion_probabilities", probs.toString(), e);
      }
    }
    Timings t = Replies.timings(n.get("timings"));
    if (t != null) {
      timings = t;
      if (!stop) {
        out.emit(new ChatEvent.TokenTimings(t));
      }
    }
    if (!stop) {
      return false;
    }
    last = finalResult(n, text.toString(), model, timings);
    return true;
  }

  /** The native final object (streamed or not); {@code content} is the text so far when streamed. */
  public static CompletionResult finalResult(JsonNode n, String content, String model, @Nullable Timings timings) {
    String stopType = n.path("stop_type").asText("none");
    FinishReason reason;
    switch (stopType) {
      case "eos":
      case "word":
        reason = FinishReason.STOP;
        break;
      case "limit":
        reason = FinishReason.LENGTH;
        break;
      default:
        reason = FinishReason.OTHER;
    }
    return new CompletionResult(
        content,
        reason,
        stopType,
        n.path("stopping_word").asText(""),
        n.path("truncated").asBoolean(false),
        n.path("tokens_cached").asInt(),
        n.path("tokens_predicted").asInt(),
        n.path("tokens_evaluated").asInt(),
        n.path("id_slot").asInt(-1),
        null,
        timings != null ? timings : Replies.timings(n.get("timings")),
        n.hasNonNull("model") ? n.get("model").asText() : model);
  }

  private boolean openAi(JsonNode n, Out out) {
    JsonNode choice = n.path("choices").path(0);
    String piece = Replies.textOrEmpty(choice.get("text"));
    if (!piece.isEmpty()) {
      grow(piece);
      out.emit(new ChatEvent.Content(piece));
    }
    FinishReason f = FinishReason.fromWire(Replies.text(choice.get("finish_reason")));
    if (f != null) {
      finishReason = f;
    }
    Usage u = Replies.usage(n.get("usage"));
    if (u != null) {
      usage = u;
    }
    Timings t = Replies.timings(n.get("timings"));
    if (t != null) {
      timings = t;
      if (f == null) {
        out.emit(new ChatEvent.TokenTimings(t));
      }
    }
    return false;
  }

  private void progress(@Nullable JsonNode p, Out out) {
    if (p == null || !p.isObject()) {
      return;
    }
    out.emit(
        new ChatEvent.Progress(
            p.path("total").asInt(), p.path("cache").asInt(), p.path("processed").asInt(), p.path("time_ms").asLong()));
  }

  private void grow(String s) {
    if ((long) text.length() + s.length() > maxChars) {
      throw new ResponseTooLargeException(maxChars);
    }
    text.append(s);
  }

  @Override
  public CompletionResult finish(boolean complete) {
    if (openAi) {
      if (finishReason == null) {
        throw new StreamInterruptedException(
            "the stream ended before its end (no finish_reason)", text.toString(), null);
      }
      return new CompletionResult(
          text.toString(), finishReason, "", "", false, 0,
          usage == null ? 0 : usage.completionTokens(), usage == null ? 0 : usage.promptTokens(),
          -1, usage, timings, model);
    }
    CompletionResult r = last;
    if (r == null) {
      throw new StreamInterruptedException(
          "the stream ended before its end (no stop:true event)", text.toString(), null);
    }
    return r;
  }

  @Override
  public String partialText() {
    return text.toString();
  }
}
