package io.github.llamaclient.internal.json;

import io.github.llamaclient.*;

import java.net.URI;
import java.nio.charset.StandardCharsets;

/** Maps llama-server's error responses to typed exceptions. */
public final class HttpErrors {
  private HttpErrors() {}

  public static LlamaHttpException toException(URI uri, int status, byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8);
    Json.ErrorBody e = Json.parseErrorBody(body);
    if (e == null) {
      return new LlamaHttpException(uri, status, null, null, text);
    }
    if ("exceed_context_size_error".equals(e.type()) && e.nPromptTokens() != null && e.nCtx() != null) {
      return new ContextSizeExceededException(uri, status, e.message(), text, e.nPromptTokens(), e.nCtx());
    }
    if (status == 501 || "not_supported_error".equals(e.type())) {
      return new NotSupportedException(uri, e.message(), text, flagFor(uri, e.message()));
    }
    return new LlamaHttpException(uri, status, e.type(), e.message(), text);
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
