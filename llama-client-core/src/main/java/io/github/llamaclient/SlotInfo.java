package io.github.llamaclient;

import java.util.Objects;

/**
 * One slot as {@code GET /slots} reports it.
 *
 * @param id the slot id
 * @param contextSize {@code n_ctx}
 * @param speculative whether speculative decoding is on
 * @param processing {@code is_processing}: whether it serves a request now
 * @param taskId {@code id_task}, the last task
 * @param hasNextToken {@code next_token[0].has_next_token}
 * @param remaining {@code next_token[0].n_remain}
 * @param decoded {@code next_token[0].n_decoded}
 * @param paramsJson the slot's sampling {@code params} as JSON text
 */
public record SlotInfo(
    int id,
    int contextSize,
    boolean speculative,
    boolean processing,
    int taskId,
    boolean hasNextToken,
    int remaining,
    int decoded,
    String paramsJson) {
  /**
   * Checks the components.
   *
   * @param id the id
   * @param contextSize the context size
   * @param speculative speculative decoding
   * @param processing busy
   * @param taskId the task
   * @param hasNextToken has a next token
   * @param remaining tokens remaining
   * @param decoded tokens decoded
   * @param paramsJson the params
   */
  public SlotInfo {
    Objects.requireNonNull(paramsJson, "paramsJson");
  }
}
