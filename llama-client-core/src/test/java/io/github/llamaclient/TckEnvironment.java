package io.github.llamaclient;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
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

  /**
   * Rule 3.13 ("cancel must make the publisher eventually drop all references to the
   * subscriber"), checked as the TCK's {@code required_spec313_...} does (subscribe, take one
   * element, cancel; then the subscriber must become unreachable), but collecting until the
   * reference is cleared, for up to 10 s, instead of one {@code System.gc()} followed by a 100 ms
   * wait for the reference queue: on a loaded machine the JVM's reference handler thread may not
   * run within 100 ms of a collection even when nothing holds the subscriber any more.
   *
   * @param pub the publisher under test
   */
  <T> void checkRule313(Publisher<T> pub) throws Throwable {
    ReferenceQueue<Object> queue = new ReferenceQueue<>();
    WeakReference<Object> ref = subscribeTakeOneAndCancel(pub, queue);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (queue.remove(100) != ref) {
      if (System.nanoTime() > deadline) {
        flop("Publisher " + pub + " did not drop its reference to the subscriber within 10 s of cancel (rule 3.13)");
        return;
      }
      System.gc();
    }
    verifyNoAsyncErrorsNoDelay();
  }

  /** Apart, so that no local variable of the caller holds the subscriber. */
  private <T> WeakReference<Object> subscribeTakeOneAndCancel(Publisher<T> pub, ReferenceQueue<Object> queue) throws Throwable {
    ManualSubscriber<T> sub = newManualSubscriber(pub);
    WeakReference<Object> ref = new WeakReference<>(sub, queue);
    sub.request(1);
    sub.nextElement();
    sub.cancel();
    return ref;
  }
}
