package io.github.llamaclient.internal.json;

import io.github.llamaclient.ResponseTooLargeException;
import io.github.llamaclient.TokenLogprob;
import java.util.List;

/**
 * The one memory budget of a stream: everything a decoder keeps for the result (answer text,
 * reasoning, tool-call names, ids and arguments, token probabilities) is charged here before it is
 * kept, against the client's {@code maxResponseChars}. One instance per decoder; not thread-safe.
 */
public final class Budget {
  /**
   * What one token of probabilities costs beyond its text and bytes: about the memory of its
   * objects, counted in characters, so that a flood of empty tokens is bounded too.
   */
  public static final int TOKEN_OVERHEAD = 16;

  private final long limit;
  private long used;

  /**
   * Creates an empty budget.
   *
   * @param limit the most characters the stream may accumulate
   */
  public Budget(long limit) {
    this.limit = limit;
  }

  /**
   * Charges {@code chars} characters of {@code what}.
   *
   * @throws ResponseTooLargeException if the total would pass the limit; nothing is charged then
   */
  public void charge(long chars, String what) {
    if (chars > limit - used) {
      throw new ResponseTooLargeException(limit, what);
    }
    used += chars;
  }

  /** Charges a list of token probabilities: each token and alternative, its text, bytes and overhead. */
  public void chargeTokens(List<TokenLogprob> tokens) {
    long n = 0;
    for (TokenLogprob t : tokens) {
      n += TOKEN_OVERHEAD + t.token().length() + t.bytes().size();
      for (TokenLogprob.Alternative a : t.top()) {
        n += TOKEN_OVERHEAD + a.token().length() + a.bytes().size();
      }
    }
    charge(n, "token probabilities");
  }

  /** The characters charged so far. */
  public long used() {
    return used;
  }
}
