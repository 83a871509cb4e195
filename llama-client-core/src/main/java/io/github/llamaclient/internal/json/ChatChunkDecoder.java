package io.github.llamaclient.internal.json;

import io.github.llamaclient.internal.sse.SseParser;
import io.github.llamaclient.*;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Decodes {@code chat.completion.chunk} events of {@code /v1/chat/completions} with Jackson's
 * streaming parser (no trees), and accumulates the {@link ChatResult}.
 *
 * <p>Everything kept for the result (text, reasoning, tool-call ids, names and arguments, token
 * probabilities) is charged to one {@link Budget}. Only choice 0 is decoded (requests refuse {@code
 * n > 1}); a choice with another index is a protocol violation, never mixed into choice 0. Tool
 * calls are bounded in number ({@link #MAX_TOOL_CALLS}) and their indexes may not jump far ahead.
 */
public final class ChatChunkDecoder implements StreamDecoder<ChatResult> {

  /** The most tool calls one reply may hold. */
  public static final int MAX_TOOL_CALLS = 128;

  /** How far past the next new index a tool-call index may jump. */
  public static final int MAX_TOOL_INDEX_GAP = 8;

  private static final byte[] DONE = {'[', 'D', 'O', 'N', 'E', ']'};

  private final Budget budget;
  private final ChunkFastPath fast = new ChunkFastPath();
  private final StringBuilder text = new StringBuilder();
  private final StringBuilder reasoning = new StringBuilder();
  private final List<ToolCallBuilder> tools = new ArrayList<>(0);
  private final List<TokenLogprob> logprobs = new ArrayList<>(0);
  // what one choice object holds, applied once the choice is known to be choice 0
  private final List<Object> pending = new ArrayList<>(4);
  private @Nullable FinishReason finishReason;
  private @Nullable Usage usage;
  private @Nullable Timings timings;
  private @Nullable String id;
  private @Nullable String model;

  /**
   * Creates a decoder for one stream.
   *
   * @param maxChars the client's {@code maxResponseChars}: the most the result may accumulate
   */
  public ChatChunkDecoder(long maxChars) {
    this.budget = new Budget(maxChars);
  }

  public static boolean isDone(byte[] buf, int off, int len) {
    if (len != DONE.length) {
      return false;
    }
    for (int i = 0; i < DONE.length; i++) {
      if (buf[off + i] != DONE[i]) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean decode(byte[] buf, int off, int len, Out out) {
    if (isDone(buf, off, len)) {
      return true;
    }
    if (id != null && model != null && fast.scan(buf, off, len)) {
      // the common token chunk; anything else takes the Jackson path below
      String s = fast.text;
      if (!s.isEmpty()) {
        if (fast.reasoning) {
          grow(reasoning, s, "reasoning");
          out.emit(new ChatEvent.Reasoning(s));
        } else {
          grow(text, s, "answer text");
          ChatEvent.Content c = fast.content;
          out.emit(c != null ? c : new ChatEvent.Content(s));
        }
      }
      return false;
    }
    try (JsonParser p = Json.FACTORY.createParser(buf, off, len)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new LlamaProtocolException(
            "expected a JSON object in the event data", SseParser.Lines.preview(buf, off, len));
      }
      Timings chunkTimings = null;
      boolean sawChoices = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String f = p.currentName();
        JsonToken t = p.nextToken();
        switch (f) {
          case "choices":
            sawChoices = true;
            if (t == JsonToken.START_ARRAY) {
              while (p.nextToken() == JsonToken.START_OBJECT) {
                choice(p, out);
              }
            } else {
              p.skipChildren();
            }
            break;
          case "error":
            throw streamError(p);
          case "usage":
            usage = Json.readUsage(p);
            break;
          case "timings":
            chunkTimings = Json.readTimings(p);
            break;
          case "prompt_progress":
            progress(p, out);
            break;
          case "id":
            if (id == null && t == JsonToken.VALUE_STRING) {
              id = p.getText();
            }
            break;
          case "model":
            if (model == null && t == JsonToken.VALUE_STRING) {
              model = p.getText();
            }
            break;
          default:
            p.skipChildren();
        }
      }
      if (chunkTimings != null) {
        timings = chunkTimings;
        if (finishReason == null && sawChoices) {
          out.emit(new ChatEvent.TokenTimings(chunkTimings));
        }
      }
      return false;
    } catch (IOException e) {
      throw new LlamaProtocolException(
          "event data is not valid JSON (" + e.getMessage() + ")",
          SseParser.Lines.preview(buf, off, len),
          e);
    }
  }

  private void choice(JsonParser p, Out out) throws IOException {
    // fields of one choice: index, delta, finish_reason, logprobs (any order; llama-server sends
    // finish_reason before index). Nothing is applied before the whole choice was read.
    pending.clear();
    String finish = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String f = p.currentName();
      JsonToken t = p.nextToken();
      switch (f) {
        case "index":
          int index = p.getValueAsInt(-1);
          if (index != 0) {
            pending.clear();
            throw new LlamaProtocolException(
                "a chunk holds choice " + p.getText() + ", but llama-client decodes one choice (requests refuse n > 1)",
                "\"index\":" + p.getText());
          }
          break;
        case "delta":
          if (t == JsonToken.START_OBJECT) {
            delta(p);
          } else {
            p.skipChildren();
          }
          break;
        case "finish_reason":
          finish = t == JsonToken.VALUE_STRING ? p.getText() : null;
          break;
        case "logprobs":
          if (t == JsonToken.START_OBJECT) {
            List<TokenLogprob> l = Logprobs.readChat(p);
            if (!l.isEmpty()) {
              pending.add(new ChatEvent.TokenLogprobs(l));
            }
          } else {
            p.skipChildren();
          }
          break;
        default:
          p.skipChildren();
      }
    }
    for (Object o : pending) {
      apply(o, out);
    }
    pending.clear();
    if (finish != null) {
      finishReason = FinishReason.fromWire(finish);
    }
  }

  private void apply(Object o, Out out) {
    if (o instanceof ChatEvent.Content) {
      grow(text, ((ChatEvent.Content) o).text(), "answer text");
      out.emit((ChatEvent) o);
    } else if (o instanceof ChatEvent.Reasoning) {
      grow(reasoning, ((ChatEvent.Reasoning) o).text(), "reasoning");
      out.emit((ChatEvent) o);
    } else if (o instanceof ChatEvent.TokenLogprobs) {
      List<TokenLogprob> l = ((ChatEvent.TokenLogprobs) o).tokens();
      budget.chargeTokens(l);
      logprobs.addAll(l);
      out.emit((ChatEvent) o);
    } else {
      toolCall((ToolDelta) o, out);
    }
  }

  private void delta(JsonParser p) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String f = p.currentName();
      JsonToken t = p.nextToken();
      switch (f) {
        case "content":
          if (t == JsonToken.VALUE_STRING) {
            String s = p.getText();
            if (!s.isEmpty()) {
              pending.add(new ChatEvent.Content(s));
            }
          }
          break;
        case "reasoning_content":
          if (t == JsonToken.VALUE_STRING) {
            String s = p.getText();
            if (!s.isEmpty()) {
              pending.add(new ChatEvent.Reasoning(s));
            }
          }
          break;
        case "tool_calls":
          if (t == JsonToken.START_ARRAY) {
            while (p.nextToken() == JsonToken.START_OBJECT) {
              pending.add(toolCallDelta(p));
            }
          } else {
            p.skipChildren();
          }
          break;
        default:
          p.skipChildren();
      }
    }
  }

  private static final int NO_INDEX = Integer.MIN_VALUE;

  /** One entry of {@code delta.tool_calls}; {@code index} is {@link #NO_INDEX} when the entry had none. */
  private record ToolDelta(int index, @Nullable String id, @Nullable String name, @Nullable String arguments) {}

  private static ToolDelta toolCallDelta(JsonParser p) throws IOException {
    int index = NO_INDEX;
    String callId = null;
    String name = null;
    String args = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String f = p.currentName();
      JsonToken t = p.nextToken();
      switch (f) {
        case "index":
          index = p.getValueAsInt(-1);
          break;
        case "id":
          if (t == JsonToken.VALUE_STRING) {
            callId = p.getText();
          }
          break;
        case "function":
          if (t == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String g = p.currentName();
              JsonToken u = p.nextToken();
              if ("name".equals(g) && u == JsonToken.VALUE_STRING) {
                name = p.getText();
              } else if ("arguments".equals(g) && u == JsonToken.VALUE_STRING) {
                args = p.getText();
              } else {
                p.skipChildren();
              }
            }
          } else {
            p.skipChildren();
          }
          break;
        default:
          p.skipChildren();
      }
    }
    return new ToolDelta(index, callId, name, args);
  }

  private void toolCall(ToolDelta d, Out out) {
    int index = d.index() == NO_INDEX ? tools.size() : d.index();
    if (index < 0 || index >= MAX_TOOL_CALLS || index > tools.size() + MAX_TOOL_INDEX_GAP) {
      throw new LlamaProtocolException(
          "tool call index out of range (at most "
              + MAX_TOOL_CALLS
              + " calls, and no index far past the "
              + tools.size()
              + " seen so far)",
          String.valueOf(index));
    }
    while (tools.size() <= index) {
      tools.add(new ToolCallBuilder());
    }
    ToolCallBuilder b = tools.get(index);
    if (d.id() != null) {
      budget.charge(d.id().length(), "tool-call id");
      b.id = d.id();
    }
    if (d.name() != null) {
      budget.charge(d.name().length(), "tool-call name");
      b.name = d.name(); // a re-sent name replaces, never appends
      out.emit(new ChatEvent.ToolCallStarted(index, b.id == null ? "" : b.id, d.name()));
    }
    String args = d.arguments();
    if (args != null && !args.isEmpty()) {
      budget.charge(args.length(), "tool-call arguments");
      b.arguments.append(args);
      out.emit(new ChatEvent.ToolCallArguments(index, args));
    }
  }

  private void progress(JsonParser p, Out out) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    int total = 0;
    int cache = 0;
    int processed = 0;
    long timeMs = 0;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String f = p.currentName();
      p.nextToken();
      switch (f) {
        case "total":
          total = p.getValueAsInt();
          break;
        case "cache":
          cache = p.getValueAsInt();
          break;
        case "processed":
          processed = p.getValueAsInt();
          break;
        case "time_ms":
          timeMs = p.getValueAsLong();
          break;
        default:
          p.skipChildren();
      }
    }
    out.emit(new ChatEvent.Progress(total, cache, processed, timeMs));
  }

  private LlamaException streamError(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      String v = p.currentToken().isScalarValue() ? p.getText() : "";
      p.skipChildren();
      return new LlamaStreamException(500, "server_error", v, text.toString());
    }
    Json.ErrorBody e = Json.errorFromNode(Json.MAPPER.readTree(p));
    return new LlamaStreamException(
        e.code(),
        e.type() == null ? "unknown" : e.type(),
        e.message() == null ? "" : e.message(),
        text.toString());
  }

  private void grow(StringBuilder sb, String s, String what) {
    budget.charge(s.length(), what);
    sb.append(s);
  }

  @Override
  public ChatResult finish(boolean complete) {
    if (!complete && finishReason == null) {
      throw new StreamInterruptedException(
          "the stream ended before its end (no [DONE], no finish_reason)", text.toString(), null);
    }
    List<ToolCall> calls = new ArrayList<>(tools.size());
    for (ToolCallBuilder b : tools) {
      if (b.name != null) {
        calls.add(new ToolCall(b.id == null ? "" : b.id, b.name, b.arguments.toString()));
      }
    }
    return ChatResult.builder()
        .text(text.toString())
        .reasoning(reasoning.toString())
        .toolCalls(calls)
        .finishReason(finishReason == null ? FinishReason.OTHER : finishReason)
        .usage(usage)
        .timings(timings)
        .id(id == null ? "" : id)
        .model(model == null ? "" : model)
        .logprobs(logprobs)
        .build();
  }

  @Override
  public String partialText() {
    return text.toString();
  }

  private static final class ToolCallBuilder {
    @Nullable String id;
    @Nullable String name;
    public final StringBuilder arguments = new StringBuilder();
  }
}
