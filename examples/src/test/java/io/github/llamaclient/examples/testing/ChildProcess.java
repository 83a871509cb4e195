package io.github.llamaclient.examples.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * An example program run as a child JVM with piped standard streams, as a user would run it: the
 * examples' classes and their runtime class path ({@code target/classpath.txt}). Closing it kills
 * the process if it is still running.
 */
public final class ChildProcess implements AutoCloseable {
  private final Process process;
  private final StringBuffer stdout = new StringBuffer();
  private final StringBuffer stderr = new StringBuffer();
  private final Writer stdin;

  private ChildProcess(Process process) {
    this.process = process;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    pump(process.getInputStream(), stdout, "stdout");
    pump(process.getErrorStream(), stderr, "stderr");
  }

  /** The runtime class path of the examples: target/classes and target/classpath.txt. */
  public static String classPath() throws IOException {
    Path cpFile = Path.of("target", "classpath.txt");
    String deps = Files.readString(cpFile).strip();
    return Path.of("target", "classes").toAbsolutePath() + java.io.File.pathSeparator + deps;
  }

  /**
   * Starts {@code mainClass} with {@code args}; the environment is this one's without any
   * LLAMA_ / LLM_ variables, plus {@code env}.
   */
  public static ChildProcess start(String mainClass, List<String> args, Map<String, String> env) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>();
    if (Files.isExecutable(Path.of("/usr/bin/perl"))) {
      // a shell started in the background (CI) may ignore SIGINT, and children inherit that: put
      // Ctrl-C back to its default so the program under test can catch it as in a terminal
      cmd.addAll(List.of("/usr/bin/perl", "-e", "$SIG{INT}='DEFAULT'; exec @ARGV or die \"exec: $!\""));
    }
    cmd.addAll(List.of(java, "-XX:TieredStopAtLevel=1", "-cp", classPath(), mainClass));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("LLAMA_") || k.startsWith("LLM_"));
    pb.environment().putAll(env);
    return new ChildProcess(pb.start());
  }

  private static void pump(InputStream in, StringBuffer into, String name) {
    Thread t =
        new Thread(
            () -> {
              try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                char[] buf = new char[4096];
                int n;
                while ((n = r.read(buf)) >= 0) {
                  into.append(buf, 0, n);
                }
              } catch (IOException e) {
                // the process ended
              }
            },
            "child-" + name);
    t.setDaemon(true);
    t.start();
  }

  /** Types a line. */
  public void type(String line) throws IOException {
    stdin.write(line);
    stdin.write('\n');
    stdin.flush();
  }

  /** Closes standard input (Ctrl-D). */
  public void endInput() throws IOException {
    stdin.close();
  }

  public String stdout() {
    return stdout.toString();
  }

  public String stderr() {
    return stderr.toString();
  }

  public long pid() {
    return process.pid();
  }

  /** Sends SIGINT, as Ctrl-C in a terminal does. */
  public void interrupt() throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IOException("kill -INT " + process.pid() + " failed");
    }
  }

  /** Waits until standard output satisfies {@code condition}; fails with both outputs if not. */
  public String awaitStdout(Predicate<String> condition, Duration timeout, String what) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      String s = stdout();
      if (condition.test(s)) {
        return s;
      }
      if (!process.isAlive() && condition.negate().test(stdout())) {
        Thread.sleep(100); // let the pumps drain
        if (condition.test(stdout())) {
          return stdout();
        }
        throw new AssertionError("the process exited (" + process.exitValue() + ") before " + what + describe());
      }
      Thread.sleep(20);
    }
    throw new AssertionError("timed out waiting for " + what + describe());
  }

  /** Counts occurrences of {@code s} in standard output. */
  public int count(String s) {
    String all = stdout();
    int n = 0;
    for (int i = all.indexOf(s); i >= 0; i = all.indexOf(s, i + s.length())) {
      n++;
    }
    return n;
  }

  /** Waits for the exit code. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("the process did not exit" + describe());
    }
    Thread.sleep(100); // let the pumps drain
    return process.exitValue();
  }

  public String describe() {
    return "\n--- stdout:\n" + stdout() + "\n--- stderr:\n" + stderr();
  }

  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
