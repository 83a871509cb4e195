package io.github.llamaclient.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Many streams open at once from this JVM, on every face: the server is a {@link ReplayServer} in a
 * child JVM (ten thousand streams are twenty thousand sockets, more than one process may hold
 * here), which sends each stream its first chunks, holds it until every stream is open, then sends
 * the rest. Per face: how many completed, the peak of the client's live threads (every platform
 * thread of this JVM but the callers' and the harness's own, so the JVM's own threads count), and
 * the heap per open stream (used heap after a collection with all streams open, minus before, per
 * stream).
 *
 * <p>The pulled faces need a thread per stream to consume on: a virtual thread where the JDK has
 * them, else a platform thread (named {@code caller-*}, left out of the count: they are the
 * application's, not the client's). Run alone: {@code java -cp benchmarks.jar
 * io.github.llamaclient.bench.Scale [STREAMS [FACES]]}.
 */
final class Scale {
  /** The recording replayed: a short real reply (its chunks: role, tokens, finish, usage). */
  static final String FIXTURE = "chat-stream-basic";
  private static final int PREFIX = 3;

  private Scale() {}

  public static void main(String[] args) throws Exception {
    int streams = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    List<String> faces = args.length > 1 ? List.of(args[1].split(",")) : List.of("stream", "events", "publisher", "callbacks");
    run(streams, faces).forEach(System.out::println);
    System.exit(0);
  }

  /** Runs {@code streams} at once on each face; returns the table's lines. */
  static List<String> run(int streams, List<String> faces) throws Exception {
    List<String> lines = new ArrayList<>();
    lines.add("| face | completed | failed | client threads (peak) | heap per open stream | all open after | wall |");
    lines.add("|---|---|---|---|---|---|---|");
    try (Child server = new Child()) {
      for (String face : faces) {
        String line = one(server, face, streams);
        System.out.println(line);
        lines.add(line);
      }
    }
    return lines;
  }

  private static Faces.Ours face(String name, String url) {
    switch (name) {
      case "stream":
        return new Faces.OursStream(url);
      case "events":
        return new Faces.OursEvents(url);
      case "publisher":
        return new Faces.OursPublisher(url);
      case "callbacks":
        return new Faces.OursCallbacks(url);
      default:
        throw new IllegalArgumentException("no face " + name + " (stream, events, publisher, callbacks)");
    }
  }

  private static String one(Child server, String name, int streams) throws Exception {
    Fixture fixture = Fixture.load(FIXTURE);
    try (Faces.Ours face = face(name, server.url)) {
      server.command("burst");
      for (int i = 0; i < 200; i++) { // warm-up
        run(face, new Faces.Recorder(0), new CountDownLatch(1), new AtomicInteger(), new AtomicReference<>(), null);
      }
      server.command("hold");
      long heapBefore = Main.usedHeapAfterGc();
      Main.ThreadWatch threads = new Main.ThreadWatch();
      threads.start();
      ThreadFactory callers = callers();
      AtomicInteger opened = new AtomicInteger();
      AtomicInteger failed = new AtomicInteger();
      AtomicReference<Throwable> firstFailure = new AtomicReference<>();
      CountDownLatch done = new CountDownLatch(streams);
      List<Faces.Recorder> recorders = new ArrayList<>(streams);
      long t0 = System.nanoTime();
      for (int i = 0; i < streams; i++) {
        Faces.Recorder r = new Faces.Recorder(0);
        r.opened = opened;
        recorders.add(r);
        run(face, r, done, failed, firstFailure, callers);
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
      while (opened.get() + failed.get() < streams && System.nanoTime() < deadline) {
        Thread.sleep(20); // a harness poll, not a test
      }
      long openNanos = System.nanoTime() - t0;
      boolean allOpen = opened.get() == streams;
      long heapOpen = Main.usedHeapAfterGc();
      if (Boolean.getBoolean("bench.scale.histogram")) { // -Dbench.scale.histogram=true: what the heap holds now
        histogram();
      }
      server.command("release");
      boolean finished = done.await(300, TimeUnit.SECONDS);
      long wall = System.nanoTime() - t0;
      threads.stop();
      long complete = recorders.stream().filter(r -> r.count == fixture.contentDeltas).count();
      Throwable f = firstFailure.get();
      return String.format(
          Locale.ROOT,
          "| %s | %,d of %,d | %,d%s | %d | %s | %.1f s | %.1f s |",
          face.name,
          complete,
          streams,
          failed.get() + (finished ? 0 : (int) done.getCount()),
          f == null ? "" : " (first: " + f.getClass().getSimpleName() + ": " + f.getMessage() + ")",
          threads.peak,
          allOpen ? String.format(Locale.ROOT, "%,.0f B", (heapOpen - heapBefore) / (double) streams) : "n/a (" + opened.get() + " open)",
          openNanos / 1e9,
          wall / 1e9);
    }
  }

  /** Starts one stream: the push faces on their own, the pulled ones on a caller thread (or this one, if none). */
  private static void run(
      Faces.Ours face, Faces.Recorder r, CountDownLatch done, AtomicInteger failed, AtomicReference<Throwable> first, ThreadFactory callers)
      throws Exception {
    if (face instanceof Faces.OursPublisher) {
      ((Faces.OursPublisher) face).start(r, done, failed, -1, new long[1], first);
      if (callers == null) {
        done.await(60, TimeUnit.SECONDS);
      }
      return;
    }
    if (face instanceof Faces.OursCallbacks) {
      ((Faces.OursCallbacks) face).start(r, done, failed, first);
      if (callers == null) {
        done.await(60, TimeUnit.SECONDS);
      }
      return;
    }
    Runnable pull =
        () -> {
          try {
            face.stream(r);
          } catch (Throwable e) {
            failed.incrementAndGet();
            first.compareAndSet(null, e);
          } finally {
            done.countDown();
          }
        };
    if (callers == null) {
      pull.run();
    } else {
      callers.newThread(pull).start();
    }
  }

  /** Virtual threads where the JDK has them (21+), else small platform threads named caller-*. */
  private static ThreadFactory callers() {
    try {
      Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
      Class<?> ofVirtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
      builder = ofVirtual.getMethod("name", String.class, long.class).invoke(builder, "caller-", 0L);
      return (ThreadFactory) Class.forName("java.lang.Thread$Builder").getMethod("factory").invoke(builder);
    } catch (ReflectiveOperationException e) {
      AtomicInteger n = new AtomicInteger();
      return r -> {
        Thread t = new Thread(null, r, "caller-" + n.incrementAndGet(), 128 * 1024);
        t.setDaemon(true);
        return t;
      };
    }
  }

  /** The top of {@code jcmd PID GC.class_histogram} for this JVM, printed. */
  private static void histogram() throws IOException, InterruptedException {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    Process p = new ProcessBuilder(jcmd, String.valueOf(ProcessHandle.current().pid()), "GC.class_histogram").redirectErrorStream(true).start();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      r.lines().limit(40).forEach(System.out::println);
    }
    p.waitFor();
  }

  /** The replay server in a child JVM, on this JVM's java and class path. */
  private static final class Child implements AutoCloseable {
    final Process process;
    final String url;
    private final BufferedReader out;
    private final Writer in;

    Child() throws IOException {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      process =
          new ProcessBuilder(
                  java, "-Xmx1g", "-cp", System.getProperty("java.class.path"), ReplayServer.class.getName(), FIXTURE, String.valueOf(PREFIX))
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      String first = out.readLine();
      if (first == null || !first.startsWith("port ")) {
        process.destroyForcibly();
        throw new IOException("the replay server did not start: " + first);
      }
      url = "http://127.0.0.1:" + first.substring(5).trim();
    }

    void command(String c) throws IOException {
      in.write(c + "\n");
      in.flush();
      String answer = out.readLine();
      if (!"ok".equals(answer)) {
        throw new IOException("the replay server answered " + answer + " to " + c);
      }
    }

    @Override
    public void close() throws IOException {
      try {
        in.write("quit\n");
        in.flush();
      } catch (IOException e) {
        // gone already
      }
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
