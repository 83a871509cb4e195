package io.github.llamaclient.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The user guide's code is compiled code: every Java block in docs/*.md follows a marker
 * {@code <!-- snippet: path#tag -->} and equals the region between {@code // tag::tag[]} and
 * {@code // end::tag[]} in that file (indentation aside). Each example's tests run that code; the
 * session guide's regions live in llama-client-session's test sources and are run there by {@code
 * SessionGuideTest}, which checks the same markers.
 */
class DocsSnippetsTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Pattern BLOCK =
      Pattern.compile("(<!-- snippet: ([^#\\s]+)#([\\w-]+) -->\\n)?```(java|jshell)\\n(.*?)```", Pattern.DOTALL);

  static List<Path> pages() throws IOException {
    try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
      return files.filter(p -> p.toString().endsWith(".md")).sorted().toList();
    }
  }

  @Test
  void everyJavaBlockInTheGuideIsATaggedRegionOfCompiledCode() throws IOException {
    int checked = 0;
    List<String> problems = new ArrayList<>();
    for (Path page : pages()) {
      String md = Files.readString(page);
      Matcher m = BLOCK.matcher(md);
      while (m.find()) {
        String where = ROOT.relativize(page) + " at offset " + m.start();
        if (m.group(1) == null) {
          problems.add(where + ": a code block without a snippet marker");
          continue;
        }
        Path source = ROOT.resolve(m.group(2));
        if (!Files.exists(source)) {
          problems.add(where + ": no file " + m.group(2));
          continue;
        }
        String region = region(Files.readString(source), m.group(3));
        if (region == null) {
          problems.add(where + ": no region " + m.group(3) + " in " + m.group(2));
          continue;
        }
        if (!dedent(region).equals(dedent(m.group(5)))) {
          problems.add(where + ": differs from " + m.group(2) + "#" + m.group(3) + ":\n" + dedent(region));
        }
        checked++;
      }
    }
    assertThat(problems).isEmpty();
    assertThat(checked).isGreaterThanOrEqualTo(10);
  }

  @Test
  void theIndexLinksEveryPageAndEveryLinkedPageExists() throws IOException {
    String index = Files.readString(ROOT.resolve("docs/README.md"));
    for (Path page : pages()) {
      String name = page.getFileName().toString();
      if (!name.equals("README.md")) {
        assertThat(index).as("docs/README.md links " + name).contains("(" + name + ")");
      }
    }
    Matcher links = Pattern.compile("\\]\\(([\\w-]+\\.md)\\)").matcher(index);
    while (links.find()) {
      String name = links.group(1);
      assertThat(ROOT.resolve("docs").resolve(name)).as("docs/" + name).exists();
    }
  }

  static String region(String source, String tag) {
    int start = source.indexOf("// tag::" + tag + "[]");
    int end = source.indexOf("// end::" + tag + "[]");
    if (start < 0 || end < start) {
      return null;
    }
    start = source.indexOf('\n', start) + 1;
    end = source.lastIndexOf('\n', end) + 1;
    return source.substring(start, end);
  }

  static String dedent(String text) {
    List<String> lines = text.strip().isEmpty() ? List.of() : List.of(text.stripTrailing().split("\n", -1));
    int indent = Integer.MAX_VALUE;
    for (String l : lines) {
      if (!l.isBlank()) {
        indent = Math.min(indent, l.length() - l.stripLeading().length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String l : lines) {
      sb.append(l.isBlank() ? "" : l.substring(indent).stripTrailing()).append('\n');
    }
    return sb.toString().replaceAll("^\\n+", "");
  }
}
