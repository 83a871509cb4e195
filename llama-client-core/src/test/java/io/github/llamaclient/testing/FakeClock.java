package io.github.llamaclient.testing;

import io.github.llamaclient.internal.exchange.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A clock that stands still until a test advances it; due tasks run on the advancing thread, in
 * order. Tests of timeouts use it instead of sleeping (STYLE.md, example 3).
 */
public final class FakeClock implements Clock {
  private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> Long.compare(a.due, b.due));
  private long now = 1_000_000_000L;
  private long seq;

  private static final class Task implements Scheduled {
    final long due;
    final long order;
    final Runnable run;
    volatile boolean cancelled;

    Task(long due, long order, Runnable run) {
      this.due = due;
      this.order = order;
      this.run = run;
    }

    @Override
    public void cancel() {
      cancelled = true;
    }
  }

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized Scheduled schedule(Runnable task, long delayNanos) {
    Task t = new Task(now + Math.max(0, delayNanos), seq++, task);
    tasks.add(t);
    return t;
  }

  /**
   * Moves time forward and runs every task due by then, on this thread.
   *
   * @param d how far
   */
  public void advance(Duration d) {
    long target;
    synchronized (this) {
      target = now + d.toNanos();
    }
    for (;;) {
      Task next;
      synchronized (this) {
        next = tasks.peek();
        if (next == null || next.due > target) {
          now = target;
          return;
        }
        tasks.poll();
        now = Math.max(now, next.due);
      }
      if (!next.cancelled) {
        next.run.run();
      }
    }
  }

  /**
   * Advances time by {@code step} again and again until {@code outcome}, computed on another
   * thread, is done, and returns it: the code under test may not be waiting on this clock yet when
   * the first steps are taken. Each step then polls the outcome for 5 ms, a poll interval, never a
   * wait for a limit to pass.
   *
   * @param <T> the outcome type
   * @param outcome what the other thread computes
   * @param step how far each step moves time
   * @return the outcome
   * @throws Exception when the outcome failed, or when waiting was interrupted
   */
  public <T> T advanceUntilDone(java.util.concurrent.Future<T> outcome, Duration step) throws Exception {
    while (!outcome.isDone()) {
      advance(step);
      try {
        return outcome.get(5, java.util.concurrent.TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        // not yet
      }
    }
    return outcome.get();
  }

  /**
   * The tasks still scheduled and not cancelled.
   *
   * @return how many
   */
  public synchronized int pending() {
    List<Task> live = new ArrayList<>();
    for (Task t : tasks) {
      if (!t.cancelled) {
        live.add(t);
      }
    }
    return live.size();
  }
}
