package io.github.llamaclient;

import java.net.URI;
import org.jspecify.annotations.Nullable;

/**
 * HTTP 501 {@code not_supported_error}: the server runs without the feature this call needs. The
 * message names the server flag that turns it on (for example {@code --metrics}, {@code
 * --slot-save-path}, {@code --embeddings}).
 */
public final class NotSupportedException extends LlamaHttpException {
  private static final long serialVersionUID = 1L;

  private final String serverFlag;

  /**
   * Creates the exception.
   *
   * @param uri the URI requested
   * @param serverMessage llama-server's message
   * @param body the response body
   * @param serverFlag the llama-server flag that enables the feature, or a description of it
   */
  public NotSupportedException(URI uri, @Nullable String serverMessage, String body, String serverFlag) {
    super(
        describe(uri, 501, "not_supported_error", serverMessage, body)
            + " (start llama-server with "
            + serverFlag
            + ")",
        uri,
        501,
        "not_supported_error",
        serverMessage,
        body);
    this.serverFlag = serverFlag;
  }

  /**
   * The llama-server flag that enables the feature.
   *
   * @return the flag, for example {@code --metrics}
   */
  public String serverFlag() {
    return serverFlag;
  }
}
