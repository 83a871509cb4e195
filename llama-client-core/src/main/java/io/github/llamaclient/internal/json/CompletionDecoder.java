package io.github.llamaclient.internal.json;

import io.github.llamaclient.internal.sse.SseParser;
import io.github.llamaclient.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Decodes the events of native {@code /completion} and {@code /infill} (no {@code [DONE]}: the
 * stream ends after the {@code stop:true} event; {@code content:""} events are skipped) and of
 * {@code /v1/completions} ({@code choices[0].text}, then {@code [DONE]}). Reads each event as a
 * tree: these endpoints are not the hot path, and their final event is large and varied.
 *
 * <p>The text and the token probabilities are charged to one {@link Budget}. Only result 0 is
 * decoded (requests refuse {@code n > 1}); an event for another index is a protocol violation.
 */
public final class CompletionDecoder implements StreamDecoder<CompletionResult> {
  private final Budget budget;
  private final boolean openAi;
  private final StringBuilder text = new StringBuilder();
  private final List<TokenLogprob> logprobs = new ArrayList<>(0);
  private @Nullable CompletionResult last;
  private @Nullable FinishReason finishReason;
  private @Nullable Usage usage;
  private @Nullable Timings timings;
  private String model = "";

  /**
   * Creates a decoder for one stream.
   *
   * @param maxChars the client's {@code maxResponseChars}: the most the result may accumulate
   * @param openAi whether the stream is {@code /v1/completions} rather than native
   */
  public CompletionDecoder(long maxChars, boolean openAi) {
    this.budget = new Budget(maxChars);
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
    checkIndex(n);
    boolean stop = n.path("stop").asBoolean(false);
    String piece = Replies.textOrEmpty(n.get("content"));
    if (!piece.isEmpty()) {
      grow(piece);
      out.emit(new ChatEvent.Content(piece));
    }
    JsonNode probs = n.get("completion_probabilities");
    if (probs != null && probs.isArray()) {
      probabilities(Logprobs.fromTree(probs), out);
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
    last = finalResult(n, text.toString(), model, timings, logprobs);
    return true;
  }

  private void probabilities(List<TokenLogprob> tokens, Out out) {
    if (!tokens.isEmpty()) {
      budget.chargeTokens(tokens);
      logprobs.addAll(tokens);
      out.emit(new ChatEvent.TokenLogprobs(tokens));
    }
  }

  /** An event or reply for another result than 0 (several prompts, or {@code n_cmpl}) is refused. */
  private static void checkIndex(JsonNode n) {
    JsonNode index = n.get("index");
    if (index != null && !(index.canConvertToInt() && index.asInt() == 0)) {
      throw new LlamaProtocolException(
          "the reply holds result " + index + ", but llama-client decodes one result (requests refuse n > 1)",
          "\"index\":" + index);
    }
  }

  /**
   * A whole, not streamed, native {@code /completion} or {@code /infill} reply.
   *
   * @throws LlamaProtocolException if the reply is not one result (an array, or another index)
   */
  public static CompletionResult whole(JsonNode n) {
    if (!n.isObject()) {
      throw new LlamaProtocolException(
          "expected one completion object, but llama-client decodes one result (requests refuse n > 1 and several prompts)",
          Replies.preview(n));
    }
    checkIndex(n);
    return finalResult(
        n, Replies.textOrEmpty(n.get("content")), "", null, Logprobs.fromTree(n.get("completion_probabilities")));
  }

  /** The native final object (streamed or not); {@code content} is the text so far when streamed. */
  private static CompletionResult finalResult(
      JsonNode n, String content, String model, @Nullable Timings timings, List<TokenLogprob> logprobs) {
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
    return CompletionResult.builder()
        .content(content)
        .finishReason(reason)
        .stopType(stopType)
        .stoppingWord(n.path("stopping_word").asText(""))
        .truncated(n.path("truncated").asBoolean(false))
        .tokensCached(n.path("tokens_cached").asInt())
        .tokensPredicted(n.path("tokens_predicted").asInt())
        .tokensEvaluated(n.path("tokens_evaluated").asInt())
        .idSlot(n.path("id_slot").asInt(-1))
        .timings(timings != null ? timings : Replies.timings(n.get("timings")))
        .model(n.hasNonNull("model") ? n.get("model").asText() : model)
        .logprobs(logprobs)
        .build();
  }

  private boolean openAi(JsonNode n, Out out) {
    for (JsonNode c : n.path("choices")) {
      checkIndex(c);
    }
    JsonNode choice = n.path("choices").path(0);
    String piece = Replies.textOrEmpty(choice.get("text"));
    if (!piece.isEmpty()) {
      grow(piece);
      out.emit(new ChatEvent.Content(piece));
    }
    probabilities(Logprobs.fromTree(choice.get("logprobs")), out);
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
    budget.charge(s.length(), "completion text");
    text.append(s);
  }

  @Override
  public CompletionResult finish(boolean complete) {
    if (openAi) {
      if (finishReason == null) {
        throw new StreamInterruptedException(
            "the stream ended before its end (no finish_reason)", text.toString(), null);
      }
      return CompletionResult.builder()
          .content(text.toString())
          .finishReason(finishReason)
          .tokensPredicted(usage == null ? 0 : usage.completionTokens())
          .tokensEvaluated(usage == null ? 0 : usage.promptTokens())
          .usage(usage)
          .timings(timings)
          .model(model)
          .logprobs(logprobs)
          .build();
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
