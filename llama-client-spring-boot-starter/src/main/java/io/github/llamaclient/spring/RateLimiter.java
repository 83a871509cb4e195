package io.github.llamaclient.spring;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;

/**
 * Decides, before any upstream request, whether a caller may start a stream: a request rate and a
 * concurrent-stream cap per caller, and a cap over all callers. The endpoints answer a refusal
 * with HTTP 429 and {@code Retry-After}; nothing waits in a queue.
 *
 * <p>The auto-configured one is {@link #perCaller(LlamaProperties.RateLimit, IntSupplier,
 * InstantSource)}; declare a bean of this type to replace it. Implementations must be thread-safe
 * and must not block.
 */
@FunctionalInterface
public interface RateLimiter {

  /**
   * Admits one stream of {@code caller}, or refuses it.
   *
   * @param caller the caller's key (see {@link CallerKeyResolver})
   * @return the admission; the caller of this method releases an admitted one exactly when the
   *     stream ends (releasing twice is harmless)
   */
  Admission admit(String caller);

  /**
   * A limiter that admits everything.
   *
   * @return the limiter
   */
  static RateLimiter unlimited() {
    return caller -> Admission.admitted(() -> {});
  }

  /**
   * The token-bucket limiter: each caller has a bucket of {@code burst} requests refilled at {@code
   * requestsPerMinute}, at most {@code streamsPerCaller} open streams, and all callers together at
   * most {@code maxStreams} (or {@code serverSlots} when that is unset).
   *
   * @param settings the limits
   * @param serverSlots the overall cap when {@code settings} has none, asked on each admission
   *     until it answers more than 0 (0 means unknown yet: no overall cap)
   * @param clock the time source of the refill (tests pass a fake one)
   * @return the limiter
   * @throws IllegalArgumentException if a limit is not positive
   */
  static RateLimiter perCaller(LlamaProperties.RateLimit settings, IntSupplier serverSlots, InstantSource clock) {
    return new TokenBucketRateLimiter(settings, serverSlots, clock);
  }

  /**
   * The answer to {@link #admit(String)}: admitted (then {@link #release()} once the stream ends),
   * or refused with a reason and when to try again.
   */
  final class Admission {
    private final boolean admitted;
    private final Duration retryAfter;
    private final String reason;
    private final Runnable release;
    private final AtomicBoolean released = new AtomicBoolean();

    private Admission(boolean admitted, Duration retryAfter, String reason, Runnable release) {
      this.admitted = admitted;
      this.retryAfter = retryAfter;
      this.reason = reason;
      this.release = release;
    }

    /**
     * An admission.
     *
     * @param release gives the places back; run at most once
     * @return the admission
     */
    public static Admission admitted(Runnable release) {
      return new Admission(true, Duration.ZERO, "", Objects.requireNonNull(release, "release"));
    }

    /**
     * A refusal.
     *
     * @param retryAfter when trying again may succeed, positive
     * @param reason a short name of the limit that was hit ({@code rate}, {@code caller-streams},
     *     {@code streams}), used as a meter tag
     * @return the refusal
     */
    public static Admission refused(Duration retryAfter, String reason) {
      return new Admission(false, retryAfter, reason, () -> {});
    }

    /**
     * Returns whether the stream may start.
     *
     * @return whether the stream may start
     */
    public boolean isAdmitted() {
      return admitted;
    }

    /**
     * Returns for a refusal, when to try again; zero for an admission.
     *
     * @return for a refusal, when to try again; zero for an admission
     */
    public Duration retryAfter() {
      return retryAfter;
    }

    /**
     * Returns for a refusal, the limit that was hit; empty for an admission.
     *
     * @return for a refusal, the limit that was hit; empty for an admission
     */
    public String reason() {
      return reason;
    }

    /** Gives the admission's places back; the second and later calls do nothing. Any thread. */
    public void release() {
      if (released.compareAndSet(false, true)) {
        release.run();
      }
    }
  }
}
