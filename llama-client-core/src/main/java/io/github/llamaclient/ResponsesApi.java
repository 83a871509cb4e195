package io.github.llamaclient;

import io.github.llamaclient.internal.exchange.Exchange;
import io.github.llamaclient.internal.exchange.Request;
import io.github.llamaclient.internal.json.ResponsesDecoder;
import io.github.llamaclient.internal.json.StreamDecoder;
import org.jspecify.annotations.Nullable;

/**
 * The same chat, over llama-server's OpenAI Responses endpoint ({@code POST /v1/responses},
 * streamed): the faces of {@link StreamingApi} with a {@link ChatRequest}, and the same {@link
 * ChatEvent}s and {@link ChatResult} as {@link ChatApi}: its {@code event:}-named events are
 * decoded into text, reasoning, tool calls, usage, llama-server's timings and the end (see the
 * internal {@code ResponsesDecoder} for the mapping). For an application that already speaks this
 * protocol; {@link LlamaClient#chat()} remains the endpoint with every llama.cpp setting.
 *
 * <p>The request is written in the protocol's shape: a leading system message becomes {@code
 * instructions}, the other messages {@code input} items (tool calls {@code function_call}, tool
 * results {@code function_call_output}, images {@code input_image}), {@code maxTokens} {@code
 * max_output_tokens}, tools flat {@code {"type":"function","name",...}}. Settings this protocol has
 * no field for (sampling extras, grammar, logprobs, slots, ...) are refused with {@link
 * IllegalArgumentException} when the request is sent; {@code parameter(name, value)} fields go as
 * they are. Get it from {@link ChatApi#responses()}.
 */
public final class ResponsesApi extends StreamingApi<ChatRequest, ChatStream, ChatResult> {

  ResponsesApi(ClientContext context) {
    super(context, ChatResult.class);
  }

  @Override
  Request streamed(ChatRequest request) {
    return context.post("/v1/responses", ProtocolJson.responses(request, true, context.defaults()), true, false, request.responseTimeout());
  }

  @Override
  void precheck(ChatRequest request) {
    context.checkModalities(request);
  }

  @Override
  StreamDecoder<ChatResult> decoder() {
    return new ResponsesDecoder(context.maxResponseChars());
  }

  @Override
  ChatStream pulled(PullSink<ChatResult> sink, Exchange<ChatResult> exchange) {
    return new ChatStream(sink, exchange);
  }

  @Override
  @Nullable ChatEvent lastEvent(ChatResult result) {
    return new ChatEvent.Done(result);
  }
}
