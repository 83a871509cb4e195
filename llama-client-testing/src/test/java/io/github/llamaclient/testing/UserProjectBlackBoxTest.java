package io.github.llamaclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's project, outside the build ({@code src/user-project}): a small streaming consumer and
 * its JUnit 5 test, which depends on this module as a user's test scope would (the jars of core,
 * Jackson and JUnit, and this module's classes; no JSpecify, no test jar). It is compiled with
 * javac and its tests run in a fresh JVM through the JUnit launcher, as a named module on the
 * module path and on the class path, on the JDK running this test (CI runs it on 17 and 25).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class UserProjectBlackBoxTest {
  private static final String TEST_CLASS = "com.example.ticker.TickerTest";

  private final Path sources = Path.of(required("userProject.sources"));
  private final List<Path> path = paths();

  @TempDir Path work;

  @Test
  void theUsersTestsPassAsANamedModuleOnTheModulePath() throws Exception {
    Path app = compile(sources.resolve("app"), true, work.resolve("app"));
    Path runner = compile(sources.resolve("runner"), false, work.resolve("runner"));

    Run run = run(List.of(java(), "--module-path", join(app, path), "--add-modules", "ALL-MODULE-PATH",
        "-cp", runner.toString(), recordingProperty(), "runner.RunTests", TEST_CLASS));

    assertThat(run.output()).contains("MODULE test com.example.ticker stub io.github.llamaclient.testing");
    assertThat(run.output()).contains("TESTS found 2 succeeded 2 failed 0");
    assertThat(run.exitCode()).as(run.output()).isZero();
  }

  @Test
  void theUsersTestsPassOnTheClassPath() throws Exception {
    Path app = compile(sources.resolve("app"), false, work.resolve("app-cp"));
    Path runner = compile(sources.resolve("runner"), false, work.resolve("runner"));

    Run run = run(List.of(java(), "-cp", join(app, path) + File.pathSeparator + runner, recordingProperty(),
        "runner.RunTests", TEST_CLASS));

    assertThat(run.output()).contains("MODULE test null stub null");
    assertThat(run.output()).contains("TESTS found 2 succeeded 2 failed 0");
    assertThat(run.exitCode()).as(run.output()).isZero();
  }

  private static String recordingProperty() {
    return "-Dticker.recording=" + Transcripts.directory().resolve("chat-stream-basic.json");
  }

  private Path compile(Path root, boolean modular, Path out) throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(root)) {
      files = walk.filter(f -> f.toString().endsWith(".java"))
          .filter(f -> modular || !f.getFileName().toString().equals("module-info.java"))
          .collect(Collectors.toList());
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager fm = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
      List<String> options = new ArrayList<>(List.of("--release", "17", "-Xlint:all", "-Werror", "-d", out.toString()));
      options.addAll(List.of(modular ? "--module-path" : "-cp", join(null, path)));
      boolean ok = javac.getTask(null, fm, diagnostics, options, null, fm.getJavaFileObjectsFromPaths(files)).call();
      assertThat(ok)
          .as(diagnostics.getDiagnostics().stream().map(d -> d.getKind() + " " + d.getMessage(Locale.ROOT)).collect(Collectors.joining("\n")))
          .isTrue();
    }
    return out;
  }

  private record Run(int exitCode, String output) {}

  private Run run(List<String> command) throws Exception {
    Path log = Files.createTempFile(work, "run", ".log");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      if (!p.waitFor(90, TimeUnit.SECONDS)) {
        throw new AssertionError("still running after 90 s: " + command + "\n" + Files.readString(log));
      }
    } finally {
      p.destroyForcibly();
    }
    return new Run(p.exitValue(), Files.readString(log));
  }

  /** The user's test path: the jars, and this module's classes (an exploded module: the jar is built after the tests). */
  private static List<Path> paths() {
    List<Path> out = new ArrayList<>();
    out.add(Path.of(required("userProject.testing")));
    for (String s : required("userProject.path").split(File.pathSeparator)) {
      if (!s.isBlank()) {
        out.add(Path.of(s));
      }
    }
    return out;
  }

  private static String join(Path first, List<Path> rest) {
    List<String> all = new ArrayList<>();
    if (first != null) {
      all.add(first.toString());
    }
    rest.forEach(p -> all.add(p.toString()));
    return String.join(File.pathSeparator, all);
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static String required(String property) {
    String value = System.getProperty(property);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException("system property " + property + " is not set (run through Maven)");
    }
    return value;
  }
}
