package io.github.llamaclient;

import io.github.llamaclient.internal.exchange.Secrets;

/**
 * llama-server reported an error after streaming began: one {@code data: {"error":{...}}} event,
 * then the body ended without {@code [DONE]}. The HTTP status was 200.
 *
 * <p>The server's message is quoted with the client's API key and base-URL credentials replaced by
 * {@code ***}, should the server echo them.
 */
public final class LlamaStreamException extends LlamaException {
  private static final long serialVersionUID = 1L;

  private final int code;
  private final String errorType;
  private final String serverMessage;
  private final String partialText;

  /**
   * Creates the exception.
   *
   * @param code the error's {@code code}
   * @param errorType the error's {@code type}
   * @param serverMessage the error's {@code message}
   * @param partialText the answer text received before the error
   */
  public LlamaStreamException(int code, String errorType, String serverMessage, String partialText) {
    super(
        "llama-server reported an error mid-stream: "
            + code
            + " "
            + errorType
            + ": "
            + serverMessage
            + " (after "
            + partialText.length()
            + " characters of text)");
    this.code = code;
    this.errorType = errorType;
    this.serverMessage = serverMessage;
    this.partialText = partialText;
  }

  /**
   * The error's {@code code}, an HTTP-like status such as 500.
   *
   * @return the code
   */
  public int code() {
    return code;
  }

  /**
   * The error's {@code type}, such as {@code server_error}.
   *
   * @return the type
   */
  public String errorType() {
    return errorType;
  }

  /**
   * The error's {@code message}.
   *
   * @return the message
   */
  public String serverMessage() {
    return serverMessage;
  }

  /**
   * The answer text received before the error.
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
    return secrets.sameTrace(
        this,
        new LlamaStreamException(code, secrets.redact(errorType), secrets.redact(serverMessage), partialText));
  }
}
