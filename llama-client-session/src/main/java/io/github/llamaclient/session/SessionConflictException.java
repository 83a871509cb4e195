package io.github.llamaclient.session;

/**
 * A change to a session was not saved because another process wrote the session in the meantime,
 * or took over the session's lease after it expired (see {@link SharedSessionStore}). Nothing of
 * the change was written; the session stays as the other process left it, and the turn may be run
 * again.
 */
public final class SessionConflictException extends SessionStoreException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param sessionId the session concerned
   * @param message what happened
   */
  public SessionConflictException(String sessionId, String message) {
    super(sessionId, null, message, null);
  }
}
