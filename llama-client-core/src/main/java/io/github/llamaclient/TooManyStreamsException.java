package io.github.llamaclient;

/**
 * A stream was refused at once because the client's limit on concurrent streams was reached and
 * its wait queue was full ({@link LlamaClientBuilder#maxConcurrentStreams(int)}, {@link
 * LlamaClientBuilder#maxQueuedStreams(int)}). Nothing was sent to the server.
 */
public final class TooManyStreamsException extends LlamaException {
  private static final long serialVersionUID = 1L;

  private final int maxConcurrent;
  private final int maxQueued;

  /**
   * Creates the exception.
   *
   * @param maxConcurrent the limit on running streams
   * @param maxQueued the limit on waiting streams
   */
  public TooManyStreamsException(int maxConcurrent, int maxQueued) {
    super(
        "too many streams: "
            + maxConcurrent
            + " running and "
            + maxQueued
            + " waiting already (raise maxConcurrentStreams or maxQueuedStreams, or retry later)");
    this.maxConcurrent = maxConcurrent;
    this.maxQueued = maxQueued;
  }

  /**
   * The limit on running streams.
   *
   * @return the limit
   */
  public int maxConcurrent() {
    return maxConcurrent;
  }

  /**
   * The limit on waiting streams.
   *
   * @return the limit
   */
  public int maxQueued() {
    return maxQueued;
  }
}
