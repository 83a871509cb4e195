package io.github.llamaclient.session;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * {@link SessionStore#inDirectory(Path)}: one JSON file per session, atomic replace.
 *
 * <p>Each save writes a temporary file made with {@link Files#createTempFile} in the directory (a
 * random name, created exclusively, so two processes, or a process and the leftovers of one killed
 * mid-save, never pick the same name), then moves it over the session's file. Temporary files left
 * by a crash are deleted when a store is opened on the directory.
 */
final class DirectoryStore implements SessionStore {
  private static final System.Logger LOG = System.getLogger(DirectoryStore.class.getName());
  private static final String SUFFIX = ".json";
  private static final String HASHED = "~";
  private static final int MAX_NAME = 200;
  /** Temporary files are named {@code .<file name>.tmp<random>.tmp}; this marks them. */
  private static final String TEMP_MARK = SUFFIX + ".tmp";
  private static final int MAX_TEMP_PREFIX = 120;

  private final Path dir;

  DirectoryStore(Path directory) {
    this.dir = Objects.requireNonNull(directory, "directory").toAbsolutePath().normalize();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new SessionStoreException("-", dir, "cannot create the session directory: " + e, e);
    }
    deleteLeftovers();
  }

  /** Deletes the temporary files a killed process left behind (only one process uses a directory). */
  private void deleteLeftovers() {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, ".*")) {
      for (Path f : files) {
        if (isTemporary(f.getFileName().toString())) {
          try {
            Files.deleteIfExists(f);
            LOG.log(System.Logger.Level.DEBUG, "deleted the leftover temporary file {0}", f);
          } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot delete the leftover temporary file {0}: {1}", f, e);
          }
        }
      }
    } catch (IOException e) {
      throw new SessionStoreException("-", dir, "cannot list the session directory: " + e, e);
    }
  }

  static boolean isTemporary(String name) {
    return name.startsWith(".") && name.contains(TEMP_MARK);
  }

  /** The file of a session id. */
  Path file(String id) {
    return dir.resolve(fileName(id));
  }

  /**
   * The file name of a session id.
   *
   * @throws IllegalArgumentException if the id holds a lone surrogate: it has no UTF-8 form, and
   *     its stand-in {@code ?} would give it the file of another id
   */
  static String fileName(String id) {
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < id.length() && Character.isLowSurrogate(id.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException(
            String.format(
                "session id must be well-formed Unicode: a lone surrogate \\u%04x at index %d has no UTF-8 form", (int) c, i));
      }
    }
    StringBuilder sb = new StringBuilder();
    for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
        sb.append((char) c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
      if (sb.length() > MAX_NAME) {
        return HASHED + SessionIds.sha256Hex(id) + SUFFIX;
      }
    }
    return sb + SUFFIX;
  }

  /** The id encoded in a file name, or null if the name is hashed (or not a session file). */
  static @Nullable String decode(String name) {
    if (!name.endsWith(SUFFIX) || name.startsWith(HASHED) || name.startsWith(".")) {
      return null;
    }
    String enc = name.substring(0, name.length() - SUFFIX.length());
    byte[] out = new byte[enc.length()];
    int n = 0;
    for (int i = 0; i < enc.length(); i++) {
      char c = enc.charAt(i);
      if (c == '%') {
        if (i + 2 >= enc.length()) {
          return null;
        }
        int hi = Character.digit(enc.charAt(i + 1), 16);
        int lo = Character.digit(enc.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return null;
        }
        out[n++] = (byte) ((hi << 4) | lo);
        i += 2;
      } else {
        out[n++] = (byte) c;
      }
    }
    return new String(out, 0, n, StandardCharsets.UTF_8);
  }

  @Override
  public Optional<SessionState> load(String id) {
    Path f = file(id);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(f);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new SessionStoreException(id, f, "cannot read the session file: " + e, e);
    }
    SessionState s;
    try {
      s = SessionFiles.read(bytes);
    } catch (IOException | RuntimeException e) {
      throw new SessionStoreException(id, f, "corrupt session file: " + e.getMessage(), e);
    }
    if (!s.id().equals(id)) {
      throw new SessionStoreException(id, f, "the file holds session '" + s.id() + "'", null);
    }
    return Optional.of(s);
  }

  @Override
  public void save(SessionState state) {
    Path target = file(state.id());
    byte[] bytes = SessionFiles.write(state);
    String name = target.getFileName().toString();
    String prefix = "." + (name.length() > MAX_TEMP_PREFIX ? name.substring(name.length() - MAX_TEMP_PREFIX) : name) + ".tmp";
    Path tmp = null;
    try {
      tmp = Files.createTempFile(dir, prefix, null); // a random name, created exclusively
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("the file system cannot replace files atomically", e);
      }
      syncDirectory();
    } catch (IOException e) {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw new SessionStoreException(state.id(), target, "cannot write the session file: " + e, e);
    }
  }

  /** Makes the rename durable where the platform allows it (Linux, macOS; not Windows). */
  private void syncDirectory() {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "cannot fsync directory {0}: {1}", dir, e);
    }
  }

  @Override
  public void delete(String id) {
    Path f = file(id);
    try {
      Files.deleteIfExists(f);
    } catch (IOException e) {
      throw new SessionStoreException(id, f, "cannot delete the session file: " + e, e);
    }
  }

  @Override
  public List<String> ids() {
    List<String> out = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        if (name.startsWith(".")) {
          continue; // a temporary file left by a crash
        }
        String id = decode(name);
        if (id == null && name.startsWith(HASHED)) {
          try {
            id = SessionFiles.read(Files.readAllBytes(f)).id();
          } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "skipping unreadable session file {0}: {1}", f, e);
            continue;
          }
        }
        if (id != null) {
          out.add(id);
        }
      }
    } catch (IOException e) {
      throw new SessionStoreException("-", dir, "cannot list the session directory: " + e, e);
    }
    return out;
  }

  @Override
  public String toString() {
    return "SessionStore.inDirectory[" + dir + "]";
  }
}
