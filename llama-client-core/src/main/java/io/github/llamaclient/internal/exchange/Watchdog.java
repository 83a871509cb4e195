package io.github.llamaclient.internal.exchange;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * One chain of scheduled checks on a {@link Clock}: arming again retires the check armed before (if
 * it runs anyway, it does nothing), and disarming retires them all. Thread-safe.
 */
final class Watchdog {
  private final Clock clock;
  private final AtomicInteger generation = new AtomicInteger();
  private volatile Clock.@Nullable Scheduled current;

  Watchdog(Clock clock) {
    this.clock = clock;
  }

  /**
   * Runs {@code check} after {@code delayNanos}, unless armed again or disarmed first.
   *
   * @param ended true once the owner has ended: a check armed while it ended is cancelled at once
   */
  void arm(long delayNanos, Runnable check, BooleanSupplier ended) {
    int g = generation.incrementAndGet();
    Clock.Scheduled previous = current;
    Clock.Scheduled w =
        clock.schedule(
            () -> {
              if (generation.get() == g) {
                check.run();
              }
            },
            delayNanos);
    current = w;
    if (previous != null) {
      previous.cancel();
    }
    if (ended.getAsBoolean()) {
      w.cancel(); // ended while scheduling: disarm() may have missed this one
    }
  }

  /** Retires every check armed so far. */
  void disarm() {
    generation.incrementAndGet(); // a task armed concurrently and not cancelled does nothing
    Clock.Scheduled w = current;
    if (w != null) {
      w.cancel();
    }
  }
}
