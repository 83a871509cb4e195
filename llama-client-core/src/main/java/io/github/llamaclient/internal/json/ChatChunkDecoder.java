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
 */
public final class ChatChunkDecoder implements StreamDecoder<ChatResult> {

  private static final byte[] DONE = {'[', 'D', 'O', 'N', 'E', ']'};

  private final long maxChars;
  private final ChunkFastPath fast = new ChunkFastPath();
  private final StringBuilder text = new StringBuilder();
  private final StringBuilder reasoning = new StringBuilder();
  private final List<ToolCallBuilder> tools = new ArrayList<>(0);
  private @Nullable FinishReason finishReason;
  private @Nullable Usage usage;
  private @Nullable Timings timings;
  private @Nullable String id;
  private @Nullable String model;

  public ChatChunkDecoder(long maxChars) {
    this.maxChars = maxChars;
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
          grow(reasoning, s);
          out.emit(new ChatEvent.Reasoning(s));
        } else {
          grow(text, s);
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
    int index = 0;
    // fields of one choice: index, delta, finish_reason, logprobs (any order)
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String f = p.currentName();
      JsonToken t = p.nextToken();
      switch (f) {
        case "index":
          index = p.getValueAsInt();
          break;
        case "delta":
          if (t == JsonToken.START_OBJECT && index == 0) {
            delta(p, out);
          } else {
            p.skipChildren();
          }
          break;
        case "finish_reason":
          if (t == JsonToken.VALUE_STRING && index == 0) {
            finishReason = FinishReason.fromWire(p.getText());
          }
          break;
        case "logprobs":
          if (t == JsonToken.START_OBJECT && index == 0) {
            Logprobs.readChat(p, out);
          } else {
            p.skipChildren();
          }
          break;
        default:
          p.skipChildren();
      }
    }
  }

  private void delta(JsonParser p, Out out) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String f = p.currentName();
      JsonToken t = p.nextToken();
      switch (f) {
        case "content":
          if (t == JsonToken.VALUE_STRING) {
            String s = p.getText();
            if (!s.isEmpty()) {
              grow(text, s);
              out.emit(new ChatEvent.Content(s));
            }
          }
          break;
        case "reasoning_content":
          if (t == JsonToken.VALUE_STRING) {
            String s = p.getText();
            if (!s.isEmpty()) {
              grow(reasoning, s);
              out.emit(new ChatEvent.Reasoning(s));
            }
          }
          break;
        case "tool_calls":
          if (t == JsonToken.START_ARRAY) {
            while (p.nextToken() == JsonToken.START_OBJECT) {
              toolCallDelta(p, out);
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

  private void toolCallDelta(JsonParser p, Out out) throws IOException {
    int index = tools.size();
    String callId = null;
    String name = null;
    String args = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String f = p.currentName();
      JsonToken t = p.nextToken();
      switch (f) {
        case "index":
          index = p.getValueAsInt();
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
    if (index < 0 || index > 1024) {
      throw new LlamaProtocolException("tool call index out of range", String.valueOf(index));
    }
    while (tools.size() <= index) {
      tools.add(new ToolCallBuilder());
    }
    ToolCallBuilder b = tools.get(index);
    if (callId != null) {
      b.id = callId;
    }
    if (name != null) {
      b.name = name; // a re-sent name replaces, never appends
      out.emit(new ChatEvent.ToolCallStarted(index, b.id == null ? "" : b.id, name));
    }
    if (args != null && !args.isEmpty()) {
      grow(b.arguments, args);
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

  private void grow(StringBuilder sb, String s) {
    if ((long) text.length() + reasoning.length() + s.length() > maxChars) {
      throw new ResponseTooLargeException(maxChars);
    }
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
    return new ChatResult(
        text.toString(),
        reasoning.toString(),
        calls,
        finishReason == null ? FinishReason.OTHER : finishReason,
        usage,
        timings,
        id == null ? "" : id,
        model == null ? "" : model);
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
