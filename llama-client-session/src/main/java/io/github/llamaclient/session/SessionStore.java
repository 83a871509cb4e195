package io.github.llamaclient.session;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where sessions are kept between turns and across restarts. The {@link SessionManager} calls
 * {@link #save(SessionState)} once per committed change, after the change is complete and before
 * it becomes visible in memory; a failed save leaves the session as it was.
 *
 * <p>Implementations must be thread-safe: the manager calls them from many threads at once, though
 * never for the same session at the same time. Two are built in: {@link #inMemory()} (the default)
 * and {@link #inDirectory(Path)} (one JSON file per session, written atomically).
 */
public interface SessionStore {

  /**
   * Reads a session.
   *
   * @param id the session id
   * @return the session, or empty if the store has none with this id
   * @throws SessionStoreException if it exists but cannot be read (the message names the file)
   */
  Optional<SessionState> load(String id);

  /**
   * Writes a session, replacing any earlier state of the same id. When this returns, the state is
   * durable as far as the store promises (for {@link #inDirectory(Path)}: on disk, fsynced).
   *
   * @param state the state
   * @throws SessionStoreException if it cannot be written; the earlier state is then still intact
   */
  void save(SessionState state);

  /**
   * Removes a session, if present.
   *
   * @param id the session id
   * @throws SessionStoreException if it cannot be removed
   */
  void delete(String id);

  /**
   * The ids of the stored sessions, without reading them, so one unreadable session does not hide
   * the others.
   *
   * @return the ids, in no particular order
   * @throws SessionStoreException if the store itself cannot be listed
   */
  List<String> ids();

  /**
   * A store in this process's memory: fast, lost when the process ends. Thread-safe.
   *
   * @return a new, empty store
   */
  static SessionStore inMemory() {
    return new MemoryStore();
  }

  /**
   * A store of one JSON file per session in {@code directory} (created if missing). Each save
   * writes a temporary file in the same directory, forces it to disk, and moves it over the old
   * file with an atomic move, so a crash mid-write leaves the previous version intact. The files
   * carry a format version ({@code "format": 2}; files of format 1 are still read); a file that
   * cannot be read fails only its own session, with a {@link SessionStoreException} naming the file.
   *
   * <p>File names are the session id with characters other than {@code a-z 0-9 _ -} percent-encoded
   * (so ids that differ only in case do not collide on case-insensitive file systems); ids whose
   * encoded name would be long are stored under a hash and read back from the file. Several
   * processes must not share one directory.
   *
   * @param directory the directory
   * @return the store
   * @throws SessionStoreException if the directory cannot be created
   */
  static SessionStore inDirectory(Path directory) {
    return new DirectoryStore(directory);
  }
}
