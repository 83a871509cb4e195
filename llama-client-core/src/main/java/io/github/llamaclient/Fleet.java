package io.github.llamaclient;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.llamaclient.internal.exchange.Clock;
import io.github.llamaclient.internal.exchange.Exchange;
import io.github.llamaclient.internal.exchange.Request;
import io.github.llamaclient.internal.exchange.Route;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The servers of one client and the routing over them. Not API: {@link FleetApi} shows it.
 *
 * <p>Routing: a request with an affinity key goes to the server that ranks first for that key
 * among the routable ones (rendezvous hashing: a server added or removed moves only the keys that
 * rank it first); any other request goes to the least-loaded routable server (this client's
 * requests in flight there plus the slots other clients kept busy at the last probe, over its
 * slots), ties taken in turn. A request that cannot connect is sent to the next server; once a
 * server answered, nothing is ever sent again.
 *
 * <p>Health: a prober (one daemon thread per client, only with two servers or more) reads each
 * server's {@code /health} and {@code /slots} every probe interval; a server that is down or
 * loading is probed again after 250 ms, then twice as long each time up to the interval, and is
 * routable again as soon as {@code /health} answers 200. A failed connect marks the server down at
 * once.
 */
final class Fleet implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Fleet.class.getName());
  private static final long FIRST_BACKOFF = TimeUnit.MILLISECONDS.toNanos(250);

  /** One server and what the client knows of it. */
  static final class Member {
    final URI base;
    final String prefix; // the base as request URIs start, without a trailing slash
    volatile ServerStatus.State state = ServerStatus.State.UNKNOWN;
    volatile int slots;
    volatile int busySlots;
    volatile int busyElsewhere; // busy slots at the last probe that were not this client's
    volatile @Nullable String lastError;
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicLong routed = new AtomicLong();
    final AtomicLong connectFailures = new AtomicLong();
    // the prober's own (one probe of a member at a time)
    long nextProbe;
    long backoff = FIRST_BACKOFF;

    Member(URI base) {
      this.base = base;
      String b = base.toString();
      this.prefix = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
    }

    ServerStatus status() {
      return new ServerStatus(
          base, state, slots, busySlots, inFlight.get(), routed.get(), connectFailures.get(), lastError);
    }

    boolean routable() {
      ServerStatus.State s = state;
      return s == ServerStatus.State.UP || s == ServerStatus.State.UNKNOWN;
    }
  }

  private final ClientContext context;
  private final List<Member> members;
  private final long interval;
  private final Duration probeTimeout;
  private final AtomicInteger turn = new AtomicInteger();
  private final @Nullable ExecutorService probers;
  private volatile Clock.@Nullable Scheduled next;
  private volatile boolean closed;

  /**
   * @param routes whether requests are routed and the servers probed in the background (two
   *     servers or more); with one, the fleet only answers {@link FleetApi}
   */
  Fleet(ClientContext context, List<URI> servers, Duration interval, boolean routes) {
    this.context = context;
    List<Member> list = new ArrayList<>();
    for (URI u : servers) {
      list.add(new Member(u));
    }
    this.members = List.copyOf(list);
    this.interval = interval.toNanos();
    Duration connect = context.connectTimeout();
    Duration limit = interval.compareTo(Duration.ofSeconds(2)) > 0 ? interval : Duration.ofSeconds(2);
    this.probeTimeout = connect.compareTo(limit) < 0 ? connect : limit;
    if (routes) {
      AtomicInteger n = new AtomicInteger();
      this.probers =
          Executors.newFixedThreadPool(
              Math.min(members.size(), 4) + 1, // the round's own thread and the probes it waits for
              r -> {
                Thread t = new Thread(r, "llama-client-probe-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
    } else {
      this.probers = null;
    }
  }

  /** Starts the background probes (with two servers or more): the first round at once. */
  void start() {
    ExecutorService p = probers;
    if (p != null) {
      p.execute(this::tick);
    }
  }

  List<ServerStatus> servers() {
    List<ServerStatus> out = new ArrayList<>(members.size());
    for (Member m : members) {
      out.add(m.status());
    }
    return out;
  }

  /** The slots of the servers that are not down, probing first when none is known yet. */
  int totalSlots() {
    if (members.stream().allMatch(m -> m.slots == 0)) {
      probeAll();
    }
    int sum = 0;
    for (Member m : members) {
      if (m.state != ServerStatus.State.DOWN) {
        sum += m.slots;
      }
    }
    if (sum <= 0) {
      throw new NoServerAvailableException(servers(), null);
    }
    return sum;
  }

  // ---------------------------------------------------------------- routing

  /** The server for a request, or null when none is routable outside {@code tried}. */
  @Nullable Member pick(@Nullable String affinity, List<Member> tried) {
    Member best = null;
    if (affinity != null) {
      long bestScore = 0;
      for (Member m : members) {
        if (m.routable() && !tried.contains(m)) {
          long score = rank(affinity, m.prefix);
          if (best == null || Long.compareUnsigned(score, bestScore) > 0) {
            best = m;
            bestScore = score;
          }
        }
      }
      return best;
    }
    int n = members.size();
    int start = Math.floorMod(turn.getAndIncrement(), n);
    double bestLoad = Double.MAX_VALUE;
    for (int i = 0; i < n; i++) {
      Member m = members.get((start + i) % n);
      if (m.routable() && !tried.contains(m)) {
        double load = (m.inFlight.get() + m.busyElsewhere) / (double) Math.max(m.slots, 1);
        if (load < bestLoad) {
          best = m;
          bestLoad = load;
        }
      }
    }
    return best;
  }

  /** The rendezvous weight of a server for a key: FNV-1a over both, then a 64-bit finalizer. */
  static long rank(String key, String server) {
    long h = 0xcbf29ce484222325L;
    for (byte b : (key + '\n' + server).getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }

  private final class FleetRoute implements Route {
    private final @Nullable String affinity;
    private final List<Member> tried = new ArrayList<>(2);
    private @Nullable Member current;
    private boolean ended;

    FleetRoute(@Nullable String affinity) {
      this.affinity = affinity;
    }

    @Override
    public synchronized Request first(Request planned) {
      Member m = pick(affinity, tried);
      if (m == null) {
        throw new NoServerAvailableException(servers(), null);
      }
      return aim(planned, m);
    }

    @Override
    public synchronized @Nullable Request elsewhere(Request failed, LlamaException why) {
      Member was = current;
      if (was == null || ended) {
        return null;
      }
      was.connectFailures.incrementAndGet();
      down(was, why.getMessage());
      release();
      tried.add(was);
      Member m = pick(affinity, tried);
      if (m == null) {
        throw new NoServerAvailableException(servers(), why);
      }
      return aim(failed, m);
    }

    private Request aim(Request planned, Member m) {
      current = m;
      m.inFlight.incrementAndGet();
      m.routed.incrementAndGet();
      String uri = planned.uri().toString();
      String planner = members.get(0).prefix; // facets build every request on the first server
      String path = uri.startsWith(planner) ? uri.substring(planner.length()) : planned.uri().getRawPath();
      return m == members.get(0) ? planned : planned.at(m.base, path);
    }

    private void release() {
      Member m = current;
      if (m != null) {
        m.inFlight.decrementAndGet();
        current = null;
      }
    }

    /** The exchange ended, in any way. */
    synchronized void ended() {
      ended = true;
      release();
    }
  }

  /** Attaches a route to an exchange, with the hook that frees its place when it ends. */
  void attach(Exchange<?> exchange, @Nullable String affinity) {
    FleetRoute r = new FleetRoute(affinity);
    exchange.route(r);
    exchange.onTerminate(r::ended);
  }

  // ---------------------------------------------------------------- health

  private void down(Member m, @Nullable String why) {
    if (m.state != ServerStatus.State.DOWN) {
      LOG.log(System.Logger.Level.INFO, () -> "llama-server " + m.base + " is down: " + why);
    }
    m.state = ServerStatus.State.DOWN;
    m.lastError = why;
    synchronized (m) {
      m.backoff = FIRST_BACKOFF;
      m.nextProbe = context.clock().nanoTime() + m.backoff;
    }
  }

  /** Probes every server now, in parallel, and waits for the answers. */
  void probeAll() {
    ExecutorService p = probers;
    if (p == null) {
      for (Member m : members) {
        probe(m);
      }
      return;
    }
    List<Future<?>> running = new ArrayList<>();
    for (Member m : members) {
      running.add(p.submit(() -> probe(m)));
    }
    for (Future<?> f : running) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StreamCancelledException("interrupted while probing the servers");
      } catch (java.util.concurrent.ExecutionException e) {
        LOG.log(System.Logger.Level.WARNING, "probe failed", e.getCause());
      }
    }
  }

  /** The prober's round: probes the servers that are due, then schedules the next round (a cheap wake-up when none is due). */
  private void tick() {
    if (closed) {
      return;
    }
    long now = context.clock().nanoTime();
    // at least every 250 ms: a server found down by a request or a probe on demand is due then
    long soonest = now + Math.min(interval, FIRST_BACKOFF);
    List<Future<?>> running = new ArrayList<>();
    ExecutorService p = probers;
    for (Member m : members) {
      boolean due;
      synchronized (m) {
        due = m.nextProbe - now <= 0;
      }
      if (due && p != null && !closed) {
        running.add(p.submit(() -> probe(m)));
      }
    }
    for (Future<?> f : running) {
      try {
        f.get();
      } catch (InterruptedException e) {
        return; // closing
      } catch (java.util.concurrent.ExecutionException e) {
        LOG.log(System.Logger.Level.WARNING, "probe failed", e.getCause());
      }
    }
    for (Member m : members) {
      synchronized (m) {
        if (m.nextProbe - soonest < 0) {
          soonest = m.nextProbe;
        }
      }
    }
    if (!closed && p != null) {
      long wait = Math.max(soonest - context.clock().nanoTime(), TimeUnit.MILLISECONDS.toNanos(10));
      next = context.clock().schedule(() -> executeQuietly(p), wait);
    }
  }

  private void executeQuietly(ExecutorService p) {
    try {
      p.execute(this::tick);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed
    }
  }

  /** One probe of one server: {@code /health}, then its slots; sets its state and when to probe next. */
  void probe(Member m) {
    ServerStatus.State state;
    String error = null;
    try {
      JsonCall.pinned(context, context.probe(m.base, "/health", probeTimeout));
      state = ServerStatus.State.UP;
    } catch (LlamaHttpException e) {
      state = e.statusCode() == 503 ? ServerStatus.State.LOADING : ServerStatus.State.DOWN;
      error = "HTTP " + e.statusCode() + " from /health";
    } catch (LlamaException e) {
      state = ServerStatus.State.DOWN;
      error = e.getMessage();
    }
    if (state == ServerStatus.State.UP) {
      slots(m);
    }
    ServerStatus.State was = m.state;
    m.state = state;
    m.lastError = error;
    if (was != state && was != ServerStatus.State.UNKNOWN) {
      LOG.log(System.Logger.Level.INFO, "llama-server " + m.base + " is " + state + (error == null ? "" : ": " + error));
    }
    long now = context.clock().nanoTime();
    synchronized (m) {
      if (state == ServerStatus.State.UP) {
        m.backoff = FIRST_BACKOFF;
        m.nextProbe = now + interval;
      } else {
        m.nextProbe = now + m.backoff;
        m.backoff = Math.min(m.backoff * 2, interval);
      }
    }
  }

  /** Reads a server's slots and how many are busy: {@code /slots}, else {@code /props}. */
  private void slots(Member m) {
    try {
      JsonNode slots = JsonCall.pinnedJson(context, context.probe(m.base, "/slots", probeTimeout));
      if (slots.isArray()) {
        int busy = 0;
        for (JsonNode s : slots) {
          if (s.path("is_processing").asBoolean(false)) {
            busy++;
          }
        }
        m.slots = slots.size();
        m.busySlots = busy;
        m.busyElsewhere = Math.max(0, busy - m.inFlight.get());
        return;
      }
    } catch (LlamaException e) {
      // /slots disabled (--no-slots: 501): the slot count from /props, the load from this client alone
    }
    if (m.slots == 0) {
      try {
        JsonNode props = JsonCall.pinnedJson(context, context.probe(m.base, "/props", probeTimeout));
        m.slots = props.path("total_slots").asInt(0);
      } catch (LlamaException e) {
        // no /props either: the load is this client's requests alone, over one slot
      }
    }
    m.busyElsewhere = 0;
  }

  @Override
  public void close() {
    closed = true;
    Clock.Scheduled n = next;
    if (n != null) {
      n.cancel();
    }
    ExecutorService p = probers;
    if (p != null) {
      p.shutdownNow();
    }
  }
}
