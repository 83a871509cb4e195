package io.github.llamaclient;

import org.jspecify.annotations.Nullable;

/**
 * Root of every exception thrown by llama-client. Unchecked, because streams, publishers and
 * callbacks cannot carry checked exceptions; every method documents which subtypes it throws.
 *
 * <p>Subtypes carry data, not just text: {@link LlamaHttpException} (an HTTP error status with
 * llama-server's error type), {@link LlamaStreamException} (an error event after streaming began),
 * {@link StreamInterruptedException} (the body ended early, with the text received so far),
 * {@link LlamaProtocolException} (the server sent something that is not llama-server's protocol),
 * {@link LlamaTimeoutException} (a limit was hit), {@link LlamaConnectException} (nobody answered),
 * {@link StreamCancelledException} (the caller cancelled) and {@link ResponseTooLargeException}.
 * No message ever contains the API key.
 */
public class LlamaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param message what happened
   * @param cause the underlying cause, if any
   */
  public LlamaException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }

  /**
   * Creates an exception without a cause.
   *
   * @param message what happened
   */
  public LlamaException(String message) {
    super(message);
  }
}
