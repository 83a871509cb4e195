package io.github.llamaclient;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.llamaclient.internal.json.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The model's tokenizer and chat template, without generating: {@code POST /tokenize}, {@code
 * /detokenize}, {@code /apply-template}. These calls only compute, so a call that failed on a
 * reused connection before any reply byte is sent once more. Blocking; interrupting the thread
 * cancels the call. Thread-safe. Get it from {@link LlamaClient#tokenizer()}.
 */
public final class TokenizerApi {
  private final ClientContext context;

  TokenizerApi(ClientContext context) {
    this.context = context;
  }

  /**
   * Tokenizes text with the model's vocabulary ({@code with_pieces}). Special tokens are parsed but
   * not added ({@code add_special:false}).
   *
   * @param content the text
   * @return the tokens with their pieces
   * @throws NullPointerException if {@code content} is null
   * @throws LlamaException on failure
   */
  public List<Token> tokenize(String content) {
    Objects.requireNonNull(content, "content");
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("content", content);
    body.put("with_pieces", true);
    return JsonCall.json(context, post("/tokenize", Json.bytes(body)), TokenizerApi::tokens);
  }

  private static List<Token> tokens(JsonNode node) {
    List<Token> out = new ArrayList<>();
    for (JsonNode t : node.get("tokens")) {
      if (t.isInt()) {
        out.add(new Token(t.asInt(), null, false));
        continue;
      }
      JsonNode piece = t.get("piece");
      if (piece != null && piece.isArray()) { // bytes that are not valid UTF-8 on their own
        StringBuilder sb = new StringBuilder();
        piece.forEach(b -> sb.append((char) (b.asInt() & 0xff)));
        out.add(new Token(t.get("id").asInt(), sb.toString(), true));
      } else {
        out.add(new Token(t.get("id").asInt(), piece == null ? null : piece.asText(), false));
      }
    }
    return List.copyOf(out);
  }

  /**
   * Counts the tokens of a text ({@code /tokenize} without pieces).
   *
   * @param content the text
   * @return the token count
   * @throws NullPointerException if {@code content} is null
   * @throws LlamaException on failure
   */
  public int count(String content) {
    Objects.requireNonNull(content, "content");
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("content", content);
    return JsonCall.json(context, post("/tokenize", Json.bytes(body)), node -> node.get("tokens").size());
  }

  /**
   * Turns token ids back into text ({@code /detokenize}).
   *
   * @param tokens the token ids
   * @return the text
   * @throws NullPointerException if {@code tokens} is null or holds null
   * @throws LlamaException on failure
   */
  public String detokenize(List<Integer> tokens) {
    Objects.requireNonNull(tokens, "tokens");
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("tokens", List.copyOf(tokens));
    return JsonCall.json(context, post("/detokenize", Json.bytes(body)), node -> node.get("content").asText());
  }

  /**
   * Renders messages through the model's chat template ({@code /apply-template}): the exact prompt
   * the model would see.
   *
   * @param messages the messages, at least one
   * @return the rendered prompt
   * @throws NullPointerException if {@code messages} is null
   * @throws IllegalArgumentException if {@code messages} is empty
   * @throws LlamaException on failure
   */
  public String applyTemplate(List<ChatMessage> messages) {
    Objects.requireNonNull(messages, "messages");
    if (messages.isEmpty()) {
      throw new IllegalArgumentException("applyTemplate needs at least one message");
    }
    return applyTemplate(ChatRequest.builder().messages(messages).build());
  }

  /**
   * Renders a chat request through the model's chat template ({@code /apply-template}).
   *
   * @param request the request (its messages, tools and template options count)
   * @return the rendered prompt
   * @throws NullPointerException if {@code request} is null
   * @throws LlamaException on failure
   */
  public String applyTemplate(ChatRequest request) {
    Objects.requireNonNull(request, "request");
    return JsonCall.json(
        context, post("/apply-template", RequestJson.templateBody(request)), node -> node.get("prompt").asText());
  }

  private io.github.llamaclient.internal.exchange.Request post(String path, byte[] body) {
    return context.post(path, body, false, true, null);
  }
}
