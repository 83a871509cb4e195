package io.github.llamaclient;

import java.net.URI;
import org.jspecify.annotations.Nullable;

/**
 * The prompt does not fit the slot's context: llama-server's {@code exceed_context_size_error}
 * (HTTP 400). Shorten the history, or start the server with a larger {@code -c}.
 */
public final class ContextSizeExceededException extends LlamaHttpException {
  private static final long serialVersionUID = 1L;

  private final int promptTokens;
  private final int contextSize;

  /**
   * Creates the exception.
   *
   * @param uri the URI requested
   * @param statusCode the HTTP status (400)
   * @param serverMessage llama-server's message
   * @param body the response body
   * @param promptTokens {@code n_prompt_tokens}: how many tokens the prompt has
   * @param contextSize {@code n_ctx}: how many fit
   */
  public ContextSizeExceededException(
      URI uri,
      int statusCode,
      @Nullable String serverMessage,
      String body,
      int promptTokens,
      int contextSize) {
    super(
        describe(uri, statusCode, "exceed_context_size_error", serverMessage, body)
            + " [prompt "
            + promptTokens
            + " tokens, context "
            + contextSize
            + "]",
        uri,
        statusCode,
        "exceed_context_size_error",
        serverMessage,
        body);
    this.promptTokens = promptTokens;
    this.contextSize = contextSize;
  }

  /**
   * The prompt's size in tokens ({@code n_prompt_tokens}).
   *
   * @return the token count
   */
  public int promptTokens() {
    return promptTokens;
  }

  /**
   * The context size of the slot ({@code n_ctx}).
   *
   * @return the context size in tokens
   */
  public int contextSize() {
    return contextSize;
  }
}
