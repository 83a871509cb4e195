package io.github.llamaclient.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@link StubClock} that stands still until the test moves it: a stub on this clock writes what
 * is due now and then waits, so a test can look at what the client received so far, check when
 * the next piece is due ({@link #awaitSleeper(Duration)}), and release it ({@link #advanceTo(long)}).
 * Pacing is then checked exactly, without sleeping and without depending on the machine's load.
 *
 * <pre>{@code
 * ManualClock clock = new ManualClock();
 * try (LlamaServerStub stub = LlamaServerStub.start(clock)) {
 *   stub.enqueue(StubReply.of(recording).paced(Pacing.asRecorded()));
 *   // ... the client streams on another thread ...
 *   long due = clock.awaitSleeper(Duration.ofSeconds(5)); // the stub waits for the next piece
 *   clock.advanceTo(due);                                // and sends it
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class ManualClock implements StubClock {
  private long now;
  private final List<Long> sleepers = new ArrayList<>();

  /** A clock at time 0. */
  public ManualClock() {}

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized void sleepUntil(long deadline) throws InterruptedException {
    if (now >= deadline) {
      return;
    }
    Long mine = deadline;
    sleepers.add(mine);
    notifyAll();
    try {
      while (now < deadline) {
        wait();
      }
    } finally {
      sleepers.remove(mine);
    }
  }

  /**
   * Moves the clock forward, releasing every thread whose deadline has come.
   *
   * @param by how far
   * @throws IllegalArgumentException if {@code by} is negative
   */
  public synchronized void advance(Duration by) {
    Objects.requireNonNull(by, "by");
    if (by.isNegative()) {
      throw new IllegalArgumentException("a clock only moves forward, was " + by);
    }
    now += by.toNanos();
    notifyAll();
  }

  /**
   * Moves the clock to {@code time} (not back: an earlier time leaves it where it is).
   *
   * @param time the time, as {@link #nanoTime()} counts
   */
  public synchronized void advanceTo(long time) {
    now = Math.max(now, time);
    notifyAll();
  }

  /**
   * Waits (in real time, at most {@code within}) until a thread waits on this clock, and returns
   * the earliest deadline any thread waits for: when the stub's next piece is due.
   *
   * @param within the most to wait
   * @return the earliest deadline, as {@link #nanoTime()} counts
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalStateException if no thread waits on the clock within the time
   */
  public synchronized long awaitSleeper(Duration within) throws InterruptedException {
    long end = System.nanoTime() + within.toNanos();
    while (sleepers() == 0) {
      long left = end - System.nanoTime();
      if (left <= 0) {
        throw new IllegalStateException("no thread waited on the clock within " + within);
      }
      wait(Math.max(1, left / 1_000_000));
    }
    long earliest = Long.MAX_VALUE;
    for (long d : sleepers) {
      if (d > now) {
        earliest = Math.min(earliest, d);
      }
    }
    return earliest;
  }

  /**
   * How many threads wait on this clock for a time still to come (a thread released by {@link
   * #advance} but not yet awake is not counted).
   *
   * @return the number
   */
  public synchronized int sleepers() {
    int n = 0;
    for (long d : sleepers) {
      if (d > now) {
        n++;
      }
    }
    return n;
  }
}
