package io.github.llamaclient;

import io.github.llamaclient.internal.exchange.Exchange;
import io.github.llamaclient.internal.exchange.Request;
import io.github.llamaclient.internal.json.CompletionDecoder;
import io.github.llamaclient.internal.json.StreamDecoder;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Fill-in-the-middle, streamed ({@code POST /infill}): the faces of {@link StreamingApi} with an
 * {@link InfillRequest}. The reply has native {@code /completion} form (no {@code [DONE]}: the
 * stream ends after the {@code stop:true} event), so the events and the {@link CompletionResult}
 * are those of {@link CompletionsApi}. Needs a model with FIM tokens, else {@link
 * NotSupportedException}. Get it from {@link CompletionsApi#infill()}.
 *
 * <pre>{@code
 * try (Stream<String> text = client.completions().infill().textStream(request)) {
 *   text.forEach(editor::insert);
 * }
 * }</pre>
 */
public final class InfillApi extends StreamingApi<InfillRequest, CompletionStream, CompletionResult> {

  InfillApi(ClientContext context) {
    super(context, CompletionResult.class);
  }

  @Override
  Request streamed(InfillRequest request) {
    return post(request, true);
  }

  private Request post(InfillRequest request, boolean stream) {
    return context.post("/infill", request.body(stream), stream, false, request.settings().responseTimeout());
  }

  @Override
  StreamDecoder<CompletionResult> decoder() {
    return new CompletionDecoder(context.maxResponseChars(), false);
  }

  @Override
  CompletionStream pulled(PullSink<CompletionResult> sink, Exchange<CompletionResult> exchange) {
    return new CompletionStream(sink, exchange);
  }

  @Override
  @Nullable ChatEvent lastEvent(CompletionResult result) {
    return null;
  }

  /**
   * Sends the request with {@code stream:false} and waits for the whole result: nothing arrives
   * until generation ends, so the response timeout covers it all and the idle timeout does not
   * apply. Interrupting the thread cancels the request.
   *
   * @param request the request
   * @return the result
   * @throws NullPointerException if {@code request} is null
   * @throws LlamaException on failure ({@link NotSupportedException} without FIM tokens)
   */
  public CompletionResult callNonStreaming(InfillRequest request) {
    Objects.requireNonNull(request, "request");
    return JsonCall.json(context, post(request, false), CompletionDecoder::whole);
  }
}
