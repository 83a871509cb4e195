package io.github.llamaclient.session;

import io.github.llamaclient.LlamaException;
import java.nio.file.Path;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A session could not be read from or written to its {@link SessionStore}: an I/O error, or a file
 * that is not a session file of a format this version reads. Only the session concerned is
 * affected; other sessions load and save as before. A turn whose commit failed this way leaves the
 * session's history as it was.
 */
public sealed class SessionStoreException extends LlamaException
    permits SessionConflictException, MediaTooLargeException {
  private static final long serialVersionUID = 1L;

  private final String sessionId;
  private final @Nullable String file;

  /**
   * Creates the exception.
   *
   * @param sessionId the session concerned
   * @param file the file concerned, or null for a store without files
   * @param message what went wrong
   * @param cause the underlying error, if any
   */
  public SessionStoreException(
      String sessionId, @Nullable Path file, String message, @Nullable Throwable cause) {
    super(
        "session '" + sessionId + "'" + (file == null ? "" : " (file " + file + ")") + ": " + message,
        cause);
    this.sessionId = sessionId;
    this.file = file == null ? null : file.toString();
  }

  /**
   * The session concerned.
   *
   * @return the id
   */
  public String sessionId() {
    return sessionId;
  }

  /**
   * The file concerned, if the store keeps files.
   *
   * @return the file, or empty
   */
  public Optional<Path> file() {
    return Optional.ofNullable(file).map(Path::of);
  }
}
