package io.github.llamaclient.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A request that reached a {@link LlamaServerStub}, and what became of its connection: a test
 * checks what its code sent ({@link #body()}), and that closing a stream closed the connection
 * ({@link #awaitClientClose(Duration)}).
 *
 * <p>Thread-safe.
 */
public final class StubRequest {
  private final String method;
  private final String target;
  private final Map<String, String> headers;
  private final byte[] body;
  private final CountDownLatch clientClosed = new CountDownLatch(1);
  private final CountDownLatch replyDone = new CountDownLatch(1);

  StubRequest(String method, String target, Map<String, String> headers, byte[] body) {
    this.method = method;
    this.target = target;
    this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    this.body = body;
  }

  /**
   * The method.
   *
   * @return the method, such as {@code POST}
   */
  public String method() {
    return method;
  }

  /**
   * The request target: the path and its query.
   *
   * @return the target, such as {@code /v1/chat/completions}
   */
  public String target() {
    return target;
  }

  /**
   * The path without its query.
   *
   * @return the path
   */
  public String path() {
    int q = target.indexOf('?');
    return q < 0 ? target : target.substring(0, q);
  }

  /**
   * The headers, names in lower case.
   *
   * @return the headers
   */
  public Map<String, String> headers() {
    return headers;
  }

  /**
   * One header.
   *
   * @param name the name, in any case
   * @return the value, or null if absent
   */
  public @Nullable String header(String name) {
    return headers.get(name.toLowerCase(Locale.ROOT));
  }

  /**
   * The body as UTF-8 text.
   *
   * @return the body, empty for none
   */
  public String body() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /**
   * Whether the client has closed this request's connection.
   *
   * @return true once it did
   */
  public boolean clientClosed() {
    return clientClosed.getCount() == 0;
  }

  /**
   * Waits until the client closes this request's connection (a stream closed or cancelled, a
   * timeout that gave up); an event to wait for, not a time to let pass.
   *
   * @param within the most to wait
   * @return true if the client closed it, false if it was still open after {@code within}
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean awaitClientClose(Duration within) throws InterruptedException {
    return clientClosed.await(within.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * Waits until the stub has written all it will write for this request and, unless the reply
   * stalls, closed the connection; for a {@link StubReply#stallAfter(int) stall}, until it has
   * written everything before the stall. The client may not have read it yet.
   *
   * @param within the most to wait
   * @return true if the stub got there, false if it had not after {@code within}
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean awaitReplyDone(Duration within) throws InterruptedException {
    return replyDone.await(within.toNanos(), TimeUnit.NANOSECONDS);
  }

  void markReplyDone() {
    replyDone.countDown();
  }

  void markClientClosed() {
    clientClosed.countDown();
  }

  @Override
  public String toString() {
    return method + " " + target + " (" + body.length + " bytes)";
  }
}
