package io.github.llamaclient.internal.exchange;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One daemon thread per JVM for every client's idle checks; never a thread per stream.
 *
 * <p>A no-op task runs every second, so the queue's first task is never more than a second away:
 * a check scheduled further out (every exchange's response and idle checks, tens of seconds by
 * default) never becomes the first, and scheduling it never wakes the timer thread. Without it,
 * each stream on an idle timer woke the thread once or more on its way to its first token.
 */
public final class Timer {
  private static final ScheduledThreadPoolExecutor EXECUTOR;
  private static final ScheduledFuture<?> HEARTBEAT;

  static {
    EXECUTOR =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "llama-client-timer");
              t.setDaemon(true);
              return t;
            });
    EXECUTOR.setRemoveOnCancelPolicy(true);
    HEARTBEAT = EXECUTOR.scheduleAtFixedRate(() -> {}, 1, 1, TimeUnit.SECONDS);
  }

  private Timer() {}

  public static ScheduledFuture<?> schedule(Runnable task, long nanos) {
    return EXECUTOR.schedule(task, nanos, TimeUnit.NANOSECONDS);
  }

  /** Tasks waiting to run (cancelled ones are removed at once), the heartbeat left out; for tests. */
  public static int scheduled() {
    int n = 0;
    for (Runnable r : EXECUTOR.getQueue()) {
      if (r != HEARTBEAT) {
        n++;
      }
    }
    return n;
  }
}
