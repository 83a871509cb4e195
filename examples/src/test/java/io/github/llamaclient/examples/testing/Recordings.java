package io.github.llamaclient.examples.testing;

import io.github.llamaclient.testing.Recording;
import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's recordings ({@code testdata/transcripts}), for the examples' tests. */
public final class Recordings {
  private Recordings() {}

  /** Loads a recording by name, such as {@code chat-stream-basic}. */
  public static Recording load(String scenario) {
    Path root = Path.of("").toAbsolutePath();
    while (!Files.isDirectory(root.resolve("testdata/transcripts"))) {
      root = root.getParent();
    }
    return Recording.load(root.resolve("testdata/transcripts").resolve(scenario + ".json"));
  }
}
