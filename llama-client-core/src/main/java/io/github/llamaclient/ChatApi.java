package io.github.llamaclient;

import io.github.llamaclient.internal.exchange.Exchange;
import io.github.llamaclient.internal.exchange.Request;
import io.github.llamaclient.internal.json.ChatChunkDecoder;
import io.github.llamaclient.internal.json.Replies;
import io.github.llamaclient.internal.json.StreamDecoder;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Chat replies ({@code POST /v1/chat/completions}, with llama-server's chat template): the faces of
 * {@link StreamingApi}, plus a reply that is not streamed and a tool loop. Get it from {@link
 * LlamaClient#chat()}.
 *
 * <pre>{@code
 * try (ChatStream events = client.chat().stream(request)) {
 *   for (ChatEvent e : events) {
 *     if (e instanceof ChatEvent.Content c) System.out.print(c.text());
 *   }
 *   ChatResult result = events.result();   // text, reasoning, tool calls, finish reason, usage, timings
 * }
 * }</pre>
 *
 * <p>Reasoning: with a thinking model, llama-server sends the thinking as {@code
 * reasoning_content}, apart from the answer, so {@link #textStream(Object) textStream} yields only
 * the answer. To get the thinking, iterate {@link #stream(Object) stream} and take the {@link
 * ChatEvent.Reasoning} events (or read {@link ChatResult#reasoning()} at the end); to have it inline
 * in the text instead, send {@link ChatRequest.Builder#reasoningFormat(String)
 * reasoningFormat("none")}; to turn thinking off where the template allows it, {@link
 * ChatRequest.Builder#enableThinking(boolean) enableThinking(false)}.
 */
public final class ChatApi extends StreamingApi<ChatRequest, ChatStream, ChatResult> {

  private final ResponsesApi responses;
  private final MessagesApi messages;

  ChatApi(ClientContext context) {
    super(context, ChatResult.class);
    this.responses = new ResponsesApi(context);
    this.messages = new MessagesApi(context);
  }

  /**
   * The same requests and results over llama-server's OpenAI Responses endpoint ({@code POST
   * /v1/responses}), with every face.
   *
   * @return the Responses facet
   */
  public ResponsesApi responses() {
    return responses;
  }

  /**
   * The same requests and results over llama-server's Anthropic-style Messages endpoint ({@code
   * POST /v1/messages}), with every face, and its token count.
   *
   * @return the Messages facet
   */
  public MessagesApi messages() {
    return messages;
  }

  @Override
  Request streamed(ChatRequest request) {
    return context.chat(request, true);
  }

  @Override
  void precheck(ChatRequest request) {
    context.checkModalities(request);
  }

  @Override
  StreamDecoder<ChatResult> decoder() {
    return new ChatChunkDecoder(context.maxResponseChars());
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
   * Sends a chat request with {@code stream:false} and reads the single JSON reply: {@code
   * message.content}, {@code reasoning_content}, {@code tool_calls}, {@code finish_reason}, {@code
   * usage} (always present here) and {@code timings}. Unlike {@link #call(Object) call}, nothing
   * arrives until generation ends, so the response timeout covers the whole generation and the idle
   * timeout does not apply; the client's stream limit ({@link
   * LlamaClientBuilder#maxConcurrentStreams(int)}) does not count it. Interrupting the thread cancels
   * the request, and llama-server stops generating.
   *
   * @param request the request
   * @return the reply
   * @throws NullPointerException if {@code request} is null
   * @throws LlamaException a subtype saying what failed
   */
  public ChatResult callNonStreaming(ChatRequest request) {
    Objects.requireNonNull(request, "request");
    Request http = context.chat(request, false);
    context.checkModalities(request);
    return JsonCall.json(context, http, Replies::chat);
  }

  /**
   * Runs a tool loop with default settings: see {@link ToolLoop}, whose builder sets the rest. Needs
   * llama-server with {@code --jinja}.
   *
   * @param request the first request, offering tools
   * @param executor runs each call, on this thread
   * @param maxRounds the most replies to stream, 1 or more
   * @return the last reply and the whole conversation
   * @throws IllegalArgumentException if {@code maxRounds} is less than 1
   * @throws ToolRoundsExceededException if the last allowed reply still calls tools
   * @throws LlamaException if a stream fails
   */
  public ToolLoopResult runTools(ChatRequest request, ToolExecutor executor, int maxRounds) {
    return ToolLoop.over(this).executor(executor).maxRounds(maxRounds).build().run(request);
  }
}
