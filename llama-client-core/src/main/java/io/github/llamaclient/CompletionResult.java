package io.github.llamaclient;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A whole raw completion: what {@link LlamaClient#complete(CompletionRequest)} returns and what a
 * {@link CompletionStream} adds up to.
 *
 * @param content the generated text
 * @param finishReason why generation stopped ({@code stop_type} {@code eos}/{@code word} give
 *     {@code STOP}, {@code limit} gives {@code LENGTH})
 * @param stopType native {@code stop_type}: {@code eos}, {@code word}, {@code limit} or {@code
 *     none}; empty for {@code /v1/completions}
 * @param stoppingWord the stop string that matched ({@code stopping_word}), empty if none
 * @param truncated whether the prompt was truncated to fit the context
 * @param tokensCached {@code tokens_cached}: tokens of the slot's cache after the request
 * @param tokensPredicted {@code tokens_predicted}
 * @param tokensEvaluated {@code tokens_evaluated}: prompt tokens evaluated
 * @param idSlot the slot that served it, -1 if not reported
 * @param usage {@code usage} ({@code /v1/completions} only), else null
 * @param timings llama-server's timings, or null if none were sent
 * @param model the model the server reported, empty if none
 */
public record CompletionResult(
    String content,
    FinishReason finishReason,
    String stopType,
    String stoppingWord,
    boolean truncated,
    int tokensCached,
    int tokensPredicted,
    int tokensEvaluated,
    int idSlot,
    @Nullable Usage usage,
    @Nullable Timings timings,
    String model) {
  /**
   * Checks the components.
   *
   * @param content the content
   * @param finishReason the finish reason
   * @param stopType the stop type
   * @param stoppingWord the stopping word
   * @param truncated truncated
   * @param tokensCached tokens cached
   * @param tokensPredicted tokens predicted
   * @param tokensEvaluated tokens evaluated
   * @param idSlot the slot
   * @param usage the usage
   * @param timings the timings
   * @param model the model
   */
  public CompletionResult {
    Objects.requireNonNull(content, "content");
    Objects.requireNonNull(finishReason, "finishReason");
    Objects.requireNonNull(stopType, "stopType");
    Objects.requireNonNull(stoppingWord, "stoppingWord");
    Objects.requireNonNull(model, "model");
  }
}
