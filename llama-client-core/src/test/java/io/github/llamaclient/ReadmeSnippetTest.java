package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's Java snippet is the compiled code in {@link ReadmeExample}, letter for letter. */
class ReadmeSnippetTest {

  @Test
  void readmeSnippetIsCompiledCode() throws Exception {
    Path root = Path.of("").toAbsolutePath();
    while (!Files.exists(root.resolve("README.md")) || !Files.exists(root.resolve("mvnw"))) {
      root = root.getParent();
    }
    String readme = Files.readString(root.resolve("README.md"));
    int start = readme.indexOf("```java\n", readme.indexOf("## Streaming in ten lines"));
    String snippet = readme.substring(start + 8, readme.indexOf("```", start + 8));
    String source =
        Files.readString(root.resolve("llama-client-core/src/test/java/io/github/llamaclient/ReadmeExample.java"));
    String tagged =
        source.substring(source.indexOf("// tag::readme[]\n") + 17, source.indexOf("    // end::readme[]"));
    assertThat(snippet).isEqualTo(tagged);
  }
}
