package io.github.llamaclient.session;

import java.io.IOException;

/**
 * The versioned JSON form of a {@link SessionState}, as the directory store writes it ({@code
 * "format": 2}; format 1 is still read; see {@link SessionStore#inDirectory(java.nio.file.Path)}):
 * for stores kept outside this module, so that every store keeps sessions in one format and old
 * states still load. Images and audio are written as the state holds them (inline data as base64,
 * URLs as URLs); {@link MediaPolicy} decides what a manager's history keeps of them.
 */
public final class SessionFormat {
  private SessionFormat() {}

  /**
   * The state as UTF-8 JSON.
   *
   * @param state the state
   * @return the JSON bytes
   */
  public static byte[] write(SessionState state) {
    return SessionFiles.write(state);
  }

  /**
   * Reads a state written by {@link #write(SessionState)} (this version or an older one).
   *
   * @param json the JSON bytes
   * @return the state
   * @throws IllegalArgumentException if the bytes are not a session in a format this version reads
   *     (the message says what is wrong)
   */
  public static SessionState read(byte[] json) {
    try {
      return SessionFiles.read(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
    }
  }
}
