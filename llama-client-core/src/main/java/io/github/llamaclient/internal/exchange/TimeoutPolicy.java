package io.github.llamaclient.internal.exchange;

import java.util.concurrent.TimeUnit;

/**
 * The timeout policy of one exchange, the same for both transports: the response limit (until the
 * head), the idle limit (between reads of the body) and the optional total deadline. Pure
 * arithmetic over the exchange's facts at one moment, so it is tested without threads, sockets or
 * clocks; the {@link Exchange} reads the facts, asks, and either fails or checks again later.
 */
final class TimeoutPolicy {
  /** Verdict: the total deadline has passed. */
  static final long TOTAL = -1;
  /** Verdict: no response head within the response limit. */
  static final long RESPONSE = -2;
  /** Verdict: the server was silent for the idle limit. */
  static final long IDLE = -3;

  final long responseNanos;
  final long idleNanos;
  final long totalNanos; // 0: none

  TimeoutPolicy(long responseNanos, long idleNanos, long totalNanos) {
    this.responseNanos = responseNanos;
    this.idleNanos = idleNanos;
    this.totalNanos = totalNanos;
  }

  /** When the next check is due after entering {@code state}, from {@code now}; Long.MAX_VALUE for never. */
  long nextCheck(int state, long now, long startedAt) {
    long next = Long.MAX_VALUE;
    if (totalNanos > 0) {
      next = Math.max(0, startedAt + totalNanos - now);
    }
    if (state == Exchange.SENT) {
      next = Math.min(next, Math.min(responseNanos, idleNanos));
    } else if (state == Exchange.BODY) {
      next = Math.min(next, idleNanos);
    }
    return next;
  }

  /** A delay, clamped so that a check comes no later than the total deadline. */
  long clamp(long delay, long now, long startedAt) {
    return totalNanos > 0 ? Math.min(delay, Math.max(0, startedAt + totalNanos - now)) : delay;
  }

  /**
   * The verdict of one check of an exchange that has not ended.
   *
   * @param state the exchange's state (READY, SENT or BODY)
   * @param now the clock now
   * @param startedAt when the exchange started (the total deadline counts from here)
   * @param sentAt when the request was written
   * @param pulled whether the consumer reads the connection itself
   * @param blockedSince pulled: since when the consumer has been blocked reading the server, or 0
   *     if it is not (busy with what it read, or not reading at all)
   * @param consumerHolds pushed: the consumer is slow (paused) or a read is being handed on, so a
   *     silence is not the server's
   * @param lastActivity pushed: when the server last sent something
   * @return {@link #TOTAL}, {@link #RESPONSE} or {@link #IDLE} to fail, else the delay until the next check
   */
  long check(
      int state, long now, long startedAt, long sentAt, boolean pulled, long blockedSince, boolean consumerHolds, long lastActivity) {
    if (totalNanos > 0 && now - startedAt >= totalNanos) {
      return TOTAL;
    }
    if (state == Exchange.SENT) {
      long waited = now - sentAt;
      if (pulled) {
        // a consumer that comes late finds the head already there (its read returns at once): the
        // limit fails it only once that read has been blocked for a moment
        long grace = Math.min(responseNanos / 4, TimeUnit.MILLISECONDS.toNanos(100));
        if (blockedSince == 0 || waited < responseNanos) {
          return waited >= responseNanos ? Math.min(responseNanos, idleNanos) / 2 + 1 : Math.min(responseNanos - waited, idleNanos);
        }
        if (now - blockedSince < grace) {
          return grace - (now - blockedSince) + 1;
        }
      } else if (waited < responseNanos) {
        return responseNanos - waited;
      }
      return RESPONSE;
    }
    if (state == Exchange.BODY) {
      long silent;
      if (pulled) {
        if (blockedSince == 0) {
          return idleNanos / 2 + 1; // the consumer is busy, not waiting for the server
        }
        silent = now - blockedSince;
      } else {
        if (consumerHolds) {
          return idleNanos; // the consumer is slow, or we are handing on a read: not the server
        }
        silent = now - lastActivity;
      }
      return silent >= idleNanos ? IDLE : idleNanos - silent;
    }
    return nextCheck(state, now, startedAt); // READY: only the total deadline runs
  }
}
