package io.github.llamaclient;

import io.github.llamaclient.internal.exchange.Exchange;
import io.github.llamaclient.internal.exchange.Request;
import io.github.llamaclient.internal.json.CompletionDecoder;
import io.github.llamaclient.internal.json.StreamDecoder;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Raw completions, with no chat template: native {@code POST /completion} here (with {@code
 * prompt}, {@code n_predict}, {@code grammar}, {@code json_schema}, {@code n_probs}, {@code
 * id_slot}, {@code cache_prompt}; no {@code [DONE]}: the stream ends after the {@code stop:true}
 * event), OpenAI-style {@code POST /v1/completions} through {@link #openAi()}, and fill-in-the-middle
 * through {@link #infill(String, String, CompletionRequest)}. The faces are those of {@link
 * StreamingApi}. Get it from {@link LlamaClient#completions()}.
 *
 * <pre>{@code
 * CompletionRequest request = CompletionRequest.builder().prompt("The capital of France is").nPredict(8).build();
 * try (Stream<String> text = client.completions().textStream(request)) {
 *   text.forEach(System.out::print);
 * }
 * }</pre>
 */
public final class CompletionsApi extends StreamingApi<CompletionRequest, CompletionStream, CompletionResult> {
  private final boolean openAi;
  private final @Nullable CompletionsApi openAiFacet;
  private final InfillApi infill;

  CompletionsApi(ClientContext context) {
    this(context, false);
  }

  private CompletionsApi(ClientContext context, boolean openAi) {
    super(context, CompletionResult.class);
    this.openAi = openAi;
    this.openAiFacet = openAi ? null : new CompletionsApi(context, true);
    this.infill = new InfillApi(context);
  }

  /**
   * Fill-in-the-middle with every face ({@code POST /infill}, streamed): {@code
   * completions().infill().textStream(InfillRequest)} and the others of {@link StreamingApi}, with
   * {@code input_extra} typed ({@link InfillRequest}).
   *
   * @return the infill facet
   */
  public InfillApi infill() {
    return infill;
  }

  /**
   * The same faces over OpenAI-style {@code POST /v1/completions}: {@code choices[0].text}; the final
   * chunk carries {@code finish_reason}, {@code usage} and {@code timings}, then {@code [DONE]}.
   * {@code n_predict} is sent as {@code max_tokens}. {@link #callNonStreaming(CompletionRequest)}
   * and {@link #infill(String, String, CompletionRequest)} stay native on it.
   *
   * @return the OpenAI-style facet (this one, if it is already)
   */
  public CompletionsApi openAi() {
    CompletionsApi o = openAiFacet;
    return o == null ? this : o;
  }

  @Override
  Request streamed(CompletionRequest request) {
    return context.post(openAi ? "/v1/completions" : "/completion", body(request, true), true, false, request.responseTimeout());
  }

  @Override
  StreamDecoder<CompletionResult> decoder() {
    return new CompletionDecoder(context.maxResponseChars(), openAi);
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
   * Runs a native {@code /completion} with {@code stream:false} and waits for the whole result.
   * Nothing arrives until generation ends, so the response timeout covers it all and the idle
   * timeout does not apply. Interrupting the thread cancels the request.
   *
   * @param request the request; needs a prompt
   * @return the result
   * @throws NullPointerException if {@code request} is null
   * @throws IllegalArgumentException if the request has no prompt
   * @throws LlamaException on failure
   */
  public CompletionResult callNonStreaming(CompletionRequest request) {
    Objects.requireNonNull(request, "request");
    byte[] body = body(request, false);
    return JsonCall.json(
        context, context.post("/completion", body, false, false, request.responseTimeout()), CompletionDecoder::whole);
  }

  /**
   * Fill-in-the-middle ({@code POST /infill}, not streamed): the model writes what goes between a
   * prefix and a suffix. Needs a model with FIM tokens (else {@link NotSupportedException}). The
   * same as {@code infill().callNonStreaming(InfillRequest.builder(inputPrefix,
   * inputSuffix).settings(settings).build())}; {@link #infill()} streams, and takes {@code
   * input_extra}.
   *
   * @param inputPrefix the text before the gap
   * @param inputSuffix the text after the gap
   * @param settings other {@code /completion} fields (its prompt, if any, is sent as {@code prompt}:
   *     text placed right before the gap)
   * @return the result, in {@code /completion} form
   * @throws NullPointerException if an argument is null
   * @throws LlamaException on failure
   */
  public CompletionResult infill(String inputPrefix, String inputSuffix, CompletionRequest settings) {
    Objects.requireNonNull(inputPrefix, "inputPrefix");
    Objects.requireNonNull(inputSuffix, "inputSuffix");
    Objects.requireNonNull(settings, "settings");
    return infill.callNonStreaming(InfillRequest.builder(inputPrefix, inputSuffix).settings(settings).build());
  }

  private byte[] body(CompletionRequest request, boolean stream) {
    Objects.requireNonNull(request, "request");
    if (request.prompt() == null) {
      throw new IllegalArgumentException("a completion request needs a prompt");
    }
    return request.body(stream, openAi && stream, Map.of());
  }
}
