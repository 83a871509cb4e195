package io.github.llamaclient.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Where the CPU goes, without a profiler: burst streams through one face, then
 *
 * <ol>
 *   <li>CPU per event split by thread ({@code ThreadMXBean.getThreadCpuTime} per live thread,
 *       grouped by name; "JVM (GC, JIT, VM)" is the process CPU minus every Java thread's);
 *   <li>stack samples of the client's busy threads (every 2 ms, {@code ThreadMXBean.getThreadInfo}
 *       with stacks, the same as {@code jcmd Thread.print}), each charged to the innermost frame
 *       that is ours ({@code io.github.llamaclient}), the JDK HTTP client's ({@code
 *       jdk.internal.net.http}), NIO's, Jackson's or a park/unpark, and for ours also to the method.
 * </ol>
 *
 * Samples are taken at safepoints, so they are biased towards loop back-edges and method exits;
 * the split between packages is what they are good for. Run: {@code java -jar benchmarks.jar
 * --only where}.
 */
final class Where {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private Where() {}

  static void run(Faces.Face face, Fixture fixture, ReplayServer server, boolean quick) throws Exception {
    server.plan(ReplayServer.plan(fixture, ReplayServer.Mode.BURST));
    // warm up for some seconds (a burst stream takes a few ms), so the JIT is done
    long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(quick ? 5 : 10);
    while (System.nanoTime() < warmEnd) {
      face.stream(new Faces.Recorder(0));
    }
    int streams = quick ? 1000 : 2000;
    long events = (long) streams * fixture.events;

    // 1. CPU by thread
    waitIdle(server);
    Map<Long, String> names = new HashMap<>();
    Map<Long, Long> before = cpuByThread(names);
    long procBefore = OS.getProcessCpuTime() - server.cpuNanos();
    for (int i = 0; i < streams; i++) {
      face.stream(new Faces.Recorder(0));
    }
    waitIdle(server);
    Map<Long, Long> after = cpuByThread(names);
    long proc = OS.getProcessCpuTime() - server.cpuNanos() - procBefore;
    Map<String, Long> byGroup = new TreeMap<>();
    long javaThreads = 0;
    for (Map.Entry<Long, Long> e : after.entrySet()) {
      String name = names.get(e.getKey());
      if (name.startsWith("replay-")) {
        continue;
      }
      long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
      javaThreads += d;
      byGroup.merge(group(name), d, Long::sum);
    }
    byGroup.put("JVM (GC, JIT, VM; process minus Java threads)", proc - javaThreads);
    System.out.printf(Locale.ROOT, "%s: %d streams, CPU %.3f µs/event%n", face.name, streams, proc / 1000.0 / events);
    for (Map.Entry<String, Long> e : byGroup.entrySet()) {
      if (Math.abs(e.getValue()) * 1000 / events > 0) {
        System.out.printf(Locale.ROOT, "  %-50s %6.3f µs/event%n", e.getKey(), e.getValue() / 1000.0 / events);
      }
    }

    // 2. stack samples
    Sampler sampler = new Sampler();
    Thread t = new Thread(sampler, "replay-sampler"); // replay-*: left out of the client's counts
    t.setDaemon(true);
    t.start();
    for (int i = 0; i < streams; i++) {
      face.stream(new Faces.Recorder(0));
    }
    sampler.running = false;
    t.join();
    sampler.print();
  }

  /**
   * Paced streams through {@code Stream<String>} of a client with a wire listener, which stamps
   * each content line when our SSE parser sees it on the HTTP client's thread: the latency splits
   * into server write to our parser (kernel, selector wake-up, JDK HTTP client) and our parser to
   * the consuming thread (decode, hand-off, wake-up). The listener itself adds a little (a String
   * per line) to the second part.
   */
  static void latencySplit(Fixture fixture, ReplayServer server, int streams) throws Exception {
    long[] parsed = new long[fixture.contentDeltas];
    int[] n = new int[1];
    io.github.llamaclient.WireListener wire =
        new io.github.llamaclient.WireListener() {
          @Override
          public void onLine(java.net.URI uri, String line, java.time.Duration since) {
            long t = System.nanoTime();
            if (line.startsWith("data: ") && line.contains("\"delta\":{\"content\":\"")
                && !line.contains("\"content\":\"\"")) {
              if (n[0] < parsed.length) {
                parsed[n[0]] = t;
              }
              n[0]++;
            }
          }
        };
    List<Long> toParser = new ArrayList<>();
    List<Long> toConsumer = new ArrayList<>();
    try (io.github.llamaclient.LlamaClient client =
        io.github.llamaclient.LlamaClient.builder().baseUrl(server.baseUrl()).wireListener(wire).build()) {
      io.github.llamaclient.ChatRequest request = io.github.llamaclient.ChatRequest.builder().user("hi").build();
      for (int s = -1; s < streams; s++) {
        ReplayServer.Plan plan = ReplayServer.plan(fixture, ReplayServer.Mode.PACED);
        plan.writeTimes = new long[fixture.contentDeltas];
        if (s < 0) {
          plan.paceNanos = 200_000;
        }
        server.plan(plan);
        n[0] = 0;
        Faces.Recorder r = new Faces.Recorder(fixture.contentDeltas);
        try (java.util.stream.Stream<String> st = client.generateStream(request)) {
          st.forEach(r::delta);
        }
        if (s < 0) {
          continue;
        }
        if (n[0] != fixture.contentDeltas || r.count != fixture.contentDeltas) {
          System.out.printf("  latency split: counted %d content lines, %d deltas, expected %d; skipped%n", n[0], r.count,
              fixture.contentDeltas);
          return;
        }
        for (int i = 0; i < r.count; i++) {
          toParser.add(parsed[i] - plan.writeTimes[i]);
          toConsumer.add(r.seen[i] - parsed[i]);
        }
      }
    }
    System.out.printf(Locale.ROOT, "paced latency split (Stream<String>, %d deltas): p50 / p90 / p99 µs%n", toParser.size());
    System.out.printf(Locale.ROOT, "  server write -> our SSE parser sees the line (kernel, selector wake-up, JDK HttpClient): %s%n",
        pct(toParser));
    System.out.printf(Locale.ROOT, "  our parser -> consumer has the delta (decode, hand-off, consumer wake-up):             %s%n",
        pct(toConsumer));
  }

  private static String pct(List<Long> l) {
    long[] a = l.stream().mapToLong(Long::longValue).sorted().toArray();
    return String.format(Locale.ROOT, "%.0f / %.0f / %.0f", a[a.length / 2] / 1000.0, a[(int) (a.length * 0.9)] / 1000.0,
        a[(int) Math.min(a.length - 1, Math.round(a.length * 0.99))] / 1000.0);
  }

  private static void waitIdle(ReplayServer server) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (server.active() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
  }

  private static Map<Long, Long> cpuByThread(Map<Long, String> names) {
    long[] ids = THREADS.getAllThreadIds();
    ThreadInfo[] infos = THREADS.getThreadInfo(ids);
    long[] cpu = THREADS.getThreadCpuTime(ids);
    Map<Long, Long> m = new HashMap<>();
    for (int i = 0; i < ids.length; i++) {
      if (infos[i] != null && cpu[i] >= 0) {
        names.put(ids[i], infos[i].getThreadName());
        m.put(ids[i], cpu[i]);
      }
    }
    return m;
  }

  static String group(String name) {
    if (name.contains("SelectorManager")) {
      return "HTTP selector thread (JDK I/O + our parse/decode)";
    }
    if (name.startsWith("HttpClient-")) {
      return "HTTP client executor threads";
    }
    if (name.equals("main")) {
      return "consumer (main)";
    }
    if (name.contains("-callback-")) {
      return "callback executor threads";
    }
    if (name.contains("-reader-")) {
      return "reader threads (our HTTP/1.1 reads and parse/decode of the push faces)";
    }
    return "other Java threads (" + name.replaceAll("[0-9]+", "N") + ")";
  }

  /** Samples RUNNABLE client threads and charges each sample to a package and, for ours, a method. */
  private static final class Sampler implements Runnable {
    volatile boolean running = true;
    final Map<String, Integer> bucket = new TreeMap<>();
    final Map<String, Integer> ours = new TreeMap<>();
    int total;

    @Override
    public void run() {
      while (running) {
        for (ThreadInfo ti : THREADS.dumpAllThreads(false, false, 48)) {
          String name = ti.getThreadName();
          if (name.startsWith("replay-") || ti.getThreadState() != Thread.State.RUNNABLE) {
            continue;
          }
          String g = group(name);
          if (g.startsWith("other")) {
            continue;
          }
          StackTraceElement[] st = ti.getStackTrace();
          if (st.length == 0) {
            continue;
          }
          String top = st[0].getClassName() + "." + st[0].getMethodName();
          if (top.startsWith("sun.nio.ch.EPoll.wait") || top.contains("EPollSelectorImpl.doSelect")) {
            continue; // idle in epoll_wait
          }
          String where = charge(st);
          bucket.merge(shortGroup(g) + " / " + where, 1, Integer::sum);
          total++;
          if (where.startsWith("ours")) {
            for (StackTraceElement e : st) {
              if (e.getClassName().startsWith("io.github.llamaclient.")
                  && !e.getClassName().startsWith("io.github.llamaclient.bench.")
                  && !e.getClassName().contains("$$Lambda")) {
                String c = e.getClassName().substring("io.github.llamaclient.".length());
                ours.merge(c + "." + e.getMethodName(), 1, Integer::sum);
                break;
              }
            }
          }
        }
        try {
          Thread.sleep(1);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    private static String shortGroup(String g) {
      return g.startsWith("HTTP selector") ? "selector" : g.startsWith("consumer") ? "consumer" : g.startsWith("callback") ? "callback" : "http-pool";
    }

    /** The innermost frame that is not plain java.* / jdk.internal.misc decides. */
    private static String charge(StackTraceElement[] st) {
      String top = st[0].getClassName();
      if (top.startsWith("jdk.internal.misc.Unsafe") && st[0].getMethodName().startsWith("unpark")
          || top.equals("java.util.concurrent.locks.LockSupport")) {
        return "park/unpark";
      }
      for (StackTraceElement e : st) {
        String c = e.getClassName();
        if (c.contains("$$Lambda")) {
          continue; // e.g. the client's direct executor: not a place, a pass-through
        }
        if (c.startsWith("io.github.llamaclient.bench.")) {
          return "benchmark consumer";
        }
        if (c.startsWith("io.github.llamaclient.")) {
          return "ours";
        }
        if (c.startsWith("jdk.internal.net.http.")) {
          return "JDK HttpClient";
        }
        if (c.startsWith("sun.nio.") || c.startsWith("java.nio.") || c.startsWith("sun.net.")) {
          return "NIO (socket read/write, buffers)";
        }
        if (c.startsWith("com.fasterxml.jackson.")) {
          return "Jackson";
        }
      }
      return "other (" + top + ")";
    }

    void print() {
      System.out.printf(Locale.ROOT, "  stack samples of busy client threads: %d%n", total);
      List<Map.Entry<String, Integer>> l = new ArrayList<>(bucket.entrySet());
      l.sort((a, b) -> b.getValue() - a.getValue());
      for (Map.Entry<String, Integer> e : l) {
        System.out.printf(Locale.ROOT, "    %-60s %5.1f %%%n", e.getKey(), 100.0 * e.getValue() / total);
      }
      List<Map.Entry<String, Integer>> o = new ArrayList<>(ours.entrySet());
      o.sort((a, b) -> b.getValue() - a.getValue());
      System.out.println("  ours, by innermost method of ours:");
      for (int i = 0; i < Math.min(12, o.size()); i++) {
        System.out.printf(Locale.ROOT, "    %-60s %5.1f %%%n", o.get(i).getKey(), 100.0 * o.get(i).getValue() / total);
      }
    }
  }
}
