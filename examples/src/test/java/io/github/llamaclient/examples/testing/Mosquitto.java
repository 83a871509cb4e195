package io.github.llamaclient.examples.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Mosquitto broker (Debian package {@code mosquitto}) on a free loopback port, with a
 * generated configuration; it can be stopped and started again on the same port. Closing stops it.
 */
public final class Mosquitto implements AutoCloseable {
  private final Path dir;
  private final Path conf;
  private final int port;
  private Process process;

  private Mosquitto(Path dir, int port) throws IOException {
    this.dir = dir;
    this.port = port;
    this.conf = dir.resolve("mosquitto.conf");
    Files.writeString(
        conf,
        String.join(
            "\n",
            "listener " + port + " 127.0.0.1",
            "allow_anonymous true",
            "persistence false",
            "log_dest stderr",
            ""));
  }

  /** The broker binary: {@code mosquitto} in /usr/sbin (Debian) or on the PATH. */
  public static String binary() {
    for (String c : List.of("/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto")) {
      if (Files.isExecutable(Path.of(c))) {
        return c;
      }
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String d : path.split(java.io.File.pathSeparator)) {
        if (Files.isExecutable(Path.of(d, "mosquitto"))) {
          return Path.of(d, "mosquitto").toString();
        }
      }
    }
    throw new IllegalStateException(
        "mosquitto not found: run the tests with ./test, which installs it, or install the Debian package"
            + " mosquitto yourself (apt-get install mosquitto)");
  }

  public static Mosquitto start() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Mosquitto m = new Mosquitto(Files.createTempDirectory("mosquitto"), port);
    m.startProcess();
    return m;
  }

  public int port() {
    return port;
  }

  /** Starts the broker (again) on its port and waits until it accepts connections. */
  public synchronized void startProcess() throws Exception {
    if (process != null && process.isAlive()) {
      return;
    }
    process =
        new ProcessBuilder(binary(), "-c", conf.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("mosquitto.log").toFile())
            .start();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < end) {
      if (!process.isAlive()) {
        throw new IOException("mosquitto exited: " + Files.readString(dir.resolve("mosquitto.log")));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        return;
      } catch (IOException e) {
        Thread.sleep(50);
      }
    }
    throw new IOException("mosquitto did not listen on " + port + ": " + Files.readString(dir.resolve("mosquitto.log")));
  }

  /** Stops the broker and waits for it to exit. */
  public synchronized void stopProcess() throws InterruptedException {
    if (process == null) {
      return;
    }
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    process = null;
  }

  @Override
  public void close() throws IOException {
    try {
      stopProcess();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.deleteIfExists(f);
      }
    }
    Files.deleteIfExists(dir);
  }
}
