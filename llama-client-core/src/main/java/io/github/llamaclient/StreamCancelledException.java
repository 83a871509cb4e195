package io.github.llamaclient;

/**
 * The stream was cancelled by its consumer: closed, cancelled through its handle or subscription,
 * or the consuming thread was interrupted. The HTTP exchange was closed, so llama-server stopped
 * generating.
 */
public final class StreamCancelledException extends LlamaException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message how the stream was cancelled
   */
  public StreamCancelledException(String message) {
    super(message);
  }
}
