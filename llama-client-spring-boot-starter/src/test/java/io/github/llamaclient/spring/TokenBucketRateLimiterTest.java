package io.github.llamaclient.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The per-caller limits, on a fake clock: no test waits for time to pass. */
class TokenBucketRateLimiterTest {
  private final FakeTime time = new FakeTime();

  private static LlamaProperties.RateLimit limits(double perMinute, int burst, int perCaller, Integer max) {
    LlamaProperties.RateLimit r = new LlamaProperties.RateLimit();
    r.setRequestsPerMinute(perMinute);
    r.setBurst(burst);
    r.setStreamsPerCaller(perCaller);
    r.setMaxStreams(max);
    return r;
  }

  @Test
  void aBurstThenOneRequestPerRefillWithAnExactRetryAfter() {
    TokenBucketRateLimiter l = new TokenBucketRateLimiter(limits(6, 2, 10, null), () -> 0, time); // one per 10 s

    l.admit("a").release();
    l.admit("a").release();
    RateLimiter.Admission refused = l.admit("a");

    assertThat(refused.isAdmitted()).isFalse();
    assertThat(refused.reason()).isEqualTo("rate");
    assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(10));
    time.advance(Duration.ofSeconds(4));
    assertThat(l.admit("a").retryAfter()).isEqualTo(Duration.ofSeconds(6));
    assertThat(l.admit("b").isAdmitted()).as("another caller has its own bucket").isTrue();
    time.advance(Duration.ofSeconds(6));
    RateLimiter.Admission again = l.admit("a");
    assertThat(again.isAdmitted()).isTrue();
    assertThat(l.admit("a").isAdmitted()).as("the refill gave one request, not a burst").isFalse();
  }

  @Test
  void openStreamsPerCallerAreCappedAndGivenBackOnce() {
    TokenBucketRateLimiter l = new TokenBucketRateLimiter(limits(600, 100, 2, null), () -> 0, time);
    RateLimiter.Admission one = l.admit("a");
    RateLimiter.Admission two = l.admit("a");

    RateLimiter.Admission three = l.admit("a");
    assertThat(three.isAdmitted()).isFalse();
    assertThat(three.reason()).isEqualTo("caller-streams");
    assertThat(three.retryAfter()).isEqualTo(Duration.ofSeconds(1));

    one.release();
    one.release(); // a second release gives nothing back
    assertThat(l.streams()).isEqualTo(1);
    assertThat(l.admit("a").isAdmitted()).isTrue();
    assertThat(l.admit("a").isAdmitted()).isFalse();
    two.release();
  }

  @Test
  void theOverallCapIsTheServersSlotsOnceKnown() {
    AtomicInteger slots = new AtomicInteger(0); // unknown at first: the server is not up
    AtomicInteger asked = new AtomicInteger();
    TokenBucketRateLimiter l =
        new TokenBucketRateLimiter(
            limits(600, 100, 5, null),
            () -> {
              asked.incrementAndGet();
              return slots.get();
            },
            time);
    RateLimiter.Admission a = l.admit("a");
    assertThat(a.isAdmitted()).isTrue();
    slots.set(2);
    RateLimiter.Admission b = l.admit("b");
    assertThat(b.isAdmitted()).isTrue();

    RateLimiter.Admission c = l.admit("c");
    assertThat(c.isAdmitted()).isFalse();
    assertThat(c.reason()).isEqualTo("streams");
    assertThat(asked.get()).as("asked until known, then never again").isEqualTo(2);

    b.release();
    assertThat(l.admit("c").isAdmitted()).isTrue();
    assertThat(asked.get()).isEqualTo(2);
  }

  @Test
  void aFixedOverallCapWinsOverTheSlots() {
    TokenBucketRateLimiter l = new TokenBucketRateLimiter(limits(600, 100, 5, 1), () -> 8, time);
    assertThat(l.admit("a").isAdmitted()).isTrue();
    assertThat(l.admit("b").reason()).isEqualTo("streams");
  }

  @Test
  void refusalsTakeNoToken() {
    TokenBucketRateLimiter l = new TokenBucketRateLimiter(limits(6, 1, 1, null), () -> 0, time);
    RateLimiter.Admission held = l.admit("a");
    for (int i = 0; i < 5; i++) {
      assertThat(l.admit("a").reason()).isEqualTo("caller-streams");
    }
    held.release();
    time.advance(Duration.ofSeconds(10));
    assertThat(l.admit("a").isAdmitted()).isTrue();
  }

  @Test
  void idleCallersDoNotAccumulate() {
    TokenBucketRateLimiter l = new TokenBucketRateLimiter(limits(600, 1, 1, null), () -> 0, time);
    for (int i = 0; i < TokenBucketRateLimiter.SWEEP_AT + 5; i++) {
      l.admit("caller-" + i).release();
      if (i % 1000 == 0) {
        time.advance(Duration.ofSeconds(1)); // enough for a full bucket again
      }
    }
    assertThat(l.callers()).isLessThanOrEqualTo(TokenBucketRateLimiter.SWEEP_AT);
  }

  @Test
  void badLimitsAreRefusedAtStart() {
    assertThatThrownBy(() -> new TokenBucketRateLimiter(limits(0, 1, 1, null), () -> 0, time))
        .hasMessage("llama.rate-limit.requests-per-minute must be positive, was 0.0");
    assertThatThrownBy(() -> new TokenBucketRateLimiter(limits(1, 0, 1, null), () -> 0, time))
        .hasMessage("llama.rate-limit.burst must be 1 or more, was 0");
  }
}
