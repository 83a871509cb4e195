package io.github.llamaclient.examples.docs;

import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.Recording;
import io.github.llamaclient.testing.StubReply;
import io.github.llamaclient.testing.StubRequest;
import io.github.llamaclient.examples.testing.Recordings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/installing.md followed literally, as a new user would: a new Maven project made of the
 * page's pom and its program, built and run with the page's commands ({@code mvn} being the Maven
 * under test), with the Maven wrapper's Maven (3.9) and with Maven 3.8.7, against a loopback server
 * that replays a recorded llama-server reply.
 *
 * <p>No network: the llama-client artifacts are this build's (parent pom, BOM, core pom and
 * classes), put into a fresh local repository as {@code ./mvnw install} would; everything else
 * comes from the local repository this build uses, through a {@code file:} mirror. Maven 3.8.7
 * comes from that local repository too ({@code ./test} fetches it once).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InstallingGuideTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final String MAVEN_3_8 = "3.8.7";

  private final Recording transcript = Recordings.load("chat-stream-basic");
  private final Path localRepository = localRepository();
  private LlamaServerStub server;
  private String md;
  private Path repository; // the user's local repository, shared by both Mavens

  @TempDir Path work;

  @BeforeAll
  void start(@TempDir Path repo) throws IOException {
    md = Files.readString(ROOT.resolve("docs/installing.md"));
    repository = installLlamaClient(repo);
    server = LlamaServerStub.start();
  }

  @AfterAll
  void stop() {
    server.close();
  }

  @Test
  void theGuidesProjectBuildsAndRunsWithTheWrappersMaven() throws Exception {
    Path mvnw = ROOT.resolve("mvnw");
    followTheGuide("wrapper", mvnw.toString());
  }

  @Test
  void theGuidesProjectBuildsAndRunsWithMaven38() throws Exception {
    Path zip =
        localRepository.resolve(
            "org/apache/maven/apache-maven/" + MAVEN_3_8 + "/apache-maven-" + MAVEN_3_8 + "-bin.zip");
    if (!Files.exists(zip)) {
      fail("Maven " + MAVEN_3_8 + " is not in the local repository " + localRepository
          + ": ./test fetches it, or run: ./mvnw dependency:get -Dartifact=org.apache.maven:apache-maven:"
          + MAVEN_3_8 + ":zip:bin -Dtransitive=false");
    }
    Path home = unzip(zip, work.resolve("maven-" + MAVEN_3_8)).resolve("apache-maven-" + MAVEN_3_8);
    followTheGuide(MAVEN_3_8, "sh " + home.resolve("bin/mvn"));
  }

  /** Makes the project of the page, then runs the page's build-and-run commands in it. */
  private void followTheGuide(String name, String maven) throws Exception {
    Path project = Files.createDirectories(work.resolve("hello-llama-" + name));
    Files.writeString(project.resolve("pom.xml"), block("```xml\n", 0));
    Path source = project.resolve("src/main/java/demo/Hello.java");
    Files.createDirectories(source.getParent());
    Files.writeString(source, block("<!-- snippet: examples/src/docs-project/demo/Hello.java#hello -->\n```java\n", 0));

    Path repo = repository;
    Path settings = work.resolve("settings-" + name + ".xml");
    Files.writeString(settings, "<settings><mirrors><mirror><id>this-build</id><mirrorOf>*</mirrorOf><url>"
        + localRepository.toUri() + "</url></mirror></mirrors></settings>\n");
    Path bin = Files.createDirectories(work.resolve("bin-" + name));
    Path mvn = bin.resolve("mvn");
    Files.writeString(mvn, "#!/bin/sh\nexec " + maven + " -B -ntp -s '" + settings + "' -Dmaven.repo.local='" + repo + "' \"$@\"\n");
    assertThat(mvn.toFile().setExecutable(true)).isTrue();

    String commands = block("Build it, look at what it depends on", md.indexOf("Build it, look at what it depends on"));
    List<String> expectedTree = new ArrayList<>(); // the page shows it as comments below the command
    for (String line : commands.split("\n")) {
      if (line.startsWith("# ")) {
        expectedTree.add(line.substring(2));
      }
    }
    assertThat(expectedTree).as("the tree on the page").isNotEmpty();
    String lastOutput = "";
    int run = 0;
    for (String line : commands.split("\n")) {
      if (line.startsWith("#") || line.isBlank()) {
        continue;
      }
      String command = line.replace("http://localhost:8080", "http://127.0.0.1:" + server.url().getPort());
      if (command.startsWith("java ")) {
        server.enqueue(StubReply.of(transcript));
      }
      lastOutput = sh(project, bin, command, "command " + (++run) + " with Maven " + name);
      if (command.equals("mvn dependency:tree")) {
        assertThat(lastOutput.lines().map(String::stripTrailing).toList())
            .as("the tree the page shows, with Maven " + name)
            .containsSubsequence(expectedTree);
      }
    }
    assertThat(run).as("commands run").isGreaterThanOrEqualTo(4);
    assertThat(lastOutput).as("what the program printed, with Maven " + name).isEqualTo(transcript.content() + "\n");
    assertThat(Files.readString(project.resolve("cp.txt"))).contains("llama-client-core-", "jackson-databind-");
  }

  private String sh(Path dir, Path bin, String command, String what) throws IOException, InterruptedException {
    Path log = Files.createTempFile(work, "sh", ".log");
    ProcessBuilder pb = new ProcessBuilder("sh", "-c", command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
    Map<String, String> env = pb.environment();
    env.put("PATH", bin + ":" + Path.of(System.getProperty("java.home"), "bin") + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.remove("MAVEN_ARGS");
    env.remove("MAVEN_OPTS");
    Process p = pb.start();
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      fail(what + " did not end in 10 minutes: " + command + "\n" + Files.readString(log));
    }
    String out = Files.readString(log);
    assertThat(p.exitValue()).as(what + " (" + command + ") exit status; output:\n" + out).isZero();
    return out;
  }

  /** The text of the first fenced block after {@code marker} (found from {@code from}). */
  private String block(String marker, int from) {
    int at = md.indexOf(marker, from);
    assertThat(at).as("docs/installing.md has " + marker.strip()).isNotNegative();
    Matcher m = Pattern.compile("```\\w*\\n(.*?)```", Pattern.DOTALL).matcher(md);
    assertThat(m.find(at)).as("a code block after " + marker.strip()).isTrue();
    return m.group(1);
  }

  /**
   * What {@code ./mvnw install} would put into a local repository for a user of core: the parent
   * pom, the BOM, core's pom and a jar of its classes, in the version the page names.
   */
  private Path installLlamaClient(Path repo) throws IOException {
    String version = versionOf(Files.readString(ROOT.resolve("pom.xml")), "llama-client-parent");
    assertThat(md).as("the page names the version being built").contains("<version>" + version + "</version>");
    install(repo, "llama-client-parent", version, ROOT.resolve("pom.xml"), null);
    install(repo, "llama-client-bom", version, ROOT.resolve("llama-client-bom/pom.xml"), null);
    Path classes = ROOT.resolve("llama-client-core/target/classes");
    if (!Files.exists(classes.resolve("module-info.class"))) {
      fail("llama-client-core is not compiled: build it first (./mvnw -pl examples -am verify)");
    }
    install(repo, "llama-client-core", version, ROOT.resolve("llama-client-core/pom.xml"), classes);
    return repo;
  }

  private static void install(Path repo, String artifact, String version, Path pom, Path classes) throws IOException {
    Path dir = Files.createDirectories(repo.resolve("io/github/llamaclient/" + artifact + "/" + version));
    Files.copy(pom, dir.resolve(artifact + "-" + version + ".pom"), StandardCopyOption.REPLACE_EXISTING);
    if (classes != null) {
      try (OutputStream out = Files.newOutputStream(dir.resolve(artifact + "-" + version + ".jar"));
          JarOutputStream jar = new JarOutputStream(out);
          Stream<Path> files = Files.walk(classes)) {
        for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
          jar.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
          Files.copy(f, jar);
          jar.closeEntry();
        }
      }
    }
  }

  static String versionOf(String pom, String artifactId) {
    Matcher m = Pattern.compile("<artifactId>" + artifactId + "</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
    assertThat(m.find()).as("the version of " + artifactId).isTrue();
    return m.group(1);
  }

  /** The local repository this build resolves from: where jackson-databind was found. */
  private static Path localRepository() {
    try {
      Path jar = Path.of(ObjectMapper.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      String groupPath = "com/fasterxml/jackson/core/jackson-databind/";
      String s = jar.toString().replace('\\', '/');
      int at = s.indexOf(groupPath);
      assertThat(at).as("jackson-databind from a local repository, was " + jar).isPositive();
      return Path.of(s.substring(0, at));
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Path unzip(Path zip, Path into) throws IOException {
    try (ZipFile z = new ZipFile(zip.toFile())) {
      Enumeration<? extends ZipEntry> entries = z.entries();
      while (entries.hasMoreElements()) {
        ZipEntry e = entries.nextElement();
        Path target = into.resolve(e.getName()).normalize();
        assertThat(target.startsWith(into)).as(e.getName() + " inside the directory").isTrue();
        if (e.isDirectory()) {
          Files.createDirectories(target);
        } else {
          Files.createDirectories(target.getParent());
          try (InputStream in = z.getInputStream(e)) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
    }
    return into;
  }
}
