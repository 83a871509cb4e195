package io.github.llamaclient.internal.json;

import io.github.llamaclient.*;
import io.github.llamaclient.internal.sse.SseParser;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What the decoders of the other wire protocols llama-server speaks ({@code /v1/responses}, {@code
 * /v1/messages}) share: each event's data is a JSON object with a {@code type}, read as a tree (not
 * the hot path), and mapped to the same {@link ChatEvent}s and {@link ChatResult} as a chat stream:
 * text, reasoning, tool calls (started, then argument fragments), usage, timings, finish reason.
 * Everything accumulated is charged to one {@link Budget}. One instance per exchange, one thread at
 * a time.
 */
abstract class ProtocolDecoder implements StreamDecoder<ChatResult> {
  private final Budget budget;
  private final StringBuilder text = new StringBuilder();
  private final StringBuilder reasoning = new StringBuilder();
  private final List<Call> calls = new ArrayList<>(0);
  private final Map<String, Integer> callByKey = new HashMap<>();
  @Nullable FinishReason finishReason;
  @Nullable String id;
  @Nullable String model;
  @Nullable Timings timings;
  int promptTokens;
  int completionTokens;
  int cachedTokens;
  boolean sawUsage;
  private boolean ended;

  ProtocolDecoder(long maxChars) {
    this.budget = new Budget(maxChars);
  }

  /** The protocol's name, for messages. */
  abstract String protocol();

  /**
   * Decodes one event of the given type.
   *
   * @return true if it is the stream's last event
   */
  abstract boolean event(String type, JsonNode n, Out out);

  @Override
  public final boolean decode(byte[] buf, int off, int len, Out out) {
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
    JsonNode type = n.get("type");
    if (type == null || !type.isTextual()) {
      JsonNode err = n.get("error");
      if (err != null) { // llama-server's own error event (data: {"error":{...}})
        throw streamError(err);
      }
      throw new LlamaProtocolException(
          "a " + protocol() + " event without a type", SseParser.Lines.preview(buf, off, len));
    }
    if (type.asText().equals("error")) {
      throw streamError(n.path("error"));
    }
    ended = event(type.asText(), n, out);
    return ended;
  }

  /** An error event: {@code {"code","message","type"}}, or Anthropic's {@code {"type","message"}}. */
  final LlamaStreamException streamError(JsonNode err) {
    if (!err.isObject()) {
      return new LlamaStreamException(500, "server_error", err.asText(), text.toString());
    }
    Json.ErrorBody e = Json.errorFromNode(err);
    return new LlamaStreamException(
        e.code(), e.type() == null ? "unknown" : e.type(), e.message() == null ? "" : e.message(), text.toString());
  }

  final void content(String piece, Out out) {
    if (!piece.isEmpty()) {
      budget.charge(piece.length(), "answer text");
      text.append(piece);
      out.emit(new ChatEvent.Content(piece));
    }
  }

  final void reasoning(String piece, Out out) {
    if (!piece.isEmpty()) {
      budget.charge(piece.length(), "reasoning text");
      reasoning.append(piece);
      out.emit(new ChatEvent.Reasoning(piece));
    }
  }

  /** A tool call begins; {@code key} is how later events name it (an item id, a block index). */
  final void toolStarted(String key, String callId, String name, Out out) {
    budget.charge(callId.length() + name.length(), "tool calls");
    int index = calls.size();
    calls.add(new Call(callId, name));
    callByKey.put(key, index);
    out.emit(new ChatEvent.ToolCallStarted(index, callId, name));
  }

  /** A fragment of a started call's arguments; a key not started is a protocol violation. */
  final void toolArguments(String key, String fragment, Out out) {
    Integer index = callByKey.get(key);
    if (index == null) {
      throw new LlamaProtocolException(
          "arguments for a tool call that did not start (" + key + ") in a " + protocol() + " stream", fragment);
    }
    if (!fragment.isEmpty()) {
      budget.charge(fragment.length(), "tool calls");
      calls.get(index).arguments.append(fragment);
      out.emit(new ChatEvent.ToolCallArguments(index, fragment));
    }
  }

  final boolean hasToolCalls() {
    return !calls.isEmpty();
  }

  @Override
  public final ChatResult finish(boolean complete) {
    if (!ended) {
      throw new StreamInterruptedException(
          "the " + protocol() + " stream ended before its last event", text.toString(), null);
    }
    List<ToolCall> out = new ArrayList<>(calls.size());
    for (Call c : calls) {
      out.add(new ToolCall(c.id, c.name, c.arguments.toString()));
    }
    return ChatResult.builder()
        .text(text.toString())
        .reasoning(reasoning.toString())
        .toolCalls(out)
        .finishReason(finishReason == null ? FinishReason.OTHER : finishReason)
        .usage(sawUsage ? new Usage(promptTokens, completionTokens, promptTokens + completionTokens, cachedTokens) : null)
        .timings(timings)
        .id(id == null ? "" : id)
        .model(model == null ? "" : model)
        .build();
  }

  @Override
  public final String partialText() {
    return text.toString();
  }

  private static final class Call {
    final String id;
    final String name;
    final StringBuilder arguments = new StringBuilder();

    Call(String id, String name) {
      this.id = id;
      this.name = name;
    }
  }
}
