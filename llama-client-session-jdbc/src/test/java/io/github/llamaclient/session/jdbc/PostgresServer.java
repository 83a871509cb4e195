package io.github.llamaclient.session.jdbc;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.sql.DataSource;

/**
 * A private PostgreSQL server for the tests: Debian's {@code postgresql} package (installed by
 * {@code ./test}), a fresh cluster in a temporary directory, listening on a free loopback port,
 * trust authentication, removed on {@link #close()}. As root, the server runs as the package's
 * {@code postgres} user (PostgreSQL refuses to run as root). Fails (never skips) when PostgreSQL is
 * missing, naming the package to install.
 */
@SuppressWarnings("try") // close() may be interrupted while it waits for the server to stop
final class PostgresServer implements AutoCloseable {
  private final Path dir;
  private final Process process;
  private final int port;
  private final boolean root;
  private final UrlDataSource pool;

  private PostgresServer(Path dir, Process process, int port, boolean root) {
    this.dir = dir;
    this.process = process;
    this.port = port;
    this.root = root;
    this.pool = new UrlDataSource(url());
  }

  private static @org.jspecify.annotations.Nullable PostgresServer shared;

  /**
   * The one server of this JVM's tests, started on first use and stopped when the JVM exits (a
   * cluster takes seconds to create: once, not per test class).
   */
  static synchronized PostgresServer shared() throws Exception {
    if (shared == null) {
      PostgresServer s = start();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      s.close();
                    } catch (IOException | InterruptedException e) {
                      // the JVM is exiting; the temporary directory may stay behind
                    }
                  },
                  "postgres-stop"));
      shared = s;
    }
    return shared;
  }

  static PostgresServer start() throws Exception {
    Path bin = binaries();
    boolean root = "root".equals(System.getProperty("user.name"));
    Path dir = Files.createTempDirectory("llama-pg-");
    if (root) {
      run(List.of("chown", "postgres:postgres", dir.toString()));
    }
    run(asServerUser(root, List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", "test", "--auth=trust", "-E", "UTF8", "--no-sync")));
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    Process p =
        new ProcessBuilder(
                asServerUser(
                    root,
                    List.of(
                        bin.resolve("postgres").toString(), "-D", dir.resolve("data").toString(), "-p", String.valueOf(port),
                        "-k", dir.toString(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                        "-c", "max_connections=200")))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("server.log").toFile())
            .start();
    PostgresServer server = new PostgresServer(dir, p, port, root);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try (Connection c = server.dataSource().getConnection()) {
        return server;
      } catch (SQLException e) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          String log = Files.readString(dir.resolve("server.log"), StandardCharsets.UTF_8);
          server.close();
          throw new IllegalStateException("PostgreSQL did not start: " + e.getMessage() + "\n" + log, e);
        }
        Thread.sleep(50); // a poll: the server is starting
      }
    }
  }

  /** The directory of Debian's PostgreSQL binaries, the newest version installed. */
  private static Path binaries() throws IOException {
    Path lib = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(lib)) {
      try (Stream<Path> versions = Files.list(lib)) {
        List<Path> found =
            versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("postgres"))).sorted(Comparator.comparing(Path::toString)).toList();
        if (!found.isEmpty()) {
          return found.get(found.size() - 1);
        }
      }
    }
    throw new IllegalStateException(
        "the session-jdbc tests need PostgreSQL (Debian package postgresql), not found under /usr/lib/postgresql: run ./test, which installs it");
  }

  private static List<String> asServerUser(boolean root, List<String> command) {
    if (!root) {
      return command;
    }
    List<String> c = new ArrayList<>(List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"));
    c.addAll(command);
    return c;
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
    }
  }

  /** One pooled data source for the whole test class (its connections are closed with the server). */
  DataSource dataSource() {
    return pool;
  }

  /** The JDBC URL, for child processes. */
  String url() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=test";
  }

  /** Drops every table, so the next test starts from an empty database. */
  void reset() throws SQLException {
    try (Connection c = dataSource().getConnection();
        Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA public CASCADE");
      st.execute("CREATE SCHEMA public");
    }
  }

  @Override
  @SuppressWarnings("try") // close() may be interrupted while it waits for the server to stop
  public void close() throws IOException, InterruptedException {
    try {
      pool.close();
    } catch (java.sql.SQLException e) {
      // the server stops anyway
    }
    process.destroy(); // SIGTERM: a smart shutdown, then forcibly
    if (!process.waitFor(Duration.ofSeconds(30).toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    if (root) {
      run(List.of("rm", "-rf", dir.toString()));
    } else {
      try (Stream<Path> all = Files.walk(dir)) {
        all.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }
}
