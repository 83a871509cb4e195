package io.github.llamaclient;

import java.util.concurrent.TimeUnit;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.TestEnvironment;

/**
 * The TCK's {@link TestEnvironment} with its {@code expectError} fixed, for the publisher TCK
 * tests.
 *
 * <p>In TCK 1.0.4, {@code Receptacle.expectError} (which {@code ManualSubscriber.expectError}
 * uses, for example in the rule 3.9 tests: {@code request(0)} and {@code request(-1)} must signal
 * {@code onError(IllegalArgumentException)}) computes the time left as {@code remaining =-
 * elapsed} instead of {@code remaining -= elapsed}: the time left turns negative after the first
 * poll, so it waits one poll interval (20 ms here), not the default timeout, for the error to
 * arrive. On a busy machine the error, delivered by the client's callback executor, often comes
 * later than that, and the test fails ("Expected onError(...) within 2000 ms" after a fraction of
 * a second). The subscribers made here wait for the error until the default timeout, polling as
 * the TCK does; everything else is the TCK's.
 */
final class TckEnvironment extends TestEnvironment {

  TckEnvironment(long defaultTimeoutMillis, long defaultNoSignalsTimeoutMillis, long defaultPollTimeoutMillis) {
    super(defaultTimeoutMillis, defaultNoSignalsTimeoutMillis, defaultPollTimeoutMillis);
  }

  @Override
  public <T> ManualSubscriber<T> newManualSubscriber(Publisher<T> pub) throws InterruptedException {
    return newManualSubscriber(pub, defaultTimeoutMillis());
  }

  @Override
  public <T> ManualSubscriber<T> newManualSubscriber(Publisher<T> pub, long timeoutMillis) throws InterruptedException {
    ManualSubscriberWithSubscriptionSupport<T> sub = new Subscriber<>(this);
    subscribe(pub, sub, timeoutMillis);
    return sub;
  }

  /** The TCK's manual subscriber, with an {@code expectError} that waits the time it is given. */
  static final class Subscriber<T> extends ManualSubscriberWithSubscriptionSupport<T> {
    private final TestEnvironment env;

    Subscriber(TestEnvironment env) {
      super(env);
      this.env = env;
    }

    @Override
    public <E extends Throwable> E expectError(
        Class<E> expected, long totalTimeoutMillis, long pollTimeoutMillis, String errorMsg) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(totalTimeoutMillis);
      for (;;) {
        Throwable error = env.dropAsyncError(); // where onError puts what it receives
        if (error != null) {
          if (expected.isInstance(error)) {
            return expected.cast(error);
          }
          return env.flopAndFail(String.format(
              "%s within %d ms; Got %s but expected %s",
              errorMsg, totalTimeoutMillis, error.getClass().getCanonicalName(), expected.getCanonicalName()));
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return env.flopAndFail(String.format("%s within %d ms", errorMsg, totalTimeoutMillis));
        }
        Thread.sleep(Math.max(1, Math.min(pollTimeoutMillis, TimeUnit.NANOSECONDS.toMillis(left)))); // polls, as the TCK does
      }
    }
  }
}
