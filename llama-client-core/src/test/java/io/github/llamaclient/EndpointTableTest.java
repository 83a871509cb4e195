package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.testing.Transcript;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/llama-cpp.md's tables cannot drift: one endpoint row per route llama-server registers
 * ({@code testdata/llama-server-routes.txt}, from its source and checked against the recorded
 * build), none for a route it does not have, and every method a row names exists in the API.
 */
class EndpointTableTest {
  private static final Pattern ENDPOINT_ROW = Pattern.compile("^\\| `(GET|POST|DELETE) (/[^`]*)` \\|(.*)\\|$");
  private static final Pattern METHOD_REF = Pattern.compile("([A-Z][A-Za-z]*(?:\\.[A-Z][A-Za-z]*)*)\\.([a-z][A-Za-z]*)\\(");

  private static Path root() {
    return Transcript.directory().getParent().getParent();
  }

  static Set<String> routes() throws IOException {
    Set<String> out = new LinkedHashSet<>();
    for (String line : Files.readAllLines(root().resolve("testdata/llama-server-routes.txt"))) {
      if (!line.isBlank() && !line.startsWith("#")) {
        out.add(line.trim());
      }
    }
    return out;
  }

  private static List<String> tableLines() throws IOException {
    return Files.readAllLines(root().resolve("docs/llama-cpp.md"));
  }

  @Test
  void oneRowPerRouteAndNoOther() throws IOException {
    Set<String> documented = new LinkedHashSet<>();
    List<String> problems = new ArrayList<>();
    for (String line : tableLines()) {
      Matcher m = ENDPOINT_ROW.matcher(line);
      if (m.matches()) {
        String route = m.group(1) + " " + m.group(2);
        if (!documented.add(route)) {
          problems.add("two rows for " + route);
        }
        String cell = m.group(3);
        if (!METHOD_REF.matcher(cell).find() && !cell.contains("not covered")) {
          problems.add(route + ": names no method and does not say 'not covered'");
        }
      }
    }
    Set<String> routes = routes();
    assertThat(routes).hasSizeGreaterThan(40);
    for (String r : routes) {
      if (!documented.contains(r)) {
        problems.add("no row for " + r);
      }
    }
    for (String d : documented) {
      if (!routes.contains(d)) {
        problems.add("a row for " + d + ", which llama-server does not register");
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void everyMethodNamedExists() throws IOException {
    List<String> problems = new ArrayList<>();
    int checked = 0;
    for (String line : tableLines()) {
      if (!line.startsWith("| `")) {
        continue;
      }
      Matcher m = METHOD_REF.matcher(line);
      while (m.find()) {
        String type = m.group(1);
        String name = m.group(2);
        Class<?> c;
        try {
          c = Class.forName("io.github.llamaclient." + type.replace('.', '$'));
        } catch (ClassNotFoundException e) {
          problems.add(type + " is no API type (in: " + line + ")");
          continue;
        }
        boolean found = false;
        for (Method method : c.getMethods()) {
          found |= method.getName().equals(name) && Modifier.isPublic(method.getModifiers());
        }
        if (!found) {
          problems.add(type + "." + name + "(...) does not exist");
        }
        checked++;
      }
    }
    assertThat(problems).isEmpty();
    assertThat(checked).isGreaterThan(60);
  }
}
