package io.github.llamaclient;

import io.github.llamaclient.internal.exchange.Exchange;
import io.github.llamaclient.internal.exchange.Clock;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The client-side limit on concurrent streams: at most {@code max} exchanges run; later ones wait
 * in a fair FIFO queue of at most {@code maxQueued}, each for at most {@code queueTimeout}. A full
 * queue rejects at once with {@link TooManyStreamsException}; a wait that lasts too long fails with
 * {@link LlamaTimeoutException.QueueWait}. Nobody blocks: a queued exchange is started by whoever
 * frees a place (the thread on which another exchange ends).
 *
 * <p>A place is taken when an exchange starts and given back exactly once, when the exchange
 * completes, fails or is cancelled (through {@link Exchange#onTerminate(Runnable)}); a cancelled
 * queued exchange just leaves the queue.
 */
final class StreamLimiter {
  private enum State {
    QUEUED,
    RUNNING,
    DONE
  }

  private static final class Ticket {
    final Exchange<?> exchange;
    State state = State.DONE;
    Clock.@Nullable Scheduled timer;

    Ticket(Exchange<?> exchange) {
      this.exchange = exchange;
    }
  }

  private final IntSupplier maxSource;
  private final int maxQueued;
  private final Duration queueTimeout;
  private final ArrayDeque<Ticket> queue = new ArrayDeque<>();
  private volatile int max; // 0 until resolved
  private int running;

  /**
   * @param maxSource the limit; asked once, on the first launch (it may call the server)
   */
  private final Clock clock;

  StreamLimiter(Clock clock, IntSupplier maxSource, int maxQueued, Duration queueTimeout) {
    this.clock = clock;
    this.maxSource = maxSource;
    this.maxQueued = maxQueued;
    this.queueTimeout = queueTimeout;
  }

  void launch(Exchange<?> exchange) {
    int limit;
    try {
      limit = limit();
    } catch (LlamaException e) {
      exchange.reject(e);
      return;
    }
    Ticket t = new Ticket(exchange);
    exchange.onTerminate(() -> terminated(t));
    boolean start = false;
    boolean reject = false;
    synchronized (this) {
      if (running < limit && queue.isEmpty()) {
        running++;
        t.state = State.RUNNING;
        start = true;
      } else if (queue.size() >= maxQueued) {
        reject = true;
      } else {
        t.state = State.QUEUED;
        queue.add(t);
        t.timer = clock.schedule(() -> timedOut(t), queueTimeout.toNanos());
      }
    }
    if (start) {
      begin(t);
    } else if (reject) {
      exchange.reject(new TooManyStreamsException(limit, maxQueued));
    } else if (exchange.isCancelled()) {
      terminated(t); // cancelled before the hook was in place
    }
  }

  private int limit() {
    int m = max;
    if (m > 0) {
      return m;
    }
    synchronized (maxSource) {
      if (max == 0) {
        int v = maxSource.getAsInt();
        if (v < 1) {
          throw new LlamaException("the stream limit must be 1 or more, the server reported " + v);
        }
        max = v;
      }
      return max;
    }
  }

  private void begin(Ticket t) {
    t.exchange.start();
    if (t.exchange.isCancelled()) {
      terminated(t); // cancelled before the hook was in place, or while starting: idempotent
    }
  }

  private void timedOut(Ticket t) {
    synchronized (this) {
      if (t.state != State.QUEUED) {
        return;
      }
      queue.remove(t);
      t.state = State.DONE;
    }
    t.exchange.reject(new LlamaTimeoutException.QueueWait(queueTimeout));
  }

  private void terminated(Ticket t) {
    List<Ticket> next = new ArrayList<>(1);
    synchronized (this) {
      switch (t.state) {
        case RUNNING:
          running--;
          break;
        case QUEUED:
          queue.remove(t);
          break;
        default:
          return;
      }
      t.state = State.DONE;
      Clock.Scheduled f = t.timer;
      if (f != null) {
        f.cancel();
      }
      while (running < max && !queue.isEmpty()) {
        Ticket n = queue.poll();
        n.state = State.RUNNING;
        running++;
        Clock.Scheduled nf = n.timer;
        if (nf != null) {
          nf.cancel();
        }
        next.add(n);
      }
    }
    for (Ticket n : next) {
      begin(n);
    }
  }

  /** Streams running now (for tests and diagnostics). */
  synchronized int running() {
    return running;
  }

  /** Streams waiting now. */
  synchronized int queued() {
    return queue.size();
  }
}
