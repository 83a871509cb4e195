package io.github.llamaclient.internal.exchange;

import java.util.concurrent.ScheduledFuture;

/**
 * Time as a dependency: every deadline of the engine (response, idle, total, queue wait, retry
 * window, keep-alive) is measured with {@link #nanoTime()} and enforced with {@link
 * #schedule(Runnable, long)}, so tests advance a fake clock instead of sleeping.
 */
public interface Clock {
  /** The system clock: {@link System#nanoTime()} and one shared daemon timer thread. */
  Clock SYSTEM =
      new Clock() {
        @Override
        public long nanoTime() {
          return System.nanoTime();
        }

        @Override
        public Scheduled schedule(Runnable task, long delayNanos) {
          ScheduledFuture<?> f = Timer.schedule(task, delayNanos);
          return () -> f.cancel(false);
        }
      };

  /**
   * Now, in nanoseconds from an arbitrary origin, as {@link System#nanoTime()}.
   *
   * @return now
   */
  long nanoTime();

  /**
   * Runs {@code task} once, {@code delayNanos} from now, on a timer thread (never on the caller's).
   *
   * @param task what to run; it must be quick and must not block
   * @param delayNanos the delay, 0 or more
   * @return a handle that cancels the task if it has not run yet
   */
  Scheduled schedule(Runnable task, long delayNanos);

  /** A scheduled task. */
  interface Scheduled {
    /** Cancels the task if it has not run yet; idempotent. */
    void cancel();
  }
}
