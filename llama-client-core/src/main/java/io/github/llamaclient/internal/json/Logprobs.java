package io.github.llamaclient.internal.json;

import io.github.llamaclient.*;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Reads logprobs objects with the streaming parser. */
public final class Logprobs {
  private Logprobs() {}

  /**
   * Reads token probabilities held in a tree: a chat-style {@code logprobs} object ({@code
   * {"content":[...]}}), a native {@code completion_probabilities} array, or the OpenAI legacy
   * completions shape ({@code {"tokens":[...],"token_logprobs":[...],"top_logprobs":[{...}]}},
   * which newer llama-server builds send on {@code /v1/completions}; it has no token ids or bytes).
   *
   * @return the entries, in order; empty if {@code n} is null, JSON null or holds none
   * @throws LlamaProtocolException if an entry is malformed
   */
  public static List<TokenLogprob> fromTree(@Nullable JsonNode n) {
    if (n == null || !(n.isObject() || n.isArray())) {
      return List.of();
    }
    if (n.isObject() && !n.has("content") && n.path("tokens").isArray()) {
      return legacy(n);
    }
    try (JsonParser p = n.traverse(Json.MAPPER)) {
      p.nextToken();
      return n.isArray() ? readNative(p) : readChat(p);
    } catch (IOException | RuntimeException e) {
      if (e instanceof LlamaException) {
        throw (LlamaException) e;
      }
      throw new LlamaProtocolException(
          "malformed token probabilities (" + e.getMessage() + ")",
          Replies.preview(n),
          e);
    }
  }

  private static List<TokenLogprob> legacy(JsonNode n) {
    JsonNode tokens = n.get("tokens");
    JsonNode logprobs = n.path("token_logprobs");
    JsonNode tops = n.path("top_logprobs");
    List<TokenLogprob> out = new ArrayList<>(tokens.size());
    for (int i = 0; i < tokens.size(); i++) {
      List<TokenLogprob.Alternative> top = new ArrayList<>();
      tops.path(i)
          .properties()
          .forEach(e -> top.add(new TokenLogprob.Alternative(-1, e.getKey(), number(e.getValue()), List.of())));
      top.sort((a, b) -> Double.compare(b.logprob(), a.logprob()));
      out.add(new TokenLogprob(-1, tokens.get(i).asText(""), number(logprobs.path(i)), List.of(), top));
    }
    return out;
  }

  private static double number(JsonNode v) {
    return v.isNumber() ? v.asDouble() : Double.NaN;
  }

  /**
   * At the START_OBJECT of a chat (or {@code /v1/completions}) {@code logprobs} value: reads its
   * {@code content} entries.
   *
   * @return the entries, in order; empty if none
   */
  public static List<TokenLogprob> readChat(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return List.of();
    }
    List<TokenLogprob> tokens = new ArrayList<>(1);
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String f = p.currentName();
      JsonToken t = p.nextToken();
      if ("content".equals(f) && t == JsonToken.START_ARRAY) {
        while (p.nextToken() == JsonToken.START_OBJECT) {
          tokens.add(token(p));
        }
      } else {
        p.skipChildren();
      }
    }
    return tokens;
  }

  /**
   * At the START_ARRAY of a native {@code completion_probabilities} value. Entries hold {@code
   * logprob} and {@code top_logprobs}, or {@code prob} and {@code top_probs} with {@code
   * post_sampling_probs} (then the log is taken).
   *
   * @return the entries, in order; empty if none
   */
  public static List<TokenLogprob> readNative(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      p.skipChildren();
      return List.of();
    }
    List<TokenLogprob> tokens = new ArrayList<>(1);
    while (p.nextToken() == JsonToken.START_OBJECT) {
      tokens.add(token(p));
    }
    return tokens;
  }

  /** One token object; fields in any order. */
  private static TokenLogprob token(JsonParser p) throws IOException {
    int id = -1;
    String token = "";
    double logprob = Double.NaN;
    List<Integer> bytes = List.of();
    List<TokenLogprob.Alternative> top = List.of();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String f = p.currentName();
      JsonToken t = p.nextToken();
      switch (f) {
        case "id":
          id = p.getValueAsInt(-1);
          break;
        case "token":
          token = t == JsonToken.VALUE_STRING ? p.getText() : "";
          break;
        case "logprob":
          logprob = Json.readDouble(p);
          break;
        case "prob":
          logprob = Math.log(Json.readDouble(p));
          break;
        case "bytes":
          bytes = bytes(p);
          break;
        case "top_logprobs":
        case "top_probs":
          top = new ArrayList<>();
          if (t == JsonToken.START_ARRAY) {
            while (p.nextToken() == JsonToken.START_OBJECT) {
              TokenLogprob a = token(p);
              top.add(new TokenLogprob.Alternative(a.id(), a.token(), a.logprob(), a.bytes()));
            }
          } else {
            p.skipChildren();
          }
          break;
        default:
          p.skipChildren();
      }
    }
    return new TokenLogprob(id, token, logprob, bytes, top);
  }

  private static List<Integer> bytes(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      p.skipChildren();
      return List.of();
    }
    List<Integer> out = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      out.add(p.getValueAsInt() & 0xff);
    }
    return out;
  }
}
