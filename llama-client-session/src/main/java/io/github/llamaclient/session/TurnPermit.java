package io.github.llamaclient.session;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * A session's turn permit: held by one turn or change at a time. Waiters are served first come,
 * first served, each for a bounded time ({@link WaitTimer}); a waiter that gives up (timed out,
 * interrupted) leaves the queue without ever holding the permit. Thread-safe.
 */
final class TurnPermit {
  // each waiter's grant: completed normally when the permit is handed to it, exceptionally when
  // its wait ended first; release() hands over to the first grant it can still complete
  private final ArrayDeque<CompletableFuture<@Nullable Void>> waiters = new ArrayDeque<>();
  private boolean held;

  /** Takes the permit if it is free; never waits. */
  synchronized boolean tryAcquire() {
    if (held) {
      return false;
    }
    held = true;
    return true;
  }

  /**
   * Takes the permit, waiting for it up to {@code timeout} as {@code timer} counts it.
   *
   * @return true once taken; false if the wait timed out (the permit is not taken)
   * @throws InterruptedException if interrupted while waiting (the permit is not taken)
   */
  boolean acquire(Duration timeout, WaitTimer timer) throws InterruptedException {
    CompletableFuture<@Nullable Void> grant;
    synchronized (this) {
      if (!held) {
        held = true;
        return true;
      }
      grant = new CompletableFuture<>();
      waiters.add(grant);
    }
    timer.bound(grant, timeout);
    try {
      grant.get();
      return true;
    } catch (ExecutionException timedOut) {
      withdraw(grant);
      return false;
    } catch (InterruptedException e) {
      if (!grant.cancel(false) && !grant.isCompletedExceptionally()) {
        release(); // handed over just as the wait was interrupted: pass it on
      }
      withdraw(grant);
      throw e;
    }
  }

  /** Gives the permit to the first waiter still waiting, or frees it. */
  synchronized void release() {
    CompletableFuture<@Nullable Void> next;
    while ((next = waiters.poll()) != null) {
      if (next.complete(null)) {
        return; // handed over: still held
      }
    }
    held = false;
  }

  private synchronized void withdraw(CompletableFuture<@Nullable Void> grant) {
    waiters.remove(grant);
  }
}
