package io.github.llamaclient.internal.exchange;

import java.net.URI;
import java.net.http.HttpRequest;

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
 */
public record Request(HttpRequest http, byte[] body, boolean stream, boolean idempotent) {
  /**
   * The target.
   *
   * @return the URI
   */
  public URI uri() {
    return http.uri();
  }
}
