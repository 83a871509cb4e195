package io.github.llamaclient;

import java.time.Duration;

/**
 * A time limit was hit. The subclasses say which: {@link Connect} (TCP connect), {@link
 * ResponseHeaders} (llama-server sends headers only with the first token, so this covers prompt
 * processing), {@link Idle} (silence between two chunks), {@link QueueWait} (waiting for a free
 * place under the client's concurrency limit), {@link NotReady} (the model did not finish loading
 * in time). The exchange is closed when this is thrown.
 */
public abstract sealed class LlamaTimeoutException extends LlamaException
    permits LlamaTimeoutException.Connect,
        LlamaTimeoutException.ResponseHeaders,
        LlamaTimeoutException.Idle,
        LlamaTimeoutException.QueueWait,
        LlamaTimeoutException.NotReady {
  private static final long serialVersionUID = 1L;

  private final transient Duration limit;

  LlamaTimeoutException(String message, Duration limit, Throwable cause) {
    super(message + " (limit " + limit + ")", cause);
    this.limit = limit;
  }

  LlamaTimeoutException(String message, Duration limit) {
    super(message + " (limit " + limit + ")");
    this.limit = limit;
  }

  /**
   * The limit that was hit.
   *
   * @return the configured duration
   */
  public Duration limit() {
    return limit;
  }

  /** The TCP connection could not be made within the connect timeout. */
  public static final class Connect extends LlamaTimeoutException {
    private static final long serialVersionUID = 1L;

    Connect(String url, Duration limit, Throwable cause) {
      super("connect timeout: no connection to " + url, limit, cause);
    }
  }

  /** No response headers within the response timeout (llama-server sends them with the first token). */
  public static final class ResponseHeaders extends LlamaTimeoutException {
    private static final long serialVersionUID = 1L;

    ResponseHeaders(String url, Duration limit, Throwable cause) {
      super("response timeout: no response headers from " + url, limit, cause);
    }
  }

  /** No bytes arrived for longer than the idle timeout while streaming. */
  public static final class Idle extends LlamaTimeoutException {
    private static final long serialVersionUID = 1L;

    Idle(String url, Duration limit) {
      super("idle timeout: no data from " + url + " between two chunks", limit);
    }
  }

  /** The server did not become ready (model loaded) within the wait given to {@code awaitReady}. */
  public static final class NotReady extends LlamaTimeoutException {
    private static final long serialVersionUID = 1L;

    NotReady(String url, Duration limit, String lastState) {
      super("llama-server at " + url + " did not become ready (" + lastState + ")", limit);
    }
  }

  /** No place became free under the client's concurrency limit in time. */
  public static final class QueueWait extends LlamaTimeoutException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param limit the configured wait limit
     */
    public QueueWait(Duration limit) {
      super("queue timeout: no free stream place under the concurrency limit", limit);
    }
  }
}
