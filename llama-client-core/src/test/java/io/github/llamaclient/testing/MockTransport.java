package io.github.llamaclient.testing;

import io.github.llamaclient.internal.exchange.Request;
import io.github.llamaclient.internal.exchange.Transport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Transport} without sockets, scripted by the test: every layer above the transport (the
 * exchange state machine, the faces) can be tested alone, on a {@link FakeClock}.
 *
 * <p>Each attempt ({@link #open}) is a {@link MockCall}, numbered from 0; a test may script an
 * attempt before it is opened ({@link #call(int)}), which is how a resend is answered. What an
 * attempt does to its receiver is written as actions ({@link MockCall#head}, {@link
 * MockCall#body}, {@link MockCall#end()}, {@link MockCall#fail}, ...):
 *
 * <ul>
 *   <li>{@link Mode#PULLED}: each action is one {@link Transport.Call#step()}, run on the stepping
 *       thread, in order; a step with nothing scripted is a test error ({@link AssertionError}).
 *   <li>{@link Mode#PUSHED}: actions scripted before {@link Transport.Call#begin()} run inside it;
 *       actions on a begun call run at once on the calling thread (any thread: a test may race
 *       them against a cancel). One body slice is one read: {@code body} then {@code delivered}.
 * </ul>
 *
 * The mock records what the exchange did: the request and {@code mayReuse} flag of each attempt,
 * and how often it called {@code begin}, {@code step}, {@code demand}, {@code release} (with
 * which flag) and {@code abort}. It forwards every scripted action, even after a release, so a test
 * can check that the exchange itself ignores what comes late. Counters are thread-safe.
 */
public final class MockTransport implements Transport {

  /** How calls are driven. */
  public enum Mode {
    /** Stepped by the consuming thread, as the HTTP/1.1 transport. */
    PULLED,
    /** Driven by the transport's (here: the test's) threads, as the {@code java.net.http} one. */
    PUSHED
  }

  /** One scripted action of an attempt. */
  @FunctionalInterface
  public interface Action {
    /**
     * Does something to the receiver.
     *
     * @param receiver the exchange's receiver
     * @throws InterruptedException if the action was interrupted
     */
    void run(Transport.Receiver receiver) throws InterruptedException;
  }

  private final Mode mode;
  private final List<MockCall> calls = new ArrayList<>(); // guarded by this
  private int opened; // guarded by this
  private final AtomicInteger closes = new AtomicInteger();

  /**
   * A transport driven in {@code mode}.
   *
   * @param mode pulled or pushed
   */
  public MockTransport(Mode mode) {
    this.mode = mode;
  }

  @Override
  public boolean pulled() {
    return mode == Mode.PULLED;
  }

  @Override
  public Call open(Request request, Receiver receiver, boolean mayReuse) {
    MockCall c;
    synchronized (this) {
      c = callLocked(opened++);
    }
    c.bind(request, receiver, mayReuse);
    return c;
  }

  @Override
  public void close() {
    closes.incrementAndGet();
  }

  /**
   * Attempt {@code index} (from 0), opened or not yet: script it before the exchange opens it.
   *
   * @param index the attempt
   * @return the call
   */
  public synchronized MockCall call(int index) {
    return callLocked(index);
  }

  private MockCall callLocked(int index) {
    while (calls.size() <= index) {
      calls.add(new MockCall(mode == Mode.PULLED, calls.size()));
    }
    return calls.get(index);
  }

  /**
   * How many attempts were opened.
   *
   * @return the count
   */
  public synchronized int attempts() {
    return opened;
  }

  /**
   * The latest attempt opened.
   *
   * @return the call
   * @throws IllegalStateException if none was opened
   */
  public synchronized MockCall current() {
    if (opened == 0) {
      throw new IllegalStateException("no attempt was opened");
    }
    return calls.get(opened - 1);
  }

  /**
   * The {@code mayReuse} flag of each opened attempt, in order.
   *
   * @return the flags
   */
  public synchronized List<Boolean> mayReuse() {
    List<Boolean> out = new ArrayList<>();
    for (int i = 0; i < opened; i++) {
      out.add(calls.get(i).mayReuse());
    }
    return out;
  }

  /**
   * The request of each opened attempt, in order.
   *
   * @return the requests
   */
  public synchronized List<Request> requests() {
    List<Request> out = new ArrayList<>();
    for (int i = 0; i < opened; i++) {
      out.add(calls.get(i).request());
    }
    return out;
  }

  /**
   * How often {@link #close()} was called.
   *
   * @return the count
   */
  public int closes() {
    return closes.get();
  }

  /** One attempt: its script and what the exchange did to it. */
  public static final class MockCall implements Transport.Call {
    private final boolean pulled;
    private final int index;
    private final ConcurrentLinkedQueue<Action> script = new ConcurrentLinkedQueue<>();
    private final AtomicInteger begins = new AtomicInteger();
    private final AtomicInteger steps = new AtomicInteger();
    private final AtomicInteger demands = new AtomicInteger();
    private final AtomicInteger aborts = new AtomicInteger();
    private final List<Boolean> releases = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch closed = new CountDownLatch(1);
    private final CountDownLatch blockedOnce = new CountDownLatch(1);
    private volatile @Nullable Request request;
    private volatile Transport.@Nullable Receiver receiver;
    private volatile boolean mayReuse;
    private volatile boolean blocked;
    private boolean begun; // pushed: guarded by this

    MockCall(boolean pulled, int index) {
      this.pulled = pulled;
      this.index = index;
    }

    void bind(Request request, Transport.Receiver receiver, boolean mayReuse) {
      if (this.receiver != null) {
        throw new IllegalStateException("attempt " + index + " opened twice");
      }
      this.request = request;
      this.mayReuse = mayReuse;
      this.receiver = receiver;
    }

    // ------------------------------------------------------------ the script

    /**
     * Any action: one step (pulled), or now or at {@code begin} (pushed).
     *
     * @param action what to do to the receiver
     * @return this call
     */
    public MockCall then(Action action) {
      if (!pulled) {
        synchronized (this) {
          if (!begun) {
            script.add(action);
            return this;
          }
        }
        run(action);
        return this;
      }
      script.add(action);
      return this;
    }

    /**
     * The response head.
     *
     * @param status the status
     * @param nameValuePairs header names and values, alternating (names are lower-cased)
     * @return this call
     */
    public MockCall head(int status, String... nameValuePairs) {
      if (nameValuePairs.length % 2 != 0) {
        throw new IllegalArgumentException("names and values must come in pairs");
      }
      Map<String, List<String>> h = new LinkedHashMap<>();
      for (int i = 0; i < nameValuePairs.length; i += 2) {
        h.computeIfAbsent(nameValuePairs[i].toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(nameValuePairs[i + 1]);
      }
      Map<String, List<String>> headers = Collections.unmodifiableMap(h);
      return then(r -> r.head(status, headers));
    }

    /**
     * A 200 event-stream head.
     *
     * @return this call
     */
    public MockCall sseHead() {
      return head(200, "Content-Type", "text/event-stream");
    }

    /**
     * Body text (UTF-8) as one read.
     *
     * @param text the text
     * @return this call
     */
    public MockCall body(String text) {
      return body(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Body bytes, one read per slice: {@code slices} gives the sizes of the first reads and the
     * rest comes in one more; no slices: the whole in one read. Each read is handed over at an
     * offset inside a larger buffer that is overwritten after the call (the bytes are valid only
     * during it).
     *
     * @param bytes the bytes
     * @param slices the sizes of the first reads
     * @return this call
     */
    public MockCall body(byte[] bytes, int... slices) {
      int off = 0;
      for (int n : slices) {
        int len = Math.min(n, bytes.length - off);
        read(Arrays.copyOfRange(bytes, off, off + len));
        off += len;
      }
      if (off < bytes.length || bytes.length == 0) {
        read(Arrays.copyOfRange(bytes, off, bytes.length));
      }
      return this;
    }

    /**
     * Body bytes in reads of {@code size} bytes (the last may be shorter).
     *
     * @param bytes the bytes
     * @param size the size of a read, 1 or more
     * @return this call
     */
    public MockCall bodyEvery(byte[] bytes, int size) {
      for (int off = 0; off < bytes.length; off += size) {
        read(Arrays.copyOfRange(bytes, off, Math.min(bytes.length, off + size)));
      }
      return this;
    }

    private void read(byte[] slice) {
      then(
          r -> {
            byte[] buf = new byte[slice.length + 7];
            Arrays.fill(buf, (byte) '#');
            System.arraycopy(slice, 0, buf, 3, slice.length);
            r.body(buf, 3, slice.length);
            Arrays.fill(buf, (byte) '!'); // valid only during the call
            if (!pulled) {
              r.delivered();
            }
          });
    }

    /**
     * The body ends as its framing says.
     *
     * @return this call
     */
    public MockCall end() {
      return then(Transport.Receiver::end);
    }

    /**
     * The attempt fails.
     *
     * @param failure what happened
     * @param staleConnection whether the facts say the server had dropped a reused connection
     * @return this call
     */
    public MockCall fail(Exception failure, boolean staleConnection) {
      return then(r -> r.failed(failure, staleConnection));
    }

    /**
     * Pulled: a step blocked in socket I/O ({@link #blockedInIo()} true) while {@code clock}
     * advances by {@code d}; the clock's due tasks (the exchange's watchdog) run inside it.
     *
     * @param clock the exchange's clock
     * @param d how long the I/O blocks
     * @return this call
     */
    public MockCall blockedFor(FakeClock clock, Duration d) {
      return during(true, clock, d);
    }

    /**
     * Pulled: a step busy decoding ({@link #blockedInIo()} false) while {@code clock} advances by
     * {@code d}.
     *
     * @param clock the exchange's clock
     * @param d how long the step is busy
     * @return this call
     */
    public MockCall busyFor(FakeClock clock, Duration d) {
      return during(false, clock, d);
    }

    private MockCall during(boolean inIo, FakeClock clock, Duration d) {
      return then(
          r -> {
            blocked = inIo;
            try {
              clock.advance(d);
            } finally {
              blocked = false;
            }
          });
    }

    /**
     * A step (or, pushed, a read) blocked in I/O until the call is released or aborted from another
     * thread, as a socket read that a close ends; see {@link #awaitBlocked(Duration)}.
     *
     * @return this call
     */
    public MockCall blockedUntilClosed() {
      return then(
          r -> {
            blocked = true;
            blockedOnce.countDown();
            try {
              if (!closed.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("attempt " + index + " was never closed");
              }
            } finally {
              blocked = false;
            }
          });
    }

    /**
     * Waits until an action of {@link #blockedUntilClosed()} is blocked.
     *
     * @param limit how long to wait at most
     * @throws InterruptedException if interrupted
     * @throws AssertionError if nothing blocked within {@code limit}
     */
    public void awaitBlocked(Duration limit) throws InterruptedException {
      if (!blockedOnce.await(limit.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new AssertionError("attempt " + index + " never blocked");
      }
    }

    private void run(Action action) {
      Transport.Receiver r = receiver;
      if (r == null) {
        throw new IllegalStateException("attempt " + index + " is not open");
      }
      try {
        action.run(r);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }

    // ------------------------------------------------------------ Transport.Call

    @Override
    public void begin() {
      begins.incrementAndGet();
      if (pulled) {
        return;
      }
      for (;;) {
        Action a;
        synchronized (this) {
          a = script.poll();
          if (a == null) {
            begun = true;
            return;
          }
        }
        run(a);
      }
    }

    @Override
    public boolean step() throws InterruptedException {
      int n = steps.incrementAndGet();
      if (!pulled) {
        throw new UnsupportedOperationException("a pushed call is not stepped");
      }
      if (isClosed()) {
        return false; // a closed socket: nothing more reaches the receiver
      }
      Action a = script.poll();
      if (a == null) {
        throw new AssertionError("step " + n + " of attempt " + index + " has nothing scripted");
      }
      Transport.Receiver r = receiver;
      if (r == null) {
        throw new IllegalStateException("attempt " + index + " is not open");
      }
      a.run(r);
      return !isClosed() && !script.isEmpty();
    }

    @Override
    public boolean blockedInIo() {
      return blocked;
    }

    @Override
    public void demand() {
      demands.incrementAndGet();
    }

    @Override
    public void release(boolean reusable) {
      releases.add(reusable);
      closed.countDown();
    }

    @Override
    public void abort() {
      aborts.incrementAndGet();
      closed.countDown();
    }

    // ------------------------------------------------------------ what happened

    /**
     * The request this attempt sent.
     *
     * @return the request
     * @throws IllegalStateException if not opened
     */
    public Request request() {
      Request r = request;
      if (r == null) {
        throw new IllegalStateException("attempt " + index + " is not open");
      }
      return r;
    }

    /**
     * Whether the attempt was opened.
     *
     * @return true once opened
     */
    public boolean opened() {
      return receiver != null;
    }

    /**
     * Whether a kept-alive connection could have been used.
     *
     * @return the flag given to {@code open}
     */
    public boolean mayReuse() {
      return mayReuse;
    }

    /**
     * How often {@code begin()} was called.
     *
     * @return the count
     */
    public int begins() {
      return begins.get();
    }

    /**
     * How often {@code step()} was called.
     *
     * @return the count
     */
    public int steps() {
      return steps.get();
    }

    /**
     * How often {@code demand()} was called.
     *
     * @return the count
     */
    public int demands() {
      return demands.get();
    }

    /**
     * How often {@code abort()} was called.
     *
     * @return the count
     */
    public int aborts() {
      return aborts.get();
    }

    /**
     * The {@code reusable} flag of each {@code release} call, in order.
     *
     * @return the flags
     */
    public List<Boolean> releases() {
      synchronized (releases) {
        return List.copyOf(releases);
      }
    }

    /**
     * Whether {@code release} or {@code abort} was called.
     *
     * @return true once closed
     */
    public boolean isClosed() {
      return closed.getCount() == 0;
    }

    /**
     * How many scripted actions have not run.
     *
     * @return the count
     */
    public int scriptLeft() {
      return script.size();
    }
  }
}
