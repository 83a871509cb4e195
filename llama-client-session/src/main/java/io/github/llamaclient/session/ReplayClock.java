package io.github.llamaclient.session;

import java.util.concurrent.locks.LockSupport;

/**
 * The time a {@link StreamReplay} is paced by: now, and the wait until an event is due. {@link
 * #system()} is real time; a test passes a clock that stands still until the test moves it (the
 * testing module's {@code ManualClock} has these two methods: {@code manual::nanoTime} and {@code
 * manual::sleepUntil} make one), so a replay's pacing is checked without sleeping.
 *
 * <p>Implementations are thread-safe: each replay waits on the clock on its own consumer's thread.
 */
public interface ReplayClock {

  /**
   * The current time, in nanoseconds from an arbitrary origin, as {@link System#nanoTime()}.
   *
   * @return the time
   */
  long nanoTime();

  /**
   * Returns once {@link #nanoTime()} has reached {@code deadline}.
   *
   * @param deadline the time to wait for, as {@link #nanoTime()} counts
   * @throws InterruptedException if the waiting thread is interrupted (closing a replay from
   *     another thread does that to end its wait)
   */
  void sleepUntil(long deadline) throws InterruptedException;

  /**
   * Real time: {@link System#nanoTime()}, and parking until the deadline.
   *
   * @return the system clock
   */
  static ReplayClock system() {
    return SystemReplayClock.INSTANCE;
  }

  /**
   * A clock of two functions, for a test's own clock.
   *
   * @param nanoTime gives the time
   * @param sleepUntil waits for a time
   * @return the clock
   */
  static ReplayClock of(java.util.function.LongSupplier nanoTime, Sleeper sleepUntil) {
    java.util.Objects.requireNonNull(nanoTime, "nanoTime");
    java.util.Objects.requireNonNull(sleepUntil, "sleepUntil");
    return new ReplayClock() {
      @Override
      public long nanoTime() {
        return nanoTime.getAsLong();
      }

      @Override
      public void sleepUntil(long deadline) throws InterruptedException {
        sleepUntil.sleepUntil(deadline);
      }
    };
  }

  /** Waits until a time: {@link ReplayClock#sleepUntil(long)} as a function. */
  @FunctionalInterface
  interface Sleeper {
    /**
     * Returns once the clock has reached {@code deadline}.
     *
     * @param deadline the time
     * @throws InterruptedException if the waiting thread is interrupted
     */
    void sleepUntil(long deadline) throws InterruptedException;
  }
}

/** {@link ReplayClock#system()}. */
final class SystemReplayClock implements ReplayClock {
  static final SystemReplayClock INSTANCE = new SystemReplayClock();

  private SystemReplayClock() {}

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public void sleepUntil(long deadline) throws InterruptedException {
    for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
      LockSupport.parkNanos(this, left);
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  }
}
