package io.github.llamaclient;

import java.net.URI;
import org.jspecify.annotations.Nullable;

/**
 * llama-server answered with a status other than 2xx, before any event was streamed: an error
 * (4xx, 5xx), or a redirect (3xx), which the client does not follow ({@link #location()} says
 * where it pointed).
 *
 * <p>llama-server's error body {@code {"error":{"code","message","type"}}} is parsed: {@link
 * #errorType()} is its {@code type} (for example {@code invalid_request_error}, {@code
 * authentication_error}, {@code unavailable_error}) and {@link #serverMessage()} its {@code
 * message}. A context overflow is the subclass {@link ContextSizeExceededException}; a feature the
 * server has not enabled (501) is {@link NotSupportedException}.
 *
 * <p>Built by the client, everything here that the server sent (the message, the body, the error
 * type, the {@code Location}) has the client's API key and base-URL credentials replaced by {@code
 * ***}, and the {@code Location} has no user information.
 */
public class LlamaHttpException extends LlamaException {
  private static final long serialVersionUID = 1L;

  private final int statusCode;
  private final @Nullable String errorType;
  private final @Nullable String serverMessage;
  private final String body;
  private final URI uri;
  private final @Nullable String location;

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
    this(uri, statusCode, errorType, serverMessage, body, null);
  }

  /**
   * Creates the exception for a response that may be a redirect.
   *
   * @param uri the URI requested
   * @param statusCode the HTTP status
   * @param errorType llama-server's error {@code type}, if the body had one
   * @param serverMessage llama-server's error {@code message}, if the body had one
   * @param body the response body as text (truncated to 2,000 characters)
   * @param location the response's {@code Location} header, if it had one
   */
  public LlamaHttpException(
      URI uri,
      int statusCode,
      @Nullable String errorType,
      @Nullable String serverMessage,
      String body,
      @Nullable String location) {
    this(
        describe(uri, statusCode, errorType, serverMessage, body, location),
        uri,
        statusCode,
        errorType,
        serverMessage,
        body,
        location);
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
    this(message, uri, statusCode, errorType, serverMessage, body, null);
  }

  private LlamaHttpException(
      String message,
      URI uri,
      int statusCode,
      @Nullable String errorType,
      @Nullable String serverMessage,
      String body,
      @Nullable String location) {
    super(message);
    this.uri = uri;
    this.statusCode = statusCode;
    this.errorType = errorType;
    this.serverMessage = serverMessage;
    this.body = body.length() > 2000 ? body.substring(0, 2000) + "…" : body;
    this.location = location;
  }

  static String describe(
      URI uri, int status, @Nullable String type, @Nullable String message, String body) {
    return describe(uri, status, type, message, body, null);
  }

  static String describe(
      URI uri,
      int status,
      @Nullable String type,
      @Nullable String message,
      String body,
      @Nullable String location) {
    StringBuilder sb = new StringBuilder("llama-server answered HTTP ").append(status);
    if (type != null) {
      sb.append(" ").append(type);
    }
    sb.append(" for ").append(uri);
    if (status >= 300 && status < 400) {
      sb.append(location == null ? ", a redirect without a Location" : ", a redirect to " + location)
          .append(" (not followed: set the base URL to the server's address)");
      return sb.toString();
    }
    if (message != null) {
      sb.append(": ").append(message);
    } else if (!body.isBlank()) {
      sb.append(": ").append(body.length() > 300 ? body.substring(0, 300) + "…" : body);
    }
    if (status == 401) {
      sb.append(" (set the API key with LlamaClient.builder().apiKey(...) or LLAMA_API_KEY)");
    } else if (status == 503 && "unavailable_error".equals(type)) {
      sb.append(" (the model is still loading; client.server().awaitReady(...) waits for it)");
    }
    return sb.toString();
  }

  /**
   * The HTTP status code.
   *
   * @return the status: from 100 to 599, never 2xx
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

  /**
   * The response's {@code Location} header: where a redirect (3xx) pointed. The client does not
   * follow redirects; user information in it is replaced by {@code ***}.
   *
   * @return the location, or null if the response had none
   */
  public @Nullable String location() {
    return location;
  }
}
