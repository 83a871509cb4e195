package io.github.llamaclient;

import java.net.URI;

/**
 * Nothing answered at the server's address (connection refused, unknown host, network
 * unreachable). The message names the URL and says how to start llama-server.
 */
public final class LlamaConnectException extends LlamaException {
  private static final long serialVersionUID = 1L;

  private final URI uri;

  /**
   * Creates the exception.
   *
   * @param uri the URI that was tried
   * @param cause the I/O error
   */
  public LlamaConnectException(URI uri, Throwable cause) {
    super(
        "cannot connect to llama-server at "
            + uri
            + " ("
            + cause
            + "). Is it running? Start one with: llama-server -hf <user>/<model>-GGUF --port "
            + (uri.getPort() < 0 ? 8080 : uri.getPort())
            + "  (or -m <file.gguf>)",
        cause);
    this.uri = uri;
  }

  /**
   * The URI that was tried.
   *
   * @return the URI
   */
  public URI uri() {
    return uri;
  }
}
