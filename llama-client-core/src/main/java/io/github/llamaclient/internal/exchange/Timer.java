package io.github.llamaclient.internal.exchange;

import io.github.llamaclient.*;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** One daemon thread per JVM for every client's idle checks; never a thread per stream. */
public final class Timer {
  private static final ScheduledThreadPoolExecutor EXECUTOR;

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
  }

  private Timer() {}

  public static ScheduledFuture<?> schedule(Runnable task, long nanos) {
    return EXECUTOR.schedule(task, nanos, TimeUnit.NANOSECONDS);
  }

  /** Tasks waiting to run (cancelled ones are removed at once); for tests. */
  public static int scheduled() {
    return EXECUTOR.getQueue().size();
  }
}
