package io.github.llamaclient;

/**
 * Token counts of one reply ({@code usage}). Streamed replies carry it only when the request set
 * {@link ChatRequest.Builder#includeUsage(boolean)}; {@link Timings} carry similar counts always.
 *
 * @param promptTokens tokens in the prompt
 * @param completionTokens tokens generated
 * @param totalTokens the sum
 * @param cachedTokens prompt tokens taken from the prompt cache, or 0 if not reported
 */
public record Usage(int promptTokens, int completionTokens, int totalTokens, int cachedTokens) {}
