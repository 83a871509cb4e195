package io.github.llamaclient.internal.json;

import io.github.llamaclient.*;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Reads logprobs objects with the streaming parser. */
public final class Logprobs {
  private Logprobs() {}

  /** At the START_OBJECT of a chat {@code logprobs} value: emits its {@code content} entries. */
  public static void readChat(JsonParser p, StreamDecoder.Out out) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
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
    if (!tokens.isEmpty()) {
      out.emit(new ChatEvent.TokenLogprobs(tokens));
    }
  }

  /**
   * At the START_ARRAY of a native {@code completion_probabilities} value. Entries hold {@code
   * logprob} and {@code top_logprobs}, or {@code prob} and {@code top_probs} with {@code
   * post_sampling_probs} (then the log is taken).
   */
  public static void readNative(JsonParser p, StreamDecoder.Out out) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      p.skipChildren();
      return;
    }
    List<TokenLogprob> tokens = new ArrayList<>(1);
    while (p.nextToken() == JsonToken.START_OBJECT) {
      tokens.add(token(p));
    }
    if (!tokens.isEmpty()) {
      out.emit(new ChatEvent.TokenLogprobs(tokens));
    }
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
