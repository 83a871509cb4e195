package io.github.llamaclient.internal.http1;

import java.util.List;
import java.util.Map;

/**
 * A final response head as {@link HeadReader} parsed it: never an interim (1xx) one.
 *
 * @param minorVersion the x of {@code HTTP/1.x}: 0 for HTTP/1.0, 1 or more for HTTP/1.1
 * @param status the status code, 200 to 599 (or 100 to 199 for heads the reader skipped)
 * @param reason the reason phrase, maybe empty
 * @param headers the header fields in arrival order per name; names in lower case, looked up
 *     case-insensitively; values without surrounding spaces; unmodifiable
 */
public record ResponseHead(int minorVersion, int status, String reason, Map<String, List<String>> headers) {

  /** The first value of a header field, or "" when there is none. */
  public String first(String name) {
    List<String> v = headers.get(name);
    return v == null || v.isEmpty() ? "" : v.get(0);
  }

  /** Every value of a header field (one per field line), or an empty list. */
  public List<String> all(String name) {
    List<String> v = headers.get(name);
    return v == null ? List.of() : v;
  }

  /** Whether the response has no body whatever its header fields say (RFC 9112 section 6.3). */
  public boolean bodyless() {
    return status < 200 || status == 204 || status == 304;
  }
}
