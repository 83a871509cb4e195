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
        Object sub = ref.get();
        flop("Publisher " + pub + " did not drop its reference to the subscriber within 10 s of cancel (rule 3.13); "
            + "the subscriber's sinks: " + (sub == null ? "(cleared now)" : sinks(sub)) + "; threads in the client's code now:" + clientThreads());
        return;
      }
      System.gc();
    }
    verifyNoAsyncErrorsNoDelay();
  }

  /**
   * The state of each {@code PushSink} reachable from {@code root} through the fields of the TCK's,
   * the adapters' and this library's objects (a diagnostic for rule 3.13: whether the sink let go).
   */
  private static String sinks(Object root) {
    StringBuilder b = new StringBuilder();
    java.util.Set<Object> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    java.util.ArrayDeque<Object> todo = new java.util.ArrayDeque<>(java.util.List.of(root));
    while (!todo.isEmpty() && seen.size() < 200) {
      Object o = todo.poll();
      if (!seen.add(o)) {
        continue;
      }
      for (Class<?> c = o.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
        String n = c.getName();
        if (!(n.startsWith("org.reactivestreams") || n.startsWith("io.github.llamaclient"))) {
          continue;
        }
        for (java.lang.reflect.Field f : c.getDeclaredFields()) {
          if (java.lang.reflect.Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
            continue;
          }
          try {
            f.setAccessible(true);
            Object v = f.get(o);
            if (v != null) {
              todo.add(v);
            }
          } catch (ReflectiveOperationException | RuntimeException e) {
            // not ours to read
          }
        }
      }
      if (o instanceof PushSink) {
        b.append(describe(o)).append(' ');
      }
    }
    return b.length() == 0 ? "none reachable" : b.toString();
  }

  private static String describe(Object sink) {
    StringBuilder b = new StringBuilder("PushSink{");
    for (String name : new String[] {"subscriber", "cancelled", "terminated", "ended"}) {
      try {
        java.lang.reflect.Field f = PushSink.class.getDeclaredField(name);
        f.setAccessible(true);
        Object v = f.get(sink);
        b.append(name).append('=').append(v == null ? "null" : name.equals("subscriber") ? v.getClass().getName() : v).append(' ');
      } catch (ReflectiveOperationException e) {
        b.append(name).append("=? ");
      }
    }
    return b.append('}').toString();
  }

  /** The stacks of the threads that are in this library's code (a diagnostic for rule 3.13). */
  private static String clientThreads() {
    StringBuilder b = new StringBuilder();
    for (java.util.Map.Entry<Thread, StackTraceElement[]> t : Thread.getAllStackTraces().entrySet()) {
      StackTraceElement[] stack = t.getValue();
      if (java.util.Arrays.stream(stack).anyMatch(f -> f.getClassName().startsWith("io.github.llamaclient.") && !f.getClassName().contains("Tck"))) {
        b.append("\n  ").append(t.getKey().getName()).append(" (").append(t.getKey().getState()).append(')');
        for (int i = 0; i < Math.min(stack.length, 12); i++) {
          b.append("\n    at ").append(stack[i]);
        }
      }
    }
    return b.length() == 0 ? " none" : b.toString();
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
