package io.github.llamaclient.testing;

import java.util.concurrent.locks.LockSupport;

/**
 * The time a {@link LlamaServerStub} paces its replies by: when each piece of a body is due, and
 * the wait until then. {@link #system()} is real time; {@link ManualClock} stands still until a
 * test moves it, so a test of pacing never sleeps.
 *
 * <p>Implementations are thread-safe: every connection of the stub waits on the clock on its own
 * thread.
 */
public interface StubClock {

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
   * @throws InterruptedException if the thread is interrupted (the stub closing does that)
   */
  void sleepUntil(long deadline) throws InterruptedException;

  /**
   * Real time: {@link System#nanoTime()}, and parking until the deadline.
   *
   * @return the system clock
   */
  static StubClock system() {
    return SystemClock.INSTANCE;
  }
}

/** {@link StubClock#system()}. */
final class SystemClock implements StubClock {
  static final SystemClock INSTANCE = new SystemClock();

  private SystemClock() {}

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
