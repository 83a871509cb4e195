package io.github.llamaclient.spring;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * {@link RateLimiter#perCaller}: a token bucket and a stream count per caller, and one overall
 * stream count. One lock guards all of it (an admission is a few arithmetic steps); the map of
 * callers is swept of idle, full buckets once it holds {@value #SWEEP_AT} of them, so a flood of
 * distinct callers cannot grow it without bound.
 */
final class TokenBucketRateLimiter implements RateLimiter {
  static final int SWEEP_AT = 10_000;

  private static final class Bucket {
    double tokens;
    long updatedNanos;
    int streams;
  }

  private final double capacity;
  private final double tokensPerNano;
  private final int streamsPerCaller;
  private final int fixedMax;
  private final IntSupplier serverSlots;
  private final InstantSource clock;
  private final Map<String, Bucket> buckets = new HashMap<>();
  private int streams;
  private volatile int max; // 0 until known: no overall cap

  TokenBucketRateLimiter(LlamaProperties.RateLimit s, IntSupplier serverSlots, InstantSource clock) {
    if (!(s.getRequestsPerMinute() > 0)) {
      throw new IllegalArgumentException("llama.rate-limit.requests-per-minute must be positive, was " + s.getRequestsPerMinute());
    }
    if (s.getBurst() < 1) {
      throw new IllegalArgumentException("llama.rate-limit.burst must be 1 or more, was " + s.getBurst());
    }
    if (s.getStreamsPerCaller() < 1) {
      throw new IllegalArgumentException("llama.rate-limit.streams-per-caller must be 1 or more, was " + s.getStreamsPerCaller());
    }
    Integer m = s.getMaxStreams();
    if (m != null && m < 1) {
      throw new IllegalArgumentException("llama.rate-limit.max-streams must be 1 or more, was " + m);
    }
    this.capacity = s.getBurst();
    this.tokensPerNano = s.getRequestsPerMinute() / 60e9;
    this.streamsPerCaller = s.getStreamsPerCaller();
    this.fixedMax = m == null ? 0 : m;
    this.serverSlots = serverSlots;
    this.clock = clock;
  }

  @Override
  public Admission admit(String caller) {
    int cap = overallCap();
    long now = nanos(clock.instant());
    synchronized (this) {
      if (cap > 0 && streams >= cap) {
        return Admission.refused(Duration.ofSeconds(1), "streams");
      }
      Bucket b = buckets.get(caller);
      if (b == null) {
        if (buckets.size() >= SWEEP_AT) {
          sweep(now);
        }
        b = new Bucket();
        b.tokens = capacity;
        b.updatedNanos = now;
        buckets.put(caller, b);
      }
      refill(b, now);
      if (b.streams >= streamsPerCaller) {
        return Admission.refused(Duration.ofSeconds(1), "caller-streams");
      }
      if (b.tokens < 1) {
        long wait = (long) Math.ceil((1 - b.tokens) / tokensPerNano);
        return Admission.refused(Duration.ofNanos(wait), "rate");
      }
      b.tokens -= 1;
      b.streams++;
      streams++;
      Bucket held = b;
      return Admission.admitted(() -> release(caller, held));
    }
  }

  /** Open streams now, over all callers (tests). */
  synchronized int streams() {
    return streams;
  }

  /** Callers with a bucket now (tests). */
  synchronized int callers() {
    return buckets.size();
  }

  private synchronized void release(String caller, Bucket b) {
    b.streams--;
    streams--;
    if (b.streams == 0 && b.tokens >= capacity && buckets.get(caller) == b) {
      buckets.remove(caller);
    }
  }

  private int overallCap() {
    if (fixedMax > 0) {
      return fixedMax;
    }
    int known = max;
    if (known > 0) {
      return known;
    }
    int slots = serverSlots.getAsInt(); // outside the lock: it may ask the server
    if (slots > 0) {
      synchronized (this) {
        max = slots;
      }
    }
    return slots;
  }

  private void refill(Bucket b, long now) {
    long elapsed = now - b.updatedNanos;
    if (elapsed > 0) {
      b.tokens = Math.min(capacity, b.tokens + elapsed * tokensPerNano);
      b.updatedNanos = now;
    }
  }

  private void sweep(long now) {
    for (Iterator<Bucket> it = buckets.values().iterator(); it.hasNext(); ) {
      Bucket b = it.next();
      refill(b, now);
      if (b.streams == 0 && b.tokens >= capacity) {
        it.remove();
      }
    }
  }

  private static long nanos(Instant i) {
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }
}
