package io.github.llamaclient.session.jdbc;

import io.github.llamaclient.LlamaException;
import org.jspecify.annotations.Nullable;

/**
 * The session tables could not be created or checked when a {@link JdbcSessionStore} was built: the
 * database could not be reached, the user may not create tables, or the tables were made by a
 * newer version of this library (the message says which).
 */
public final class SessionSchemaException extends LlamaException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong
   * @param cause the underlying error, if any
   */
  public SessionSchemaException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
