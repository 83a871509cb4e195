package io.github.llamaclient.internal.exchange;

import java.net.URI;
import java.net.http.HttpRequest;
import org.jspecify.annotations.Nullable;

/**
 * One request as the engine sends it, on either transport.
 *
 * @param http the method, URI and headers (the JDK type, so the {@code java.net.http} transport
 *     sends it as it is; our HTTP/1.1 transport writes the same fields)
 * @param body the body bytes (empty for GET)
 * @param stream whether the reply is an event stream ({@code text/event-stream}) rather than one
 *     body to collect
 * @param idempotent whether sending it twice is harmless (GET, /tokenize, ...): such a request is
 *     sent again once if its connection failed before any response byte, on any transport
 * @param affinity the key that keeps related requests (one chat session's turns) on the same
 *     server of several, or null
 */
public record Request(HttpRequest http, byte[] body, boolean stream, boolean idempotent, @Nullable String affinity) {

  /**
   * A request without an affinity key.
   *
   * @param http the method, URI and headers
   * @param body the body bytes
   * @param stream whether the reply is an event stream
   * @param idempotent whether sending it twice is harmless
   */
  public Request(HttpRequest http, byte[] body, boolean stream, boolean idempotent) {
    this(http, body, stream, idempotent, null);
  }

  /**
   * This request aimed at another server: the same method, headers and body, the path appended to
   * {@code base} (which may carry a prefix such as {@code /llama}).
   *
   * @param base the other server's base URL
   * @param path the path (and query) below the base, starting with {@code /}
   * @return the request
   */
  public Request at(URI base, String path) {
    HttpRequest moved = HttpRequest.newBuilder(http, (name, value) -> true).uri(resolve(base, path)).build();
    return new Request(moved, body, stream, idempotent, affinity);
  }

  /**
   * A base URL with a path appended (the base may carry a prefix such as {@code /llama}).
   *
   * @param base the base URL
   * @param path the path (and query), starting with {@code /}
   * @return the URI
   */
  public static URI resolve(URI base, String path) {
    String b = base.toString();
    if (b.endsWith("/")) {
      b = b.substring(0, b.length() - 1);
    }
    return URI.create(b + path);
  }

  /**
   * The target.
   *
   * @return the URI
   */
  public URI uri() {
    return http.uri();
  }
}
