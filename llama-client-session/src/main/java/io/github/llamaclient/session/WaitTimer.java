package io.github.llamaclient.session;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Bounds a wait in time: the seam through which tests advance time instead of sleeping. The
 * system one is {@link CompletableFuture#orTimeout}: the JDK's shared delay thread, cancelled as
 * soon as the future completes.
 */
@FunctionalInterface
interface WaitTimer {
  /** {@link CompletableFuture#orTimeout}, with a timeout too long for nanoseconds saturated. */
  WaitTimer SYSTEM = (future, timeout) -> future.orTimeout(nanos(timeout), TimeUnit.NANOSECONDS);

  /**
   * Completes {@code future} exceptionally with a {@link java.util.concurrent.TimeoutException} once
   * {@code timeout} has passed, unless it completed before.
   *
   * @param future the wait
   * @param timeout positive
   */
  void bound(CompletableFuture<?> future, Duration timeout);

  private static long nanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE; // about 292 years
    }
  }
}
