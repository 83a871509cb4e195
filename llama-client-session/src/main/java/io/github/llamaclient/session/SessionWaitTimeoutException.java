package io.github.llamaclient.session;

import java.time.Duration;

/**
 * A turn or change waited under {@link WhenBusy#WAIT} for the running turn of the same session
 * longer than {@link SessionManager.Builder#waitTimeout(Duration)} allows. Nothing was sent and the
 * session is unchanged. It is a {@link SessionBusyException}, so one {@code catch} covers both ways
 * a busy session refuses: at once ({@link WhenBusy#FAIL}) or after the wait.
 *
 * <p>A turn holds its session until it ends: a stream read to its end or closed, a subscription
 * or handle that ended or was cancelled. A running turn longer than the wait (a long reply on a
 * slow machine) also makes waiters fail; raise the timeout above your longest turn then.
 */
public final class SessionWaitTimeoutException extends SessionBusyException {
  private static final long serialVersionUID = 1L;

  private final Duration timeout;

  /**
   * Creates the exception.
   *
   * @param sessionId the busy session
   * @param timeout how long the turn or change waited
   */
  public SessionWaitTimeoutException(String sessionId, Duration timeout) {
    super(
        sessionId,
        "session '"
            + sessionId
            + "' stayed busy with another turn for "
            + timeout
            + " (SessionManager.Builder.waitTimeout, WhenBusy.WAIT); nothing was sent. A turn holds"
            + " its session until its stream is read to its end or closed, or its subscription or"
            + " handle ends or is cancelled");
    this.timeout = timeout;
  }

  /**
   * How long the turn or change waited: the manager's {@link
   * SessionManager.Builder#waitTimeout(Duration) waitTimeout}.
   *
   * @return the timeout
   */
  public Duration timeout() {
    return timeout;
  }
}
