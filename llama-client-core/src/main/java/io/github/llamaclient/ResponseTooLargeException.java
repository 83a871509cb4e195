package io.github.llamaclient;

/**
 * The reply grew past the client's bound on accumulated text (see {@link
 * LlamaClient.Builder#maxResponseChars(int)}); the exchange was closed so the client's memory stays
 * bounded.
 */
public final class ResponseTooLargeException extends LlamaException {
  private static final long serialVersionUID = 1L;

  private final long limit;

  /**
   * Creates the exception.
   *
   * @param limit the configured limit in characters
   */
  public ResponseTooLargeException(long limit) {
    super("the reply exceeded the limit of " + limit + " accumulated characters; the stream was closed");
    this.limit = limit;
  }

  /**
   * The configured limit in characters.
   *
   * @return the limit
   */
  public long limit() {
    return limit;
  }
}
