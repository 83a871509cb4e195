package io.github.llamaclient;

import java.util.List;
import java.util.Objects;

/**
 * One generated token with its log-probability and the most likely alternatives.
 *
 * @param id the token id
 * @param token the token's text (may be a partial UTF-8 sequence shown with U+FFFD; see {@code
 *     bytes})
 * @param logprob the natural log of its probability
 * @param bytes the token's raw bytes (0 to 255 each), empty if the server sent none
 * @param top the most likely candidates at this position, most likely first; empty if none were
 *     asked for
 */
public record TokenLogprob(int id, String token, double logprob, List<Integer> bytes, List<Alternative> top) {

  /**
   * Checks the components and copies the lists.
   *
   * @param id the id
   * @param token the token
   * @param logprob the logprob
   * @param bytes the bytes
   * @param top the top
   */
  public TokenLogprob {
    Objects.requireNonNull(token, "token");
    bytes = List.copyOf(bytes);
    top = List.copyOf(top);
  }

  /**
   * The probability, {@code exp(logprob)}.
   *
   * @return a value from 0 to 1
   */
  public double probability() {
    return Math.exp(logprob);
  }

  /**
   * A candidate token at one position.
   *
   * @param id the token id
   * @param token the token's text
   * @param logprob the natural log of its probability
   * @param bytes the token's raw bytes, empty if the server sent none
   */
  public record Alternative(int id, String token, double logprob, List<Integer> bytes) {
    /**
     * Checks the components and copies the list.
     *
     * @param id the id
     * @param token the token
     * @param logprob the logprob
     * @param bytes the bytes
     */
    public Alternative {
      Objects.requireNonNull(token, "token");
      bytes = List.copyOf(bytes);
    }
  }
}
