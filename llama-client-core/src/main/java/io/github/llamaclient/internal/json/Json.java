package io.github.llamaclient.internal.json;

import io.github.llamaclient.*;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Jackson in one place: the shared mapper, request writing, small parse helpers. */
public final class Json {
  /**
   * The mapper. Its parsers and generators take their buffers from a pool shared by every thread
   * and give them back when closed, instead of Jackson's default, a pool per thread: with a thread
   * per stream (pulled faces on ten thousand callers) that default kept about 16 KB of buffers
   * for each thread that ever decoded an event. The token chunks, the bulk of a stream, never
   * reach Jackson ({@link ChunkFastPath}).
   */
  public static final ObjectMapper MAPPER =
      JsonMapper.builder(JsonFactory.builder().recyclerPool(JsonRecyclerPools.newConcurrentDequePool()).build()).build();
  public static final JsonFactory FACTORY = MAPPER.getFactory();

  private Json() {}

  /**
   * Checks a free-form top-level request field: a plain JSON value, and not a request for several
   * choices ({@code n} or {@code n_cmpl} other than 1), which llama-client would not decode.
   *
   * @throws IllegalArgumentException if the value is refused
   */
  public static void checkParameter(String name, @Nullable Object value) {
    if ((name.equals("n") || name.equals("n_cmpl")) && !isOne(value)) {
      throw new IllegalArgumentException(
          name
              + " must be 1: llama-client decodes one choice; send one request per answer you want"
              + " (several may run at once), was "
              + value);
    }
    checkValue(value, name);
  }

  private static boolean isOne(@Nullable Object value) {
    if (value == null) {
      return true; // JSON null: the server's default, one choice
    }
    if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue() == 1;
    }
    if (value instanceof Number) {
      return ((Number) value).doubleValue() == 1.0;
    }
    return false;
  }

  /** Refuses values that are not plain JSON values. */
  public static void checkValue(@Nullable Object value, String name) {
    if ((value instanceof Double && !Double.isFinite((Double) value))
        || (value instanceof Float && !Float.isFinite((Float) value))) {
      throw new IllegalArgumentException("value of " + name + " must be a finite number (JSON has no NaN or Infinity), was " + value);
    }
    if (value == null
        || value instanceof String
        || value instanceof Number
        || value instanceof Boolean) {
      return;
    }
    if (value instanceof Map<?, ?>) {
      for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
        if (!(e.getKey() instanceof String)) {
          throw new IllegalArgumentException(
              "value of " + name + ": map keys must be strings, found " + e.getKey());
        }
        checkValue(e.getValue(), name + "." + e.getKey());
      }
      return;
    }
    if (value instanceof Collection<?>) {
      for (Object o : (Collection<?>) value) {
        checkValue(o, name + "[]");
      }
      return;
    }
    throw new IllegalArgumentException(
        "value of "
            + name
            + " must be a JSON value (String, Number, Boolean, Map, List or null), was "
            + value.getClass().getName());
  }

  /** Writes any checked JSON value. */
  public static void writeValue(JsonGenerator g, @Nullable Object value) throws IOException {
    if (value == null) {
      g.writeNull();
    } else if (value instanceof String) {
      g.writeString((String) value);
    } else if (value instanceof Boolean) {
      g.writeBoolean((Boolean) value);
    } else if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
      g.writeNumber(((Number) value).longValue());
    } else if (value instanceof Number) {
      MAPPER.writeValue(g, value);
    } else if (value instanceof Map<?, ?>) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
        g.writeFieldName((String) e.getKey());
        writeValue(g, e.getValue());
      }
      g.writeEndObject();
    } else if (value instanceof Collection<?>) {
      g.writeStartArray();
      for (Object o : (Collection<?>) value) {
        writeValue(g, o);
      }
      g.writeEndArray();
    } else if (value instanceof JsonNode) {
      MAPPER.writeTree(g, (JsonNode) value);
    } else {
      throw new IllegalArgumentException("not a JSON value: " + value.getClass().getName());
    }
  }

  /**
   * Parses JSON text that must be an object (a tool call's arguments) into a Map.
   *
   * @throws IllegalArgumentException if it is not a JSON object
   */
  public static Map<String, @Nullable Object> parseObject(String json) {
    try {
      JsonNode n = MAPPER.readTree(json);
      if (n == null || !n.isObject()) {
        throw new IllegalArgumentException("not a JSON object: " + json);
      }
      @SuppressWarnings("unchecked")
      Map<String, @Nullable Object> m = MAPPER.convertValue(n, Map.class);
      return m;
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON: " + json, e);
    }
  }

  /** Serializes a plain JSON value (Map, List, ...). */
  public static byte[] bytes(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static double readDouble(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    return t == JsonToken.VALUE_NULL ? Double.NaN : p.getValueAsDouble(Double.NaN);
  }

  /** Parses {@code timings} at the current START_OBJECT. */
  public static Timings readTimings(JsonParser p) throws IOException {
    int cacheN = 0;
    int promptN = 0;
    int predictedN = 0;
    double promptMs = Double.NaN;
    double promptPerTokenMs = Double.NaN;
    double promptPerSecond = Double.NaN;
    double predictedMs = Double.NaN;
    double predictedPerTokenMs = Double.NaN;
    double predictedPerSecond = Double.NaN;
    Integer draftN = null;
    Integer draftAccepted = null;
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return new Timings(0, 0, Double.NaN, Double.NaN, Double.NaN, 0, Double.NaN, Double.NaN, Double.NaN, null, null);
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String f = p.currentName();
      p.nextToken();
      switch (f) {
        case "cache_n":
          cacheN = p.getValueAsInt();
          break;
        case "prompt_n":
          promptN = p.getValueAsInt();
          break;
        case "prompt_ms":
          promptMs = readDouble(p);
          break;
        case "prompt_per_token_ms":
          promptPerTokenMs = readDouble(p);
          break;
        case "prompt_per_second":
          promptPerSecond = readDouble(p);
          break;
        case "predicted_n":
          predictedN = p.getValueAsInt();
          break;
        case "predicted_ms":
          predictedMs = readDouble(p);
          break;
        case "predicted_per_token_ms":
          predictedPerTokenMs = readDouble(p);
          break;
        case "predicted_per_second":
          predictedPerSecond = readDouble(p);
          break;
        case "draft_n":
          draftN = p.getValueAsInt();
          break;
        case "draft_n_accepted":
          draftAccepted = p.getValueAsInt();
          break;
        default:
          p.skipChildren();
      }
    }
    return new Timings(
        cacheN,
        promptN,
        promptMs,
        promptPerTokenMs,
        promptPerSecond,
        predictedN,
        predictedMs,
        predictedPerTokenMs,
        predictedPerSecond,
        draftN,
        draftAccepted);
  }

  /** Parses {@code usage} at the current START_OBJECT. */
  public static Usage readUsage(JsonParser p) throws IOException {
    int prompt = 0;
    int completion = 0;
    int total = 0;
    int cached = 0;
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return new Usage(0, 0, 0, 0);
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String f = p.currentName();
      p.nextToken();
      switch (f) {
        case "prompt_tokens":
          prompt = p.getValueAsInt();
          break;
        case "completion_tokens":
          completion = p.getValueAsInt();
          break;
        case "total_tokens":
          total = p.getValueAsInt();
          break;
        case "prompt_tokens_details":
          if (p.currentToken() == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String g = p.currentName();
              p.nextToken();
              if ("cached_tokens".equals(g)) {
                cached = p.getValueAsInt();
              } else {
                p.skipChildren();
              }
            }
          }
          break;
        default:
          p.skipChildren();
      }
    }
    return new Usage(prompt, completion, total, cached);
  }

  /** The parsed {@code {"error":{...}}} of an error body, or null if the body is not that. */
  public record ErrorBody(int code, @Nullable String type, @Nullable String message, @Nullable Integer nPromptTokens, @Nullable Integer nCtx) {}

  public static @Nullable ErrorBody parseErrorBody(byte[] body) {
    try {
      JsonNode root = MAPPER.readTree(body);
      if (root == null) {
        return null;
      }
      JsonNode err = root.get("error");
      if (err == null || !err.isObject()) {
        return null;
      }
      return errorFromNode(err);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  public static ErrorBody errorFromNode(JsonNode err) {
    JsonNode code = err.get("code");
    JsonNode type = err.get("type");
    JsonNode msg = err.get("message");
    JsonNode np = err.get("n_prompt_tokens");
    JsonNode nc = err.get("n_ctx");
    return new ErrorBody(
        code != null ? code.asInt() : 0,
        type != null && !type.isNull() ? type.asText() : null,
        msg != null && !msg.isNull() ? msg.asText() : null,
        np != null && np.canConvertToInt() ? np.asInt() : null,
        nc != null && nc.canConvertToInt() ? nc.asInt() : null);
  }

}
