package io.github.llamaclient.internal.json;

import io.github.llamaclient.*;
import io.github.llamaclient.internal.exchange.Secrets;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * The status rule both transports and the small endpoints share, and the mapping of llama-server's
 * error responses to typed exceptions.
 */
public final class HttpErrors {
  private HttpErrors() {}

  /**
   * Whether a status is a success: 2xx. Anything else, redirects included, is a failure.
   *
   * @param status the status code
   * @return true for 200 to 299
   */
  public static boolean isSuccess(int status) {
    return status >= 200 && status <= 299;
  }

  /**
   * Whether a status code can be one at all: three digits, 100 to 599 (RFC 9110). The JDK's client
   * reads any three digits; its {@code HTTP/1.1 2000} is 200, which nothing after it can tell.
   *
   * @param status the status code
   * @return true for 100 to 599
   */
  public static boolean isValid(int status) {
    return status >= 100 && status <= 599;
  }

  /**
   * How many bytes of a response with this status are read for its exception: a success is not
   * failed by status, an error's body carries llama-server's message, anything else (a redirect, a
   * status that is no status) is failed on its head and its body not read.
   *
   * @param status the status code
   * @param max the bound for an error body
   * @return 0, or {@code max}
   */
  public static int bodyBytesFor(int status, int max) {
    return isValid(status) && status >= 400 ? max : 0;
  }

  /**
   * The exception for a response whose status is not a success: {@link LlamaProtocolException}
   * for a status that is no HTTP status, else {@link LlamaHttpException} or a subclass, everything
   * quoted from the server redacted.
   *
   * @param uri the URI requested (without credentials)
   * @param status the status code, not 2xx
   * @param body the body read (see {@link #bodyBytesFor(int, int)})
   * @param location the {@code Location} header, or null or empty if none
   * @param secrets the client's secrets
   * @return the exception
   */
  public static LlamaException failure(
      URI uri, int status, byte[] body, @Nullable String location, Secrets secrets) {
    if (!isValid(status)) {
      return new LlamaProtocolException(
          "the response from " + uri + " has no valid HTTP status (3 digits, 100 to 599)", String.valueOf(status));
    }
    return toException(uri, status, body, location, secrets);
  }

  /**
   * Maps an error response to its typed exception.
   *
   * @param uri the URI requested (without credentials)
   * @param status the status code, 100 to 599 and not 2xx
   * @param body the body read
   * @param location the {@code Location} header, or null or empty if none
   * @param secrets the client's secrets, replaced in everything quoted from the server
   * @return the exception: a {@link LlamaHttpException} or a subclass, or {@link
   *     ModalityNotSupportedException} (its cause the HTTP exception) when llama-server says it takes
   *     no image or audio input
   */
  public static LlamaException toException(
      URI uri, int status, byte[] body, @Nullable String location, Secrets secrets) {
    String text = secrets.redact(new String(body, StandardCharsets.UTF_8));
    String where = location == null || location.isEmpty() ? null : secrets.redactUrl(location);
    if (where != null && where.length() > 300) {
      where = secrets.redact(where.substring(0, 300) + "…");
    }
    Json.ErrorBody e = Json.parseErrorBody(body);
    if (e == null) {
      return new LlamaHttpException(uri, status, null, null, text, where);
    }
    String type = secrets.redactNullable(e.type());
    String message = secrets.redactNullable(e.message());
    if ("exceed_context_size_error".equals(type) && e.nPromptTokens() != null && e.nCtx() != null) {
      return new ContextSizeExceededException(uri, status, message, text, e.nPromptTokens(), e.nCtx());
    }
    if (status == 501 || "not_supported_error".equals(type)) {
      return new NotSupportedException(uri, message, text, flagFor(uri, message));
    }
    LlamaHttpException http = new LlamaHttpException(uri, status, type, message, text, where);
    String modality = modality(message);
    if (modality != null) {
      return new ModalityNotSupportedException(modality, uri.toString(), http);
    }
    return http;
  }

  /**
   * The input named by llama-server's refusal of media without a projector ("image input is not
   * supported - hint: if this is unexpected, you may need to provide the mmproj"), or null.
   */
  private static @Nullable String modality(@Nullable String message) {
    if (message == null || !message.contains("mmproj")) {
      return null;
    }
    if (message.startsWith("image input is not supported")) {
      return "image";
    }
    if (message.startsWith("audio input is not supported")) {
      return "audio";
    }
    return null;
  }

  /** The llama-server flag that enables the feature behind a 501 at this path. */
  public static String flagFor(URI uri, @org.jspecify.annotations.Nullable String message) {
    String path = uri.getPath() == null ? "" : uri.getPath();
    String m = message == null ? "" : message.toLowerCase(java.util.Locale.ROOT);
    if (path.endsWith("/metrics")) {
      return "--metrics";
    }
    if (path.contains("/slots")) {
      return m.contains("save") || uri.getQuery() != null ? "--slot-save-path <dir>" : "--slots";
    }
    if (path.contains("embedding")) {
      return "--embeddings";
    }
    if (path.contains("rerank")) {
      return "--reranking (and an embedding model with rank pooling)";
    }
    if (path.endsWith("/props")) {
      return "--props";
    }
    if (path.endsWith("/infill")) {
      return "a model with fill-in-the-middle tokens";
    }
    return "the feature enabled";
  }
}
