package io.github.llamaclient;

/**
 * The server sent something that is not llama-server's protocol: a line that is not valid JSON, a
 * chunk of an unexpected shape, a line over the configured length limit, an unexpected content
 * type. Carries the offending line, truncated to 200 characters.
 */
public final class LlamaProtocolException extends LlamaException {
  private static final long serialVersionUID = 1L;

  private final String offendingLine;

  /**
   * Creates the exception.
   *
   * @param message what was wrong
   * @param offendingLine the line, truncated
   */
  public LlamaProtocolException(String message, String offendingLine) {
    super(message + ": " + offendingLine);
    this.offendingLine = offendingLine;
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what was wrong
   * @param offendingLine the line, truncated
   * @param cause the parse error
   */
  public LlamaProtocolException(String message, String offendingLine, Throwable cause) {
    super(message + ": " + offendingLine, cause);
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
}
