package io.github.llamaclient;

import java.net.URI;
import org.jspecify.annotations.Nullable;

/**
 * llama-server answered with an HTTP error status (400 and above), before any event was streamed.
 *
 * <p>llama-server's error body {@code {"error":{"code","message","type"}}} is parsed: {@link
 * #errorType()} is its {@code type} (for example {@code invalid_request_error}, {@code
 * authentication_error}, {@code unavailable_error}) and {@link #serverMessage()} its {@code
 * message}. A context overflow is the subclass {@link ContextSizeExceededException}; a feature the
 * server has not enabled (501) is {@link NotSupportedException}.
 */
public class LlamaHttpException extends LlamaException {
  private static final long serialVersionUID = 1L;

  private final int statusCode;
  private final @Nullable String errorType;
  private final @Nullable String serverMessage;
  private final String body;
  private final URI uri;

  /**
   * Creates the exception.
   *
   * @param uri the URI requested
   * @param statusCode the HTTP status
   * @param errorType llama-server's error {@code type}, if the body had one
   * @param serverMessage llama-server's error {@code message}, if the body had one
   * @param body the response body as text (truncated to 2,000 characters)
   */
  public LlamaHttpException(
      URI uri,
      int statusCode,
      @Nullable String errorType,
      @Nullable String serverMessage,
      String body) {
    this(describe(uri, statusCode, errorType, serverMessage, body), uri, statusCode, errorType, serverMessage, body);
  }

  /**
   * Creates the exception with a message of the subclass's choosing.
   *
   * @param message the full message
   * @param uri the URI requested
   * @param statusCode the HTTP status
   * @param errorType llama-server's error {@code type}, if the body had one
   * @param serverMessage llama-server's error {@code message}, if the body had one
   * @param body the response body as text (truncated to 2,000 characters)
   */
  protected LlamaHttpException(
      String message,
      URI uri,
      int statusCode,
      @Nullable String errorType,
      @Nullable String serverMessage,
      String body) {
    super(message);
    this.uri = uri;
    this.statusCode = statusCode;
    this.errorType = errorType;
    this.serverMessage = serverMessage;
    this.body = body.length() > 2000 ? body.substring(0, 2000) + "…" : body;
  }

  static String describe(
      URI uri, int status, @Nullable String type, @Nullable String message, String body) {
    StringBuilder sb = new StringBuilder("llama-server answered HTTP ").append(status);
    if (type != null) {
      sb.append(" ").append(type);
    }
    sb.append(" for ").append(uri);
    if (message != null) {
      sb.append(": ").append(message);
    } else if (!body.isBlank()) {
      sb.append(": ").append(body.length() > 300 ? body.substring(0, 300) + "…" : body);
    }
    if (status == 401) {
      sb.append(" (set the API key with LlamaClient.builder().apiKey(...) or LLAMA_API_KEY)");
    } else if (status == 503 && "unavailable_error".equals(type)) {
      sb.append(" (the model is still loading; LlamaClient.awaitReady(...) waits for it)");
    }
    return sb.toString();
  }

  /**
   * The HTTP status code.
   *
   * @return the status, 400 or above
   */
  public int statusCode() {
    return statusCode;
  }

  /**
   * llama-server's error {@code type}.
   *
   * @return the type, or null if the body was not llama-server's error JSON
   */
  public @Nullable String errorType() {
    return errorType;
  }

  /**
   * llama-server's error {@code message}.
   *
   * @return the message, or null if the body was not llama-server's error JSON
   */
  public @Nullable String serverMessage() {
    return serverMessage;
  }

  /**
   * The response body as text, truncated to 2,000 characters.
   *
   * @return the body
   */
  public String body() {
    return body;
  }

  /**
   * The URI that was requested.
   *
   * @return the URI
   */
  public URI uri() {
    return uri;
  }
}
