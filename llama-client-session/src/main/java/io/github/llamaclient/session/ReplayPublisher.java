package io.github.llamaclient.session;

import io.github.llamaclient.ChatEvent;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A cold publisher of a replay: each subscription plays its own {@link ReplayCursor} on a thread of
 * its own (a daemon thread named {@code llama-replay}), which waits for the events' times and for
 * demand, and signals the subscriber, serially. Events mapped to null are skipped without using
 * demand. {@code cancel()} ends the thread's wait at once.
 */
final class ReplayPublisher<T> implements Flow.Publisher<T> {
  private final Supplier<ReplayCursor> cursors;
  private final Function<ChatEvent, @Nullable T> map;

  ReplayPublisher(Supplier<ReplayCursor> cursors, Function<ChatEvent, @Nullable T> map) {
    this.cursors = cursors;
    this.map = map;
  }

  @Override
  public void subscribe(Flow.Subscriber<? super T> subscriber) {
    Objects.requireNonNull(subscriber, "subscriber");
    Play<T> play = new Play<>(subscriber, map);
    subscriber.onSubscribe(play);
    Thread t = new Thread(() -> play.run(cursors.get()), "llama-replay");
    t.setDaemon(true);
    t.start();
  }

  /** One subscription: demand, cancel, and the playing loop. */
  private static final class Play<T> implements Flow.Subscription {
    private final Flow.Subscriber<? super T> subscriber;
    private final Function<ChatEvent, @Nullable T> map;
    private long demand; // guarded by this
    private boolean cancelled; // guarded by this
    private @Nullable Throwable badRequest; // guarded by this
    private @Nullable ReplayCursor cursor; // guarded by this

    Play(Flow.Subscriber<? super T> subscriber, Function<ChatEvent, @Nullable T> map) {
      this.subscriber = subscriber;
      this.map = map;
    }

    @Override
    public synchronized void request(long n) {
      if (n <= 0) {
        badRequest = new IllegalArgumentException("request(n) needs n > 0, was " + n); // rule 3.9
      } else {
        demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
      }
      notifyAll();
    }

    @Override
    public void cancel() {
      ReplayCursor c;
      synchronized (this) {
        cancelled = true;
        c = cursor;
        notifyAll();
      }
      if (c != null) {
        c.close();
      }
    }

    void run(ReplayCursor c) {
      synchronized (this) {
        if (cancelled) {
          return;
        }
        cursor = c;
      }
      try {
        while (true) {
          if (!awaitDemand(c)) {
            return;
          }
          ChatEvent e = c.next();
          if (isCancelled()) {
            return;
          }
          if (e == null) {
            subscriber.onComplete();
            return;
          }
          T item = map.apply(e);
          if (item != null) {
            synchronized (this) {
              if (demand != Long.MAX_VALUE) {
                demand--;
              }
            }
            subscriber.onNext(item);
          }
        }
      } catch (RuntimeException ex) {
        c.close();
        if (!isCancelled()) {
          subscriber.onError(ex);
        }
      }
    }

    /** True when there is demand; false if cancelled, or after signalling a bad request. */
    private boolean awaitDemand(ReplayCursor c) {
      Throwable bad;
      synchronized (this) {
        while (demand == 0 && !cancelled && badRequest == null) {
          try {
            wait();
          } catch (InterruptedException ie) {
            cancelled = true; // only cancel() ends this thread's waits; nobody else has it
          }
        }
        if (cancelled) {
          return false;
        }
        bad = badRequest;
        if (bad != null) {
          cancelled = true;
        }
      }
      if (bad != null) {
        c.close();
        subscriber.onError(bad);
        return false;
      }
      return true;
    }

    private synchronized boolean isCancelled() {
      return cancelled;
    }
  }
}
