package io.github.llamaclient.internal.http1;

import java.util.concurrent.TimeUnit;

/**
 * Whether a connection may serve another exchange after a response, and for how long: every
 * keep-alive decision of the HTTP/1.1 transport is made here.
 *
 * <ul>
 *   <li>HTTP/1.1 keeps the connection unless {@code Connection: close}; HTTP/1.0 closes it unless
 *       {@code Connection: keep-alive} (RFC 9112 section 9.3);
 *   <li>a body that ends with the connection closes it;
 *   <li>the response must have been read to its very end, framing included, with no byte after it;
 *   <li>an idle connection is kept a second less than the server's {@code Keep-Alive: timeout=N}
 *       (llama-server sends 5), at most a minute, {@value #DEFAULT_SECONDS} s when it does not say.
 * </ul>
 */
public final class KeepAlive {
  /** How long an idle connection is kept when the server does not say, in seconds. */
  public static final int DEFAULT_SECONDS = 4;
  private static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(60);

  private KeepAlive() {}

  /** Whether the head lets the connection be reused once its body was read (version, Connection, framing). */
  public static boolean allowed(ResponseHead head, BodyDecoder body) {
    if (body.closeDelimited()) {
      return false;
    }
    boolean close = false;
    boolean keep = false;
    for (String value : head.all("connection")) {
      for (String token : value.split(",", -1)) {
        String t = token.strip();
        close |= t.equalsIgnoreCase("close");
        keep |= t.equalsIgnoreCase("keep-alive");
      }
    }
    return !close && (head.minorVersion() >= 1 || keep);
  }

  /**
   * Whether a connection may be reused now: the head {@linkplain #allowed allowed} it, its body was
   * read to the end, and no byte came after that end ({@code unreadBytes} is what is buffered and
   * not consumed).
   */
  public static boolean reusable(ResponseHead head, BodyDecoder body, int unreadBytes) {
    return allowed(head, body) && body.done() && unreadBytes == 0;
  }

  /**
   * How long an idle connection may be kept after this response: a second less than {@code
   * Keep-Alive: timeout=N}, between 0 and a minute; {@value #DEFAULT_SECONDS} s without one.
   */
  public static long idleNanos(ResponseHead head) {
    for (String value : head.all("keep-alive")) {
      for (String param : value.split(",", -1)) {
        String p = param.strip();
        int eq = p.indexOf('=');
        if (eq < 0 || !p.substring(0, eq).strip().equalsIgnoreCase("timeout")) {
          continue;
        }
        String n = p.substring(eq + 1).strip();
        if (n.isEmpty() || n.length() > 9 || !n.chars().allMatch(c -> c >= '0' && c <= '9')) {
          return TimeUnit.SECONDS.toNanos(DEFAULT_SECONDS);
        }
        return Math.min(MAX_NANOS, TimeUnit.SECONDS.toNanos(Math.max(0, Integer.parseInt(n) - 1)));
      }
    }
    return TimeUnit.SECONDS.toNanos(DEFAULT_SECONDS);
  }
}
