package io.github.llamaclient;

import java.time.Duration;

/**
 * A time limit was hit. The subclasses say which: {@link Connect} (TCP connect), {@link
 * ResponseHeaders} (llama-server sends headers only with the first token, so this covers prompt
 * processing), {@link Idle} (silence between two chunks), {@link QueueWait} (waiting for a free
 * place under the client's concurrency limit), {@link NotReady} (the model did not finish loading
 * in time), {@link Total} (the whole call took longer than its deadline). The exchange is closed when this is thrown.
 */
public abstract sealed class LlamaTimeoutException extends LlamaException
    permits LlamaTimeoutException.Connect,
        LlamaTimeoutException.ResponseHeaders,
        LlamaTimeoutException.Idle,
        LlamaTimeoutException.QueueWait,
        LlamaTimeoutException.NotReady,
        LlamaTimeoutException.Total {
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

    /**
     * Creates the exception.
     *
     * @param url the URL that could not be reached (without credentials)
     * @param limit the connect timeout
     * @param cause what the transport reported
     */
    public Connect(String url, Duration limit, Throwable cause) {
      super("connect timeout: no connection to " + url, limit, cause);
    }
  }

  /** No response headers within the response timeout (llama-server sends them with the first token). */
  public static final class ResponseHeaders extends LlamaTimeoutException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param url the URL asked (without credentials)
     * @param limit the response timeout
     * @param cause what the transport reported
     */
    public ResponseHeaders(String url, Duration limit, Throwable cause) {
      super("response timeout: no response headers from " + url, limit, cause);
    }
  }

  /** No bytes arrived for longer than the idle timeout while streaming. */
  public static final class Idle extends LlamaTimeoutException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param url the URL streaming (without credentials)
     * @param limit the idle timeout
     */
    public Idle(String url, Duration limit) {
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

  /**
   * No place became free in time under one of the client's limits: the stream limit ({@link
   * LlamaClientBuilder#maxConcurrentStreams(int)}, waiting up to {@link
   * LlamaClientBuilder#queueTimeout(java.time.Duration)}) or the limit on connects in progress to
   * one server ({@link LlamaClientBuilder#maxConcurrentConnects(int)}, waiting up to the response
   * timeout); the message says which, and how many were ahead.
   */
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

    /**
     * Creates the exception for another wait under one of the client's limits.
     *
     * @param what what waited for what, such as a connect for a place under {@link
     *     LlamaClientBuilder#maxConcurrentConnects(int)}
     * @param limit the limit that ended the wait
     */
    public QueueWait(String what, Duration limit) {
      super("queue timeout: " + what, limit);
    }
  }

  /**
   * The whole call (connecting, waiting, streaming) took longer than its total deadline. Unlike the
   * idle timeout, comments and keep-alive pings do not extend it.
   */
  public static final class Total extends LlamaTimeoutException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param url the URL asked (without credentials)
     * @param limit the total deadline
     */
    public Total(String url, Duration limit) {
      super("total timeout: the call to " + url + " did not end in time", limit);
    }
  }
}
