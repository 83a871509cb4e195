package io.github.llamaclient;

import org.jspecify.annotations.Nullable;

/**
 * llama-server's {@code timings}: how long the prompt and the generation took. A rate the server
 * could not compute (division by zero) is {@link Double#NaN}.
 *
 * @param cacheN prompt tokens reused from the slot's cache ({@code cache_n})
 * @param promptN prompt tokens evaluated ({@code prompt_n})
 * @param promptMs time to evaluate them ({@code prompt_ms})
 * @param promptPerTokenMs {@code prompt_per_token_ms}
 * @param promptPerSecond {@code prompt_per_second}
 * @param predictedN tokens generated ({@code predicted_n})
 * @param predictedMs time to generate them ({@code predicted_ms})
 * @param predictedPerTokenMs {@code predicted_per_token_ms}
 * @param predictedPerSecond generation speed ({@code predicted_per_second})
 * @param draftN tokens drafted by speculative decoding, or null when no drafting ran
 * @param draftNAccepted drafted tokens accepted, or null when no drafting ran
 */
public record Timings(
    int cacheN,
    int promptN,
    double promptMs,
    double promptPerTokenMs,
    double promptPerSecond,
    int predictedN,
    double predictedMs,
    double predictedPerTokenMs,
    double predictedPerSecond,
    @Nullable Integer draftN,
    @Nullable Integer draftNAccepted) {}
