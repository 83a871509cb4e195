package io.github.llamaclient;

import io.github.llamaclient.internal.exchange.Secrets;
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
 * No message ever contains the API key or the credentials of the base URL, not even where it
 * quotes what the server sent back: they are replaced by {@code ***}.
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

  /**
   * This exception as a caller may see it: the client's secrets taken out of its message and its
   * causes' messages (a copy, with the same stack trace), or this exception itself when it holds
   * none. The client passes every failure through here before a caller can see it. Subtypes whose
   * messages quote what a server sent override it ({@link LlamaStreamException}, {@link
   * LlamaProtocolException}, {@link StreamInterruptedException}); {@link LlamaHttpException} is
   * built redacted; the other subtypes never quote the server.
   */
  LlamaException redactedWith(Secrets secrets) {
    if (getClass() != LlamaException.class || !secrets.appearsIn(this)) {
      return this;
    }
    return secrets.sameTrace(
        this, new LlamaException(secrets.redact(String.valueOf(getMessage())), secrets.redactCause(getCause())));
  }
}
