package io.github.llamaclient.session;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/** Session id rules and the names derived from ids. */
final class SessionIds {
  static final int MAX_LENGTH = 256;

  private SessionIds() {}

  static String check(String id) {
    Objects.requireNonNull(id, "session id");
    if (id.isEmpty() || id.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "session id must have 1 to " + MAX_LENGTH + " characters, had " + id.length());
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw new IllegalArgumentException("session id must not contain control characters, was " + printable(id));
      }
    }
    return id;
  }

  private static String printable(String id) {
    StringBuilder sb = new StringBuilder("'");
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      sb.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return sb.append('\'').toString();
  }

  /** A file name for llama-server's slot save path: fixed length, safe characters. */
  static String slotFileName(String id) {
    return "llama-session-" + sha256Hex(id).substring(0, 40) + ".bin";
  }

  static String sha256Hex(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      StringBuilder sb = new StringBuilder(64);
      for (byte b : d) {
        sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
      }
      return sb.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }
}
