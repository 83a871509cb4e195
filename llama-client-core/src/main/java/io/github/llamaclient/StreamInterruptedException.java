package io.github.llamaclient;

import io.github.llamaclient.internal.exchange.Secrets;

import org.jspecify.annotations.Nullable;

/**
 * The response body ended (or the connection broke) before the stream's end: no {@code [DONE]}, no
 * finish chunk and no error event. Carries the text received so far.
 */
public final class StreamInterruptedException extends LlamaException {
  private static final long serialVersionUID = 1L;

  private final String what;
  private final String partialText;

  /**
   * Creates the exception.
   *
   * @param message what happened
   * @param partialText the answer text received before the stream broke
   * @param cause the I/O error, if any
   */
  public StreamInterruptedException(String message, String partialText, @Nullable Throwable cause) {
    super(message + " (after " + partialText.length() + " characters of text)", cause);
    this.what = message;
    this.partialText = partialText;
  }

  /**
   * The answer text received before the stream broke.
   *
   * @return the partial text, possibly empty
   */
  public String partialText() {
    return partialText;
  }

  @Override
  LlamaException redactedWith(Secrets secrets) {
    if (!secrets.appearsIn(this)) {
      return this;
    }
    // the partial text is the model's answer, not something quoted in the message: kept as it is
    return secrets.sameTrace(
        this, new StreamInterruptedException(secrets.redact(what), partialText, secrets.redactCause(getCause())));
  }
}
