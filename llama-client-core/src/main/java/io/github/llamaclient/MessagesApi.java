package io.github.llamaclient;

import io.github.llamaclient.internal.exchange.Exchange;
import io.github.llamaclient.internal.exchange.Request;
import io.github.llamaclient.internal.json.MessagesDecoder;
import io.github.llamaclient.internal.json.StreamDecoder;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The same chat, over llama-server's Anthropic-style Messages endpoint ({@code POST /v1/messages},
 * streamed), and its token count ({@code POST /v1/messages/count_tokens}): the faces of {@link
 * StreamingApi} with a {@link ChatRequest}, and the same {@link ChatEvent}s and {@link ChatResult}
 * as {@link ChatApi}: text, thinking (as reasoning), {@code tool_use} blocks (as tool calls), usage
 * and the stop reason. Messages replies carry no llama-server timings. For an application that
 * already speaks this protocol; {@link LlamaClient#chat()} remains the endpoint with every llama.cpp
 * setting.
 *
 * <p>The request is written in the protocol's shape: a leading system message becomes {@code
 * system}; assistant tool calls {@code tool_use} blocks and tool results {@code tool_result} blocks
 * in a user message; images {@code image} blocks (base64 or URL); {@code maxTokens} {@code
 * max_tokens}, stop strings {@code stop_sequences}, tools {@code input_schema}, tool choice {@code
 * {"type":"auto"|"any"|"none"}}. Settings this protocol has no field for are refused with {@link
 * IllegalArgumentException} when the request is sent; {@code parameter(name, value)} fields go as
 * they are. Get it from {@link ChatApi#messages()}.
 */
public final class MessagesApi extends StreamingApi<ChatRequest, ChatStream, ChatResult> {

  MessagesApi(ClientContext context) {
    super(context, ChatResult.class);
  }

  @Override
  Request streamed(ChatRequest request) {
    return context.post("/v1/messages", ProtocolJson.messages(request, true, context.defaults()), true, false, request.responseTimeout());
  }

  @Override
  void precheck(ChatRequest request) {
    context.checkModalities(request);
  }

  @Override
  StreamDecoder<ChatResult> decoder() {
    return new MessagesDecoder(context.maxResponseChars());
  }

  @Override
  ChatStream pulled(PullSink<ChatResult> sink, Exchange<ChatResult> exchange) {
    return new ChatStream(sink, exchange);
  }

  @Override
  @Nullable ChatEvent lastEvent(ChatResult result) {
    return new ChatEvent.Done(result);
  }

  /**
   * Counts the prompt tokens of a request as the server would send it to the model ({@code POST
   * /v1/messages/count_tokens}: the chat template applied, tools included), without generating.
   * Blocking; interrupting the thread cancels the call.
   *
   * @param request the request
   * @return {@code input_tokens}
   * @throws NullPointerException if {@code request} is null
   * @throws IllegalArgumentException if the request has settings this protocol cannot carry
   * @throws LlamaException on failure
   */
  public int countTokens(ChatRequest request) {
    Objects.requireNonNull(request, "request");
    byte[] body = ProtocolJson.messages(request, null, context.defaults());
    return JsonCall.json(
        context,
        context.post("/v1/messages/count_tokens", body, false, true, request.responseTimeout()),
        n -> {
          if (!n.path("input_tokens").canConvertToInt()) {
            throw new IllegalStateException("no input_tokens");
          }
          return n.get("input_tokens").asInt();
        });
  }
}
