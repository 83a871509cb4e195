package io.github.llamaclient.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition that an event makes true (a connection closed, a place freed, a thread
 * parked on a lock) when the code under test offers no signal to wait on: the condition is polled
 * until a bounded deadline. Never use it to wait for a timeout to expire: inject a {@link
 * FakeClock} and advance it instead.
 */
public final class Await {
  private static final Duration DEFAULT = Duration.ofSeconds(20);

  private Await() {}

  /**
   * Returns once {@code condition} holds; fails after 20 s.
   *
   * @param what the condition, for the failure message
   * @param condition the condition
   * @throws InterruptedException if interrupted while waiting
   */
  public static void until(String what, BooleanSupplier condition) throws InterruptedException {
    until(what, condition, DEFAULT);
  }

  /**
   * Returns once {@code condition} holds; fails after {@code within}.
   *
   * @param what the condition, for the failure message
   * @param condition the condition
   * @param within the most to wait
   * @throws InterruptedException if interrupted while waiting
   */
  public static void until(String what, BooleanSupplier condition, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not met within " + within + ": " + what);
      }
      Thread.sleep(2); // a poll interval, not a wait for time to pass
    }
  }
}
