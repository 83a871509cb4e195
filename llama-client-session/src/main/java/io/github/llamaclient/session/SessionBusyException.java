package io.github.llamaclient.session;

import io.github.llamaclient.LlamaException;

/**
 * A turn or change was refused because another turn of the same session was running and the
 * manager was built with {@link WhenBusy#FAIL}. Nothing was sent and the session is unchanged.
 */
public final class SessionBusyException extends LlamaException {
  private static final long serialVersionUID = 1L;

  private final String sessionId;

  /**
   * Creates the exception.
   *
   * @param sessionId the busy session
   */
  public SessionBusyException(String sessionId) {
    super("session '" + sessionId + "' is busy with another turn (WhenBusy.FAIL); nothing was sent");
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
