package io.github.llamaclient.bench;

import io.github.llamaclient.DecodeBenchmark;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The side-by-side run: an in-process replay server, the baseline client and ours, measured one
 * after another in one JVM, printed as a table with the targets.
 *
 * <pre>
 * ./mvnw -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar            # full run
 * java -jar benchmarks/target/benchmarks.jar --quick    # under 3 minutes on 2 cores
 * </pre>
 *
 * Other options: {@code --fixture NAME} (default chat-stream-unknown-role-unbounded), {@code
 * --no-jmh} (skip the decode benchmark), {@code --only burst,ttft,paced,cancel,concurrent,scale,decode}; {@code --only where} prints where the CPU goes (not part of the default run).
 */
public final class Main {

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

  private final boolean quick;
  private final Fixture fixture;
  private final ReplayServer server;
  private final List<String> only;
  private final List<String> faceNames; // empty: all

  private Main(boolean quick, Fixture fixture, List<String> only, List<String> faceNames) throws Exception {
    this.quick = quick;
    this.fixture = fixture;
    this.only = only;
    this.faceNames = faceNames;
    this.server = new ReplayServer(ReplayServer.plan(fixture, ReplayServer.Mode.BURST));
  }

  /** One client's numbers. */
  static final class Row {
    final String name;
    double cpuNsPerEvent = Double.NaN;
    double bytesPerEvent = Double.NaN;
    double eventsPerSecond = Double.NaN;
    double p50Micros = Double.NaN;
    double p99Micros = Double.NaN;
    double ttftP50Micros = Double.NaN;
    double cancelMillis = Double.NaN;
    long streams;
    long events;
    long cpuNanos;
    long allocBytes;
    long wallNanos;

    Row(String name) {
      this.name = name;
    }
  }

  public static void main(String[] args) throws Exception {
    boolean quick = false;
    String scenario = "chat-stream-unknown-role-unbounded";
    List<String> only = List.of("burst", "ttft", "paced", "cancel", "concurrent", "scale", "decode");
    List<String> faceNames = List.of();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick":
          quick = true;
          break;
        case "--fixture":
          scenario = args[++i];
          break;
        case "--no-jmh":
          only = new ArrayList<>(only);
          only.remove("decode");
          break;
        case "--only":
          only = Arrays.asList(args[++i].split(","));
          break;
        case "--faces":
          faceNames = Arrays.asList(args[++i].split(","));
          break;
        default:
          System.err.println("unknown option " + args[i]
              + "; options: --quick, --fixture NAME, --no-jmh, --only burst,ttft,paced,cancel,concurrent,scale,decode,where, --faces floor,baseline,stream,events,callbacks,publisher");
          System.exit(2);
      }
    }
    long start = System.nanoTime();
    Fixture fixture = Fixture.load(scenario);
    System.out.printf("# llama-client benchmarks (%s mode)%n", quick ? "quick" : "full");
    System.out.printf("machine: %d cores (nproc), %s %s, %s; heap max %d MB%n",
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"),
        System.getProperty("os.name") + " " + System.getProperty("os.arch"),
        Runtime.getRuntime().maxMemory() >> 20);
    System.out.println("fixture: " + fixture);
    Main m = new Main(quick, fixture, only, faceNames);
    try {
      m.run();
    } finally {
      m.server.close();
    }
    System.out.printf("%ntotal time %.0f s%n", (System.nanoTime() - start) / 1e9);
    System.exit(0);
  }

  private void run() throws Exception {
    String url = server.baseUrl();
    Row floorRow;
    Row baseRow;
    Row streamRow;
    Row eventsRow;
    Row callbackRow;
    Row publisherRow;
    try (Faces.Floor floor = new Faces.Floor(url);
        Faces.Baseline baseline = new Faces.Baseline(url);
        Faces.OursStream ours = new Faces.OursStream(url);
        Faces.OursEvents events = new Faces.OursEvents(url);
        Faces.OursCallbacks callbacks = new Faces.OursCallbacks(url);
        Faces.OursPublisher publisher = new Faces.OursPublisher(url)) {
      List<Faces.Face> faces = new ArrayList<>();
      String[] keys = {"floor", "baseline", "stream", "events", "callbacks", "publisher"};
      List<Faces.Face> all = List.of(floor, baseline, ours, events, callbacks, publisher);
      for (int i = 0; i < keys.length; i++) {
        if (faceNames.isEmpty() || faceNames.contains(keys[i])) {
          faces.add(all.get(i));
        }
      }
      if (only.contains("where")) {
        section("where the CPU goes: by thread, then stack samples (burst)");
        for (Faces.Face f : faces) {
          Where.run(f, fixture, server, quick);
        }
      }
      if (only.contains("where") || only.contains("split")) {
        section("where the latency goes (paced)");
        Where.latencySplit(fixture, server, quick ? 1 : 3);
      }
      Map<Faces.Face, Row> rows = new HashMap<>();
      for (Faces.Face f : all) {
        rows.put(f, new Row(f.name));
      }
      if (only.contains("burst")) {
        section("burst: whole recording at once, one stream after another, CPU and allocation of the client");
        // warm-up by time, not by count (a burst stream takes a few ms): the JIT must be done
        // before measuring, or its compiler threads' CPU lands in the CPU per event
        long warmNanos = TimeUnit.MILLISECONDS.toNanos(quick ? 1500 : 3000);
        for (int round = 0; round < 2; round++) { // interleave warm-up so all are compiled
          for (Faces.Face f : faces) {
            long end = System.nanoTime() + warmNanos;
            while (System.nanoTime() < end) {
              burst(f, 10, null);
            }
          }
        }
        // measured in rounds (faces interleaved) of a fixed time each, summed: long windows, so
        // the garbage collections each face causes are counted in its own numbers on average
        int rounds = quick ? 2 : 3;
        long measureNanos = TimeUnit.MILLISECONDS.toNanos(quick ? 1000 : 2000);
        for (int round = 0; round < rounds; round++) {
          for (Faces.Face f : faces) {
            Row row = rows.get(f);
            long end = System.nanoTime() + measureNanos;
            while (System.nanoTime() < end) {
              burst(f, 50, row);
            }
          }
        }
        for (Faces.Face f : faces) {
          Row row = rows.get(f);
          row.cpuNsPerEvent = (double) row.cpuNanos / row.events;
          row.bytesPerEvent = (double) row.allocBytes / row.events;
          row.eventsPerSecond = row.events / (row.wallNanos / 1e9);
          System.out.printf(Locale.ROOT, "%-55s %d streams in %d rounds: CPU %.3f µs/event, %.0f B/event, %,.0f events/s%n",
              f.name, row.streams, rounds, row.cpuNsPerEvent / 1000, row.bytesPerEvent, row.eventsPerSecond);
        }
        Row base = rows.get(baseline);
        if (base != null && base.events > 0) {
          for (Faces.Face f : faces) {
            Row row = rows.get(f);
            System.out.printf(Locale.ROOT, "%-55s CPU ratio to the baseline %.2f, allocation %.3f%n",
                f.name, row.cpuNsPerEvent / base.cpuNsPerEvent, row.bytesPerEvent / base.bytesPerEvent);
          }
        }
      }
      if (only.contains("ttft")) {
        section("time to first token: call -> consumer sees the first delta (burst replies, the floor and our faces interleaved)");
        // the baseline is left out: its HttpClient's threads go on closing its connection after
        // its stream, and whichever face came next paid for that on 2 cores
        List<Faces.Face> timed = new ArrayList<>(faces);
        timed.remove(baseline);
        ttft(timed, quick ? 100 : 400, rows);
      }
      if (only.contains("paced")) {
        section("paced: one recorded chunk every 2 ms; latency = server write -> consumer sees the delta");
        paced(faces, quick ? 1 : 3, rows);
      }
      if (only.contains("cancel")) {
        section("cancel: close after 5 deltas -> server sees the connection closed");
        int n = quick ? 31 : 101;
        for (Faces.Face f : faces) {
          cancel(f, n, rows.get(f));
        }
      }
      floorRow = rows.get(floor);
      baseRow = rows.get(baseline);
      streamRow = rows.get(ours);
      eventsRow = rows.get(events);
      callbackRow = rows.get(callbacks);
      publisherRow = rows.get(publisher);
    }
    List<String> concurrent = new ArrayList<>();
    if (only.contains("concurrent")) {
      section("concurrent: 1,000 streams at once in one JVM");
      concurrent.add(concurrent(new Faces.OursPublisher(server.baseUrl()), 1000));
      concurrent.add(concurrent(new Faces.OursCallbacks(server.baseUrl()), 1000));
    }
    List<String> scale = new ArrayList<>();
    int scaleStreams = Integer.getInteger("bench.scale.streams", quick ? 1_000 : 10_000);
    if (only.contains("scale")) {
      section(String.format(Locale.ROOT, "scale: %,d streams at once on every face, the server in a child JVM", scaleStreams));
      scale = Scale.run(scaleStreams, List.of("stream", "events", "publisher", "callbacks"));
    }
    List<String> decode = new ArrayList<>();
    if (only.contains("decode")) {
      section("decode path alone (JMH, -prof gc): SSE bytes in memory -> typed events");
      decode = decode();
    }

    System.out.println();
    System.out.println("## Results (" + fixture.scenario + ", " + fixture.events + " events per stream)");
    System.out.println();
    System.out.println("| client | CPU per event | allocated per event | events/s | TTFT p50 | delivery latency p50 / p99 | cancel → server sees close |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (Row r : List.of(floorRow, baseRow, streamRow, eventsRow, callbackRow, publisherRow)) {
      if (r.streams == 0 && Double.isNaN(r.p50Micros) && Double.isNaN(r.cancelMillis) && Double.isNaN(r.ttftP50Micros)) {
        continue; // not run
      }
      System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s µs | %s / %s µs | %s ms |%n", r.name,
          fmt(r.cpuNsPerEvent / 1000, "µs"), fmt(r.bytesPerEvent, "B"), fmtInt(r.eventsPerSecond),
          num(r.ttftP50Micros), num(r.p50Micros), num(r.p99Micros), num2(r.cancelMillis));
    }
    System.out.println();
    System.out.println("## Every face against the floor (measured in this run)");
    System.out.println();
    System.out.println("| face | CPU per event / floor's (≤ 1.5) | allocated per event (≤ 100 B) | TTFT p50 − floor's (≤ 100 µs) | cancel median (≤ 0.5 ms) |");
    System.out.println("|---|---|---|---|---|");
    for (Row r : List.of(streamRow, eventsRow, callbackRow, publisherRow)) {
      double cpu = r.cpuNsPerEvent / floorRow.cpuNsPerEvent;
      double ttft = r.ttftP50Micros - floorRow.ttftP50Micros;
      System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", r.name,
          verdict(cpu, 1.5, String.format(Locale.ROOT, "%.2f×", cpu)),
          verdict(r.bytesPerEvent, 100, String.format(Locale.ROOT, "%.0f B", r.bytesPerEvent)),
          verdict(ttft, 100, String.format(Locale.ROOT, "%+.0f µs", ttft)),
          verdict(r.cancelMillis, 0.5, String.format(Locale.ROOT, "%.3f ms", r.cancelMillis)));
    }
    System.out.println();
    System.out.println("## Targets (ratio = ours / baseline, measured in this run)");
    System.out.println();
    System.out.println("| target | face | baseline | ours | ratio | limit | met |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (Row r : List.of(streamRow, eventsRow)) {
      target("CPU per event", r, baseRow.cpuNsPerEvent / 1000, r.cpuNsPerEvent / 1000, "µs", 1.0 / 3, "≤ 1/3");
      target("allocated per event", r, baseRow.bytesPerEvent, r.bytesPerEvent, "B", 1.0 / 8, "≤ 1/8");
      target("latency p50", r, baseRow.p50Micros, r.p50Micros, "µs", 1.0 / 3, "≤ 1/3");
      target("latency p99", r, baseRow.p99Micros, r.p99Micros, "µs", 1.0 / 3, "≤ 1/3");
      boolean met = r.cancelMillis < 1.0;
      System.out.printf(Locale.ROOT, "| cancel median | %s | %s ms | %s ms | | < 1 ms | %s |%n", r.name,
          num2(baseRow.cancelMillis), num2(r.cancelMillis), Double.isNaN(r.cancelMillis) ? "n/a" : met ? "yes" : "NO");
    }
    if (!concurrent.isEmpty()) {
      System.out.println();
      System.out.println("## 1,000 concurrent streams");
      System.out.println();
      System.out.println("| face | completed | failed | peak live client threads | live heap per open stream | wall time |");
      System.out.println("|---|---|---|---|---|---|");
      concurrent.forEach(System.out::println);
    }
    if (!scale.isEmpty()) {
      System.out.println();
      System.out.printf(Locale.ROOT, "## %,d concurrent streams (%s, held open until all are)%n", scaleStreams, Scale.FIXTURE);
      System.out.println();
      scale.forEach(System.out::println);
    }
    if (!decode.isEmpty()) {
      System.out.println();
      System.out.println("## Decode path alone (JMH avgt + gc profiler)");
      System.out.println();
      System.out.println("| recording | decoder | ns per event | bytes per event |");
      System.out.println("|---|---|---|---|");
      decode.forEach(System.out::println);
    }
  }

  /** A figure with whether it is within its limit; n/a when not measured. */
  private static String verdict(double v, double limit, String shown) {
    return Double.isNaN(v) ? "n/a" : shown + (v <= limit ? " yes" : " **NO**");
  }

  private static void target(String what, Row r, double base, double ours, String unit, double limit, String limitText) {
    double ratio = ours / base;
    String met = Double.isNaN(ratio) ? "n/a" : ratio <= limit ? "yes" : "NO";
    System.out.printf(Locale.ROOT, "| %s | %s | %s %s | %s %s | %s | %s | %s |%n", what, r.name,
        num2(base), unit, num2(ours), unit, Double.isNaN(ratio) ? "n/a" : String.format(Locale.ROOT, "1/%.1f", 1 / ratio),
        limitText, met);
  }

  private static String fmt(double v, String unit) {
    if (Double.isNaN(v)) {
      return "n/a";
    }
    return (v >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.2f", v)) + " " + unit;
  }

  private static String fmtInt(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%,.0f", v);
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%,.0f", v);
  }

  private static String num2(double v) {
    if (Double.isInfinite(v)) {
      return "never";
    }
    return Double.isNaN(v) ? "n/a" : v >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.2f", v);
  }

  private static void section(String s) {
    System.out.println();
    System.out.println("== " + s);
  }

  // ------------------------------------------------------------------ burst

  /** CPU (process minus server threads), allocation (all live non-server threads), wall time. */
  private static final class Snapshot {
    final long wall = System.nanoTime();
    final long cpu;
    final Map<Long, Long> alloc = new HashMap<>();

    Snapshot(ReplayServer server) {
      long[] ids = THREADS.getAllThreadIds();
      ThreadInfo[] infos = THREADS.getThreadInfo(ids);
      long[] bytes = THREADS.getThreadAllocatedBytes(ids);
      for (int i = 0; i < ids.length; i++) {
        if (infos[i] != null && !infos[i].getThreadName().startsWith("replay-") && bytes[i] >= 0) {
          alloc.put(ids[i], bytes[i]);
        }
      }
      cpu = OS.getProcessCpuTime() - server.cpuNanos();
    }

    long allocSince(Snapshot before) {
      long sum = 0;
      for (Map.Entry<Long, Long> e : alloc.entrySet()) {
        sum += e.getValue() - before.alloc.getOrDefault(e.getKey(), 0L);
      }
      return sum;
    }
  }

  private void burst(Faces.Face f, int streams, Row row) throws Exception {
    server.plan(ReplayServer.plan(fixture, ReplayServer.Mode.BURST));
    quiesce();
    Snapshot before = new Snapshot(server);
    for (int i = 0; i < streams; i++) {
      Faces.Recorder r = new Faces.Recorder(0);
      f.stream(r);
      if (r.count != fixture.contentDeltas) {
        throw new IllegalStateException(f.name + " saw " + r.count + " deltas, expected " + fixture.contentDeltas);
      }
    }
    quiesce();
    Snapshot after = new Snapshot(server);
    if (row == null) {
      return;
    }
    row.streams += streams;
    row.events += (long) streams * fixture.events;
    row.cpuNanos += after.cpu - before.cpu;
    row.allocBytes += after.allocSince(before);
    row.wallNanos += after.wall - before.wall;
  }

  /** Waits until the server's connections ended, so their CPU is accounted to the server. */
  private void quiesce() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (server.active() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
  }

  // ------------------------------------------------------------------ paced

  /**
   * Paced streams, faces interleaved: every face streams once (a fast warm-up stream first, so the
   * paced path is compiled), then round after round one paced stream per face, each after a
   * {@code System.gc()} and a pause, so no face measures in the garbage or the background work the
   * face before it left, and drifts of the machine are spread over all faces.
   */
  private void paced(List<Faces.Face> faces, int streams, Map<Faces.Face, Row> rows) throws Exception {
    Map<Faces.Face, List<Long>> latencies = new HashMap<>();
    for (Faces.Face f : faces) {
      latencies.put(f, new ArrayList<>());
      pacedStream(f, 200_000, null);
    }
    for (int round = 0; round < streams; round++) {
      for (Faces.Face f : faces) {
        System.gc();
        Thread.sleep(200);
        pacedStream(f, ReplayServer.Plan.DEFAULT_PACE_NANOS, latencies.get(f));
      }
    }
    for (Faces.Face f : faces) {
      Row row = rows.get(f);
      long[] l = latencies.get(f).stream().mapToLong(Long::longValue).sorted().toArray();
      row.p50Micros = l[l.length / 2] / 1000.0;
      row.p99Micros = l[(int) Math.min(l.length - 1, Math.round(l.length * 0.99))] / 1000.0;
      System.out.printf(Locale.ROOT, "%-55s %d deltas: p50 %.0f µs, p90 %.0f µs, p99 %.0f µs, max %.0f µs%n", f.name,
          l.length, row.p50Micros, l[(int) (l.length * 0.9)] / 1000.0, row.p99Micros, l[l.length - 1] / 1000.0);
    }
  }

  /** One paced stream; the latency of each content delta is added to {@code out} (if not null). */
  private void pacedStream(Faces.Face f, long paceNanos, List<Long> out) throws Exception {
    ReplayServer.Plan plan = ReplayServer.plan(fixture, ReplayServer.Mode.PACED);
    plan.writeTimes = new long[fixture.contentDeltas];
    plan.paceNanos = paceNanos;
    server.plan(plan);
    Faces.Recorder r = new Faces.Recorder(fixture.contentDeltas);
    f.stream(r);
    if (out != null) {
      for (int i = 0; i < Math.min(r.count, plan.writeTimes.length); i++) {
        out.add(r.seen[i] - plan.writeTimes[i]);
      }
    }
  }

  // ------------------------------------------------------------------ time to first token

  /**
   * Time to first token, faces interleaved: from just before the face's call to when its consumer
   * sees the first delta of a burst reply (the replay server answers at once), so the figure is
   * the client's connect, request, first read, decode and hand-off. Warm-up rounds first; p50 over
   * {@code n} streams per face.
   */
  private void ttft(List<Faces.Face> faces, int n, Map<Faces.Face, Row> rows) throws Exception {
    server.plan(ReplayServer.plan(fixture, ReplayServer.Mode.BURST));
    Map<Faces.Face, long[]> took = new HashMap<>();
    for (Faces.Face f : faces) {
      took.put(f, new long[n]);
    }
    // warm-up by time, faces interleaved: the per-stream code (building the request, connecting,
    // starting the faces) runs once per stream, so it needs thousands of streams to be compiled
    long warmEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(quick ? 3000 : 8000);
    while (System.nanoTime() < warmEnd) {
      for (Faces.Face f : faces) {
        f.stream(new Faces.Recorder(1));
      }
    }
    quiesce();
    // each round starts with the next face: a face's first token costs more right after a face
    // that kept one thread busy than after one that woke several (measured: 15-40 µs on 2 cores),
    // so a fixed order would charge that to whichever face follows a pulled one
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < faces.size(); k++) {
        Faces.Face f = faces.get((i + k) % faces.size());
        Faces.Recorder r = new Faces.Recorder(1);
        long t0 = System.nanoTime();
        f.stream(r);
        took.get(f)[i] = r.seen[0] - t0;
      }
      quiesce();
    }
    for (Faces.Face f : faces) {
      long[] t = took.get(f);
      Arrays.sort(t);
      rows.get(f).ttftP50Micros = t[n / 2] / 1000.0;
      System.out.printf(Locale.ROOT, "%-55s %d streams: TTFT p50 %.0f µs, p90 %.0f µs, p99 %.0f µs%n", f.name, n,
          t[n / 2] / 1000.0, t[(int) (n * 0.9)] / 1000.0, t[(int) Math.min(n - 1, Math.round(n * 0.99))] / 1000.0);
    }
  }

  // ------------------------------------------------------------------ cancel

  private void cancel(Faces.Face f, int n, Row row) throws Exception {
    long[] took = new long[n];
    int never = 0;
    for (int i = -5; i < n; i++) {
      ReplayServer.Plan plan = ReplayServer.plan(fixture, ReplayServer.Mode.CANCEL);
      plan.prefix = 20;
      server.plan(plan);
      long closedAt = f.cancelAfter(5);
      Long seen = plan.closeSeen.poll(2, TimeUnit.SECONDS);
      if (seen == null) {
        // the client did not close the connection: count it as never, give up after three
        if (++never == 3) {
          row.cancelMillis = Double.POSITIVE_INFINITY;
          System.out.printf(Locale.ROOT, "%-55s the connection stayed open 2 s after close, 3 times: never%n", f.name);
          return;
        }
        seen = closedAt + TimeUnit.DAYS.toNanos(1);
      }
      if (i >= 0) {
        took[i] = seen - closedAt;
      }
    }
    Arrays.sort(took);
    row.cancelMillis = took[n / 2] / 1e6;
    System.out.printf(Locale.ROOT, "%-55s %d cancels: median %.3f ms, p90 %.3f ms, max %.3f ms%n", f.name, n,
        row.cancelMillis, took[(int) (n * 0.9)] / 1e6, took[n - 1] / 1e6);
  }

  // ------------------------------------------------------------------ concurrent

  private String concurrent(Faces.Ours face, int streams) throws Exception {
    try (face) {
      // warm-up: a few streams through this face
      server.plan(ReplayServer.plan(fixture, ReplayServer.Mode.BURST));
      for (int i = 0; i < 5; i++) {
        face.stream(new Faces.Recorder(0));
      }
      quiesce();
      long heapBefore = usedHeapAfterGc();
      ReplayServer.Plan plan = ReplayServer.plan(fixture, ReplayServer.Mode.HOLD);
      plan.prefix = 5;
      plan.arrived = new CountDownLatch(streams);
      plan.release = new CountDownLatch(1);
      server.plan(plan);
      ThreadWatch watch = new ThreadWatch();
      watch.start();
      long t0 = System.nanoTime();
      CountDownLatch done = new CountDownLatch(streams);
      AtomicInteger failed = new AtomicInteger();
      List<Faces.Recorder> recorders = new ArrayList<>();
      for (int i = 0; i < streams; i++) {
        Faces.Recorder r = new Faces.Recorder(0);
        recorders.add(r);
        if (face instanceof Faces.OursPublisher) {
          ((Faces.OursPublisher) face).start(r, done, failed, -1, new long[1]);
        } else {
          ((Faces.OursCallbacks) face).start(r, done, failed);
        }
      }
      boolean allOpen = plan.arrived.await(120, TimeUnit.SECONDS);
      Thread.sleep(300); // let the clients take the first chunks
      long heapOpen = usedHeapAfterGc();
      plan.release.countDown();
      boolean finished = done.await(300, TimeUnit.SECONDS);
      long wall = System.nanoTime() - t0;
      watch.stop();
      long complete = recorders.stream().filter(r -> r.count == fixture.contentDeltas).count();
      String line = String.format(Locale.ROOT, "| %s | %d of %d | %d | %d | %s | %.1f s |", face.name, complete, streams,
          failed.get() + (finished ? 0 : streams - (int) (streams - done.getCount())), watch.peak,
          allOpen ? String.format(Locale.ROOT, "%,.0f B", (heapOpen - heapBefore) / (double) streams) : "n/a (not all open)",
          wall / 1e9);
      System.out.println(line);
      quiesce();
      return line;
    }
  }

  static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
    }
    return MEMORY.getHeapMemoryUsage().getUsed();
  }

  /** Samples the live platform threads that are neither the replay server's nor callers ({@code caller-*}, the scale run's). */
  static final class ThreadWatch implements Runnable {
    private final Thread thread = new Thread(this, "replay-watch");
    private volatile boolean running = true;
    volatile int peak;

    void start() {
      thread.setDaemon(true);
      thread.start();
    }

    void stop() throws InterruptedException {
      running = false;
      thread.join();
    }

    @Override
    public void run() {
      while (running) {
        int n = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
          if (!t.getName().startsWith("replay-") && !t.getName().startsWith("caller-")) {
            n++;
          }
        }
        peak = Math.max(peak, n);
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  // ------------------------------------------------------------------ decode (JMH)

  private List<String> decode() throws Exception {
    ChainedOptionsBuilder o = new OptionsBuilder()
        .include(DecodeBenchmark.class.getName() + ".*")
        .addProfiler(GCProfiler.class)
        .forks(1)
        .shouldFailOnError(true)
        .jvmArgsAppend("-Xmx1g");
    if (quick) {
      o.warmupIterations(3).warmupTime(TimeValue.seconds(1)).measurementIterations(3).measurementTime(TimeValue.seconds(1));
    } else {
      o.warmupIterations(5).warmupTime(TimeValue.seconds(2)).measurementIterations(5).measurementTime(TimeValue.seconds(2));
    }
    List<String> lines = new ArrayList<>();
    for (RunResult rr : new Runner(o.build()).run()) {
      String recording = rr.getParams().getParam("recording");
      String method = rr.getParams().getBenchmark();
      method = method.substring(method.lastIndexOf('.') + 1);
      int events = DecodeBenchmark.eventsOf(recording);
      double ns = rr.getPrimaryResult().getScore() / events;
      Result<?> norm = rr.getSecondaryResults().get("gc.alloc.rate.norm");
      double bytes = norm == null ? Double.NaN : norm.getScore() / events;
      lines.add(String.format(Locale.ROOT, "| %s (%d events) | %s | %.0f ns | %.0f B |", recording, events, method, ns, bytes));
    }
    return lines;
  }
}
