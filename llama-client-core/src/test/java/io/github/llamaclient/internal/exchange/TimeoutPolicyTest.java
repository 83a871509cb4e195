package io.github.llamaclient.internal.exchange;

import static io.github.llamaclient.internal.exchange.TimeoutPolicy.IDLE;
import static io.github.llamaclient.internal.exchange.TimeoutPolicy.RESPONSE;
import static io.github.llamaclient.internal.exchange.TimeoutPolicy.TOTAL;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The timeout policy alone: each limit, on each kind of transport, as plain arithmetic. */
class TimeoutPolicyTest {
  private static final long MS = 1_000_000;
  private static final TimeoutPolicy POLICY = new TimeoutPolicy(1000 * MS, 300 * MS, 0);
  private static final TimeoutPolicy WITH_TOTAL = new TimeoutPolicy(1000 * MS, 300 * MS, 5000 * MS);

  private static long pushed(TimeoutPolicy p, int state, long now, long sentAt, boolean holds, long lastActivity) {
    return p.check(state, now, 0, sentAt, false, 0, holds, lastActivity);
  }

  private static long pulled(TimeoutPolicy p, int state, long now, long sentAt, long blockedSince) {
    return p.check(state, now, 0, sentAt, true, blockedSince, false, 0);
  }

  @Test
  void theResponseLimitCountsFromTheWrite() {
    assertThat(pushed(POLICY, Exchange.SENT, 400 * MS, 100 * MS, false, 0)).isEqualTo(700 * MS);
    assertThat(pushed(POLICY, Exchange.SENT, 1100 * MS, 100 * MS, false, 0)).isEqualTo(RESPONSE);
  }

  @Test
  void aPulledConsumerThatIsNotReadingIsNotFailedForTheServersSilence() {
    // the limit has passed, but nobody waits for the server: check again later, fail nobody
    assertThat(pulled(POLICY, Exchange.SENT, 5000 * MS, 0, 0)).isPositive();
    // blocked in a read, only just: a grace of a quarter of the limit, at most 100 ms
    assertThat(pulled(POLICY, Exchange.SENT, 5000 * MS, 0, 4950 * MS)).isEqualTo(50 * MS + 1);
    assertThat(pulled(POLICY, Exchange.SENT, 5000 * MS, 0, 4900 * MS)).isEqualTo(RESPONSE);
  }

  @Test
  void theIdleLimitCountsTheServersSilenceOnly() {
    assertThat(pushed(POLICY, Exchange.BODY, 1000 * MS, 0, false, 800 * MS)).isEqualTo(100 * MS);
    assertThat(pushed(POLICY, Exchange.BODY, 1000 * MS, 0, false, 700 * MS)).isEqualTo(IDLE);
    assertThat(pushed(POLICY, Exchange.BODY, 1000 * MS, 0, true, 0)).as("a slow consumer is not a silent server").isEqualTo(300 * MS);
    assertThat(pulled(POLICY, Exchange.BODY, 1000 * MS, 0, 0)).as("a busy consumer").isEqualTo(150 * MS + 1);
    assertThat(pulled(POLICY, Exchange.BODY, 1000 * MS, 0, 800 * MS)).isEqualTo(100 * MS);
    assertThat(pulled(POLICY, Exchange.BODY, 1000 * MS, 0, 700 * MS)).isEqualTo(IDLE);
  }

  @Test
  void theTotalDeadlineBeatsEveryOtherLimitAndNothingExtendsIt() {
    assertThat(pushed(WITH_TOTAL, Exchange.BODY, 5000 * MS, 0, false, 4999 * MS)).isEqualTo(TOTAL);
    assertThat(pulled(WITH_TOTAL, Exchange.SENT, 5000 * MS, 4990 * MS, 0)).isEqualTo(TOTAL);
    assertThat(WITH_TOTAL.check(Exchange.READY, 5000 * MS, 0, 0, true, 0, false, 0)).isEqualTo(TOTAL);
    assertThat(WITH_TOTAL.clamp(300 * MS, 4900 * MS, 0)).as("no check later than the deadline").isEqualTo(100 * MS);
    assertThat(POLICY.clamp(300 * MS, 4900 * MS, 0)).as("without a deadline").isEqualTo(300 * MS);
  }

  @Test
  void theFirstCheckComesAtTheNearestLimitAndWhileWaitingForAPlaceOnlyTheDeadlineRuns() {
    assertThat(POLICY.nextCheck(Exchange.READY, 0, 0)).isEqualTo(Long.MAX_VALUE);
    assertThat(WITH_TOTAL.nextCheck(Exchange.READY, 1000 * MS, 0)).isEqualTo(4000 * MS);
    assertThat(POLICY.nextCheck(Exchange.SENT, 0, 0)).isEqualTo(300 * MS);
    assertThat(POLICY.nextCheck(Exchange.BODY, 0, 0)).isEqualTo(300 * MS);
  }
}
