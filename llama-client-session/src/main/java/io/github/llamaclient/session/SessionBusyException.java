package io.github.llamaclient.session;

import io.github.llamaclient.LlamaException;

/**
 * A turn or change was refused because another turn of the same session was running: at once, when
 * the manager was built with {@link WhenBusy#FAIL}, or, under {@link WhenBusy#WAIT}, after waiting
 * longer than {@link SessionManager.Builder#waitTimeout(java.time.Duration)} (then it is a {@link
 * SessionWaitTimeoutException}). Nothing was sent and the session is unchanged.
 */
public sealed class SessionBusyException extends LlamaException permits SessionWaitTimeoutException {
  private static final long serialVersionUID = 1L;

  private final String sessionId;

  /**
   * Creates the exception.
   *
   * @param sessionId the busy session
   */
  public SessionBusyException(String sessionId) {
    this(sessionId, "session '" + sessionId + "' is busy with another turn (WhenBusy.FAIL); nothing was sent");
  }

  SessionBusyException(String sessionId, String message) {
    super(message);
    this.sessionId = sessionId;
  }

  /**
   * The busy session's id.
   *
   * @return the id
   */
  public String sessionId() {
    return sessionId;
  }
}
