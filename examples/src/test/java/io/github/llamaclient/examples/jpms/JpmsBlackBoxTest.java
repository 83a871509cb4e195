package io.github.llamaclient.examples.jpms;

import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.Recording;
import io.github.llamaclient.testing.StubReply;
import io.github.llamaclient.testing.StubRequest;
import io.github.llamaclient.examples.testing.Recordings;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Black-box test of the published jars as a user's build sees them: the small application in
 * {@code src/jpms-consumer} (module {@code io.github.llamaclient.examples.jpms}, {@code requires
 * io.github.llamaclient;}) is compiled against the built jars on the module path and run in a
 * fresh JVM, once from the module path and once from the class path, streaming a recorded chat
 * from LlamaServerStub.
 *
 * <p>The path is the runtime dependencies of this module restricted to llama-client and Jackson
 * (property {@code jpms.modulePath}, written by maven-dependency-plugin in the pom): in a reactor
 * {@code verify} these are the jars just built. JSpecify is left out on purpose: it is optional.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class JpmsBlackBoxTest {
  private static final String CONSUMER = "io.github.llamaclient.examples.jpms";
  private static final String MAIN = CONSUMER + ".Consumer";
  private static final String SESSION = "io.github.llamaclient.session";

  private final List<Path> modulePath = paths(System.getProperty("jpms.modulePath"));
  private final Path consumerSources = Path.of(required("jpms.consumerSources"));
  private final Recording transcript = Recordings.load("chat-stream-basic");
  private LlamaServerStub server;

  @TempDir Path work;

  @BeforeAll
  void start() throws IOException {
    server = LlamaServerStub.start();
  }

  @AfterAll
  void stop() {
    server.close();
  }

  @Test
  void thePathHoldsTheClientAsAnExplicitModuleAndJacksonButNotJspecify() throws IOException {
    ModuleFinder finder = ModuleFinder.of(modulePath.toArray(Path[]::new));
    ModuleDescriptor core = explicit(finder, "io.github.llamaclient");
    assertThat(core.exports())
        .filteredOn(e -> !e.isQualified())
        .extracting(ModuleDescriptor.Exports::source)
        .containsExactly("io.github.llamaclient");
    assertThat(core.exports()) // internal packages shared with the session module only
        .filteredOn(ModuleDescriptor.Exports::isQualified)
        .allSatisfy(e -> assertThat(e.targets()).containsExactly(SESSION));
    assertThat(finder.find("com.fasterxml.jackson.databind")).isPresent();
    assertThat(finder.find("org.jspecify")).isEmpty();
    if (sessionHasClasses()) {
      ModuleDescriptor session = explicit(finder, SESSION);
      assertThat(session.exports()).extracting(ModuleDescriptor.Exports::source).containsExactly(SESSION);
    }
  }

  @Test
  void aUserOfEachModuleCompilesWithoutJspecify() throws IOException {
    // JSpecify is optional in the poms, so a user's build does not have it: "requires static
    // transitive org.jspecify" in a module-info.java would fail here with "module not found"
    List<String> modules = new ArrayList<>(List.of("io.github.llamaclient"));
    if (sessionHasClasses()) {
      modules.add(SESSION);
    }
    for (String module : modules) {
      Path src = work.resolve("user-of-" + module);
      Files.createDirectories(src.resolve("user"));
      Files.writeString(src.resolve("module-info.java"), "module user { requires " + module + "; }\n");
      Files.writeString(src.resolve("user/User.java"), "package user;\npublic final class User {\n  private User() {}\n}\n");
      Compilation c = compile(src, work.resolve("user-of-" + module + "-classes"));
      assertThat(c.ok()).as("a module that requires " + module + ":\n" + c.messages()).isTrue();
    }
  }

  @Test
  void runsAsANamedModuleFromTheModulePath() throws Exception {
    Path classes = compileConsumer();
    List<String> command = new ArrayList<>(List.of(java(), "--module-path", join(classes, modulePath)));
    if (sessionHasClasses()) {
      command.addAll(List.of("--add-modules", SESSION));
    }
    command.addAll(List.of("--module", CONSUMER + "/" + MAIN, "module", baseUrl()));
    Run run = run(command);

    assertThat(run.lines())
        .contains(
            "CHECK the client is the named module io.github.llamaclient",
            "CHECK io.github.llamaclient exports exactly io.github.llamaclient, was [io.github.llamaclient]",
            "CHECK jackson-databind is not readable from here (no requires transitive)",
            "CHECK jspecify is not needed at run time (requires static)");
    assertThat(run.lines())
        .anyMatch(l -> l.startsWith("CHECK no deep reflection into LlamaClient"))
        .anyMatch(l -> l.matches("CHECK io\\.github\\.llamaclient: \\d+ API types, every signature uses readable types only"));
    assertStreamedTheRecording(run);
  }

  @Test
  void runsFromTheClassPath() throws Exception {
    Path classes = compileConsumer();
    Run run = run(List.of(java(), "-cp", join(classes, modulePath), MAIN, "classpath", baseUrl()));

    assertThat(run.lines()).contains("CHECK the client is in the unnamed module");
    assertStreamedTheRecording(run);
  }

  @Test
  void jacksonIsNotVisibleToUsersOfTheModule() throws IOException {
    // a user who requires only the client cannot compile against Jackson: it is not part of the API
    Path src = work.resolve("leak-src");
    Files.createDirectories(src.resolve("leak"));
    Files.writeString(src.resolve("module-info.java"), "module leak { requires io.github.llamaclient; }\n");
    Files.writeString(
        src.resolve("leak/Leak.java"),
        "package leak;\n"
            + "public final class Leak {\n"
            + "  private Leak() {}\n"
            + "  static Object mapper() { return new com.fasterxml.jackson.databind.ObjectMapper(); }\n"
            + "}\n");
    Compilation c = compile(src, work.resolve("leak-classes"));

    assertThat(c.ok()).as(c.messages()).isFalse();
    assertThat(c.messages()).contains("com.fasterxml.jackson.databind").contains("not visible");
  }

  // ---------------------------------------------------------------------------------------------

  private void assertStreamedTheRecording(Run run) throws Exception {
    assertThat(run.exitCode()).as(run.output()).isZero();
    String content =
        run.lines().stream()
            .filter(l -> l.startsWith("CONTENT "))
            .map(l -> new String(Base64.getDecoder().decode(l.substring(8)), StandardCharsets.UTF_8))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no CONTENT line in\n" + run.output()));
    assertThat(content).isEqualTo(transcript.content());

    StubRequest sent = server.takeRequest(java.time.Duration.ofSeconds(5));
    assertThat(sent.path()).isEqualTo(transcript.path());
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    assertThat(json.readTree(sent.body())).isEqualTo(json.readTree(transcript.requestBody()));
  }

  private String baseUrl() {
    server.enqueue(StubReply.of(transcript));
    return server.url().resolve("/").toString();
  }

  private Path compileConsumer() throws IOException {
    Compilation c = compile(consumerSources, work.resolve("consumer-classes"));
    assertThat(c.ok()).as(c.messages()).isTrue();
    return work.resolve("consumer-classes");
  }

  private record Compilation(boolean ok, String messages) {}

  private Compilation compile(Path sourceRoot, Path out) throws IOException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    List<Path> sources;
    try (Stream<Path> files = Files.walk(sourceRoot)) {
      sources = files.filter(f -> f.toString().endsWith(".java")).collect(Collectors.toList());
    }
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
      List<String> options =
          List.of("--release", "17", "-Xlint:all", "-Werror", "--module-path", join(null, modulePath), "-d", out.toString());
      boolean ok = javac.getTask(null, files, diagnostics, options, null, files.getJavaFileObjectsFromPaths(sources)).call();
      String messages =
          diagnostics.getDiagnostics().stream()
              .map(d -> d.getKind() + " " + d.getMessage(Locale.ROOT))
              .collect(Collectors.joining("\n"));
      if (!ok && diagnostics.getDiagnostics().stream().noneMatch(d -> d.getKind() == Diagnostic.Kind.ERROR)) {
        messages += "\n(failed without errors)";
      }
      return new Compilation(ok, messages);
    }
  }

  private record Run(int exitCode, String output) {
    List<String> lines() {
      return output.lines().collect(Collectors.toList());
    }
  }

  private Run run(List<String> command) throws Exception {
    Path log = Files.createTempFile(work, "run", ".log");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        throw new AssertionError("still running after 60 s: " + command + "\n" + Files.readString(log));
      }
    } finally {
      p.destroyForcibly();
    }
    return new Run(p.exitValue(), Files.readString(log));
  }

  /** The session jar is on the path and holds code (before the session module was written, it was empty). */
  private boolean sessionHasClasses() throws IOException {
    for (Path p : modulePath) {
      if (p.getFileName().toString().startsWith("llama-client-session")) {
        if (Files.isDirectory(p)) {
          try (Stream<Path> files = Files.walk(p)) {
            return files.anyMatch(f -> f.toString().endsWith(".class"));
          }
        }
        try (ZipFile jar = new ZipFile(p.toFile())) {
          return jar.stream().anyMatch(e -> e.getName().endsWith(".class"));
        }
      }
    }
    return false;
  }

  private static ModuleDescriptor explicit(ModuleFinder finder, String name) {
    Optional<ModuleReference> ref = finder.find(name);
    assertThat(ref).as(name + " on the path").isPresent();
    ModuleDescriptor d = ref.get().descriptor();
    assertThat(d.isAutomatic()).as(name + " is automatic (no module-info.class)").isFalse();
    assertThat(d.isOpen()).as(name + " is open").isFalse();
    return d;
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static String join(Path first, List<Path> rest) {
    List<String> all = new ArrayList<>();
    if (first != null) {
      all.add(first.toString());
    }
    rest.forEach(p -> all.add(p.toString()));
    return String.join(File.pathSeparator, all);
  }

  private static List<Path> paths(String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalStateException("system property jpms.modulePath is not set (run through Maven)");
    }
    List<Path> out = new ArrayList<>();
    for (String s : value.split(File.pathSeparator)) {
      if (!s.isBlank()) {
        if (!Files.exists(Path.of(s))) {
          throw new UncheckedIOException(new IOException("jpms.modulePath names a missing file: " + s));
        }
        out.add(Path.of(s));
      }
    }
    return out;
  }

  private static String required(String property) {
    String value = System.getProperty(property);
    if (value == null) {
      throw new IllegalStateException("system property " + property + " is not set (run through Maven)");
    }
    return value;
  }
}
