package io.github.llamaclient;

import io.github.llamaclient.internal.exchange.Secrets;
import org.jspecify.annotations.Nullable;

/**
 * The server sent something that is not llama-server's protocol: a line that is not valid JSON, a
 * chunk of an unexpected shape, a line over the configured length limit, an unexpected content
 * type. Carries the offending line, truncated to 200 characters, with the client's API key and
 * base-URL credentials replaced by {@code ***}, should the server echo them.
 */
public final class LlamaProtocolException extends LlamaException {
  private static final long serialVersionUID = 1L;

  private final String what;
  private final String offendingLine;

  /**
   * Creates the exception.
   *
   * @param message what was wrong
   * @param offendingLine the line, truncated
   */
  public LlamaProtocolException(String message, String offendingLine) {
    this(message, offendingLine, null);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what was wrong
   * @param offendingLine the line, truncated
   * @param cause the parse error, if any
   */
  public LlamaProtocolException(String message, String offendingLine, @Nullable Throwable cause) {
    super(message + ": " + offendingLine, cause);
    this.what = message;
    this.offendingLine = offendingLine;
  }

  /**
   * The offending line, truncated to 200 characters.
   *
   * @return the line
   */
  public String offendingLine() {
    return offendingLine;
  }

  @Override
  LlamaException redactedWith(Secrets secrets) {
    if (!secrets.appearsIn(this)) {
      return this;
    }
    return secrets.sameTrace(
        this,
        new LlamaProtocolException(
            secrets.redact(what), secrets.redact(offendingLine), secrets.redactCause(getCause())));
  }
}
