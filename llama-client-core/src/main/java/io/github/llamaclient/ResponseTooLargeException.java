package io.github.llamaclient;

/**
 * The reply grew past the client's bound on what one reply may accumulate (see {@link
 * LlamaClientBuilder#maxResponseChars(int)}: answer text, reasoning, tool-call names, ids and
 * arguments, and token probabilities, counted together); the exchange was closed so the client's
 * memory stays bounded.
 */
public final class ResponseTooLargeException extends LlamaException {
  private static final long serialVersionUID = 1L;

  private final long limit;
  private final String overflowed;

  /**
   * Creates the exception without saying what overflowed.
   *
   * @param limit the configured limit in characters
   */
  public ResponseTooLargeException(long limit) {
    this(limit, "the reply");
  }

  /**
   * Creates the exception.
   *
   * @param limit the configured limit in characters
   * @param overflowed what was being added when the limit was passed, for example {@code tool-call
   *     arguments}
   */
  public ResponseTooLargeException(long limit, String overflowed) {
    super(
        "the reply exceeded the limit of "
            + limit
            + " accumulated characters (maxResponseChars) while adding "
            + overflowed
            + "; the stream was closed");
    this.limit = limit;
    this.overflowed = overflowed;
  }

  /**
   * The configured limit in characters.
   *
   * @return the limit
   */
  public long limit() {
    return limit;
  }

  /**
   * What was being added when the limit was passed: {@code answer text}, {@code reasoning}, {@code
   * tool-call arguments}, {@code tool-call name}, {@code tool-call id}, {@code completion text},
   * {@code token probabilities}, or {@code the reply} (a reply that is not streamed, or not known).
   *
   * @return a short description
   */
  public String overflowed() {
    return overflowed;
  }
}
