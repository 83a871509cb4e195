package io.github.llamaclient.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.LlamaClientBuilder;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md says its builder table lists every setting: this checks the table's first
 * column against the public methods of {@link LlamaClientBuilder}, both ways, so a setting added
 * to the builder fails the build until it is documented.
 */
class ConfigurationGuideTest {
  private static final Path PAGE = Path.of("..").toAbsolutePath().normalize().resolve("docs/configuration.md");

  @Test
  void theBuilderTableListsEveryBuilderSettingAndNoOther() throws IOException {
    Set<String> documented = documentedSettings(Files.readString(PAGE));
    Set<String> settings = new TreeSet<>();
    for (Method m : LlamaClientBuilder.class.getDeclaredMethods()) {
      if (Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers()) && !m.isSynthetic()
          && !m.getName().equals("build")) {
        settings.add(m.getName());
      }
    }
    assertThat(settings).as("public settings of LlamaClientBuilder").contains("baseUrl", "idleTimeout");
    assertThat(documented)
        .as("the settings in docs/configuration.md's builder table (first column), against LlamaClientBuilder's public methods")
        .containsExactlyInAnyOrderElementsOf(settings);
  }

  /** The backquoted names in the first column of the table under "## The client builder". */
  static Set<String> documentedSettings(String md) {
    int start = md.indexOf("## The client builder");
    assertThat(start).as("a section '## The client builder'").isNotNegative();
    int end = md.indexOf("\n## ", start + 1);
    int sub = md.indexOf("\n### ", start + 1); // the section's later tables (settings that exclude each other) are not this one
    if (sub > 0 && (end < 0 || sub < end)) {
      end = sub;
    }
    String section = md.substring(start, end < 0 ? md.length() : end);
    Set<String> names = new TreeSet<>();
    for (String line : section.split("\n")) {
      if (!line.startsWith("| `")) {
        continue;
      }
      String first = line.substring(1, line.indexOf('|', 1));
      Matcher m = Pattern.compile("`([^`]+)`").matcher(first);
      while (m.find()) {
        if (!m.group(1).startsWith("LlamaClient.builder(")) { // the row for builder(HttpClient)
          names.add(m.group(1));
        }
      }
    }
    return names;
  }
}
