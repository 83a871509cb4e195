package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import org.reactivestreams.tck.TestEnvironment;

/**
 * Why the publisher TCK tests use {@link TckEnvironment}: the TCK's own {@code expectError} gives
 * up after one poll interval, so an {@code onError} that comes later than that (as it does on a
 * busy machine) fails the rule 3.9 tests although it comes well within the timeout.
 */
class TckEnvironmentTest {
  private static final long TIMEOUT_MS = 10_000;
  private static final long POLL_MS = 20;
  private static final long LATE_MS = 10 * POLL_MS; // later than one poll, far within the timeout

  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    timer.shutdownNow();
  }

  /** request(n <= 0) is answered with onError(IllegalArgumentException), LATE_MS later. */
  private Publisher<String> lateRule309Publisher() {
    return s -> s.onSubscribe(new Subscription() {
      @Override
      public void request(long n) {
        if (n <= 0) {
          timer.schedule(() -> s.onError(new IllegalArgumentException("3.9")), LATE_MS, TimeUnit.MILLISECONDS);
        }
      }

      @Override
      public void cancel() {}
    });
  }

  @Test
  void aLateErrorWithinTheTimeoutIsFound() throws Exception {
    TestEnvironment env = new TckEnvironment(TIMEOUT_MS, 100, POLL_MS);
    TestEnvironment.ManualSubscriber<String> sub = env.newManualSubscriber(lateRule309Publisher());
    sub.request(0);
    assertThat(sub.expectError(IllegalArgumentException.class)).hasMessage("3.9");
    env.verifyNoAsyncErrorsNoDelay();
  }

  @Test
  void anErrorOfAnotherTypeFails() throws Exception {
    TestEnvironment env = new TckEnvironment(TIMEOUT_MS, 100, POLL_MS);
    TestEnvironment.ManualSubscriber<String> sub = env.newManualSubscriber(lateRule309Publisher());
    sub.request(0);
    assertThatThrownBy(() -> sub.expectError(IllegalStateException.class))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Got java.lang.IllegalArgumentException but expected java.lang.IllegalStateException");
  }

  @Test
  void noErrorFailsAfterTheTimeout() throws Exception {
    TestEnvironment env = new TckEnvironment(LATE_MS, 100, POLL_MS);
    TestEnvironment.ManualSubscriber<String> sub = env.newManualSubscriber(s -> s.onSubscribe(new Subscription() {
      @Override
      public void request(long n) {}

      @Override
      public void cancel() {}
    }));
    long start = System.nanoTime();
    assertThatThrownBy(() -> sub.expectError(IllegalArgumentException.class))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("within " + LATE_MS + " ms");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(LATE_MS);
  }

  /**
   * The TCK bug itself (TCK 1.0.4): its expectError does not wait for the late error. When a TCK
   * release fixes it, this fails: then TckEnvironment can go.
   */
  @Test
  void theTcksOwnExpectErrorGivesUpAfterOnePoll() throws Exception {
    TestEnvironment env = new TestEnvironment(TIMEOUT_MS, 100, POLL_MS);
    TestEnvironment.ManualSubscriber<String> sub = env.newManualSubscriber(lateRule309Publisher());
    sub.request(0);
    assertThatThrownBy(() -> sub.expectError(IllegalArgumentException.class))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("within " + TIMEOUT_MS + " ms");
  }
}
