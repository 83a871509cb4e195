package io.github.llamaclient;

import io.github.llamaclient.internal.exchange.Exchange;
import io.github.llamaclient.internal.json.StreamDecoder;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The push side: a {@link Flow.Subscription} that delivers events as the subscriber requests them
 * (Reactive Streams rules: no more {@code onNext} than requested, serial signals, terminal signal
 * after the queued items, cancel stops everything and closes the exchange).
 *
 * <p>Signals after {@code onSubscribe} are delivered by tasks on the client's callback executor
 * ({@link LlamaClientBuilder#callbackExecutor(java.util.concurrent.Executor)}), one task at a
 * time per subscription, never on the HTTP client's I/O thread unless the user chose a direct
 * executor. A task drains what one network read produced (the stream's first item goes on its own,
 * as soon as it is decoded: the time to the first token does not wait for the rest of its read).
 * The exchange reads more bytes only while there is demand and nothing is queued: undelivered
 * signals pause the reader (back-pressure to the connection), they never call for more threads.
 * On the client's own {@link DeliveryPool}, a task gives its thread up after {@link #BATCH}
 * signals by queueing itself again at the back of the pool's queue when other tasks wait there, so
 * one stream's burst delays another stream by at most one batch per thread (with nobody waiting
 * it goes on: queueing itself would only wake another thread); on the reader threads, the thread that read may
 * run the task itself once its reader's other thread reads on ({@link DeliveryPool#execute}).
 *
 * <p>Over our HTTP/1.1 reader's reader threads, the reading runs up to {@link #READ_AHEAD} items
 * ahead of the delivery, within the demand. Over the pulled transport on virtual threads ({@link
 * LlamaClientBuilder#pushOnVirtualThreads(boolean)}), the sink
 * reads the connection itself: one virtual thread per stream, started when the exchange may start,
 * steps the exchange (connect and send, the head, then reads while the demand exceeds what is
 * queued and fewer than {@link #READ_AHEAD} items wait) and parks otherwise; delivery goes through
 * the same executor as above.
 *
 * @param <T> what the subscriber receives
 */
final class PushSink<T, R> extends Exchange.Sink<R> implements Flow.Subscription {
  /** The most signals one delivery task hands over before it lets other streams' tasks run. */
  static final int BATCH = 32;

  private static final System.Logger LOG = System.getLogger(PushSink.class.getName());

  /** Does nothing: replaces the subscriber once it may not be signalled any more (rule 3.13). */
  private static final Flow.Subscriber<Object> DETACHED =
      new Flow.Subscriber<>() {
        @Override
        public void onSubscribe(Flow.Subscription s) {}

        @Override
        public void onNext(Object item) {}

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onComplete() {}
      };

  private volatile Flow.Subscriber<? super T> subscriber;
  private final Function<ChatEvent, @Nullable T> map;
  private final Function<R, @Nullable T> last;
  private final Object lock = new Object();
  // guarded by lock: what the producer queued and the delivery task has not taken yet
  private ArrayDeque<T> queue = new ArrayDeque<>();
  // the delivery task's own: what it took from queue in one swap, not delivered yet
  private ArrayDeque<T> taken = new ArrayDeque<>();
  private int count; // guarded by lock: items in queue and taken; published as queued
  // the producer's own: items of the read at hand, queued at flush() (the exchange flushes after
  // each read and before any failure it signals itself; a failure from another thread, a cancel or
  // a deadline, ends the stream with what was queued by then)
  private final ArrayList<T> produced = new ArrayList<>();
  private boolean firstHandedOn; // the producer's own: the stream's first item went ahead of its read
  private final AtomicLong requested = new AtomicLong();
  private final AtomicInteger wip = new AtomicInteger();
  private volatile boolean cancelled;
  private volatile boolean ended;
  private @Nullable LlamaException failure;
  private volatile @Nullable IllegalArgumentException badRequest; // rule 3.9
  private boolean terminated;
  private volatile int queued;
  private final Executor executor;
  private final boolean takesTurns; // the executor is a FIFO pool: a task may queue itself again
  private final Runnable drainTask = this::drainLoop;
  private final @Nullable ThreadFactory pumps; // non-null: the exchange is pulled, a thread of these reads it
  private final boolean readAhead; // our own transport: reading may run ahead of the delivery
  private volatile @Nullable Thread pump; // the reading thread, once started
  private volatile boolean pumpParked; // the reading thread is about to park: wake it

  /**
   * @param map turns an event into an item, or null to skip it
   * @param last an item to deliver after all events on completion, or null for none
   * @param takesTurns whether a delivery task gives its thread up after {@link #BATCH} signals
   *     when other tasks wait (always, for an executor that is not {@link Queueing}); true only
   *     for an executor that queues, never runs a task on the caller's thread
   * @param pumps for a pulled exchange, where its reading thread comes from; null for a pushed one
   * @param readAhead whether the reading may run up to {@link #READ_AHEAD} items ahead of the
   *     delivery (our own transport, on a thread of {@code pumps} or on the reader threads); else
   *     one read at a time ({@code java.net.http})
   */
  PushSink(
      Flow.Subscriber<? super T> subscriber,
      Function<ChatEvent, @Nullable T> map,
      Function<R, @Nullable T> last,
      Executor executor,
      boolean takesTurns,
      @Nullable ThreadFactory pumps,
      boolean readAhead) {
    this.executor = executor;
    this.readAhead = readAhead || pumps != null;
    this.takesTurns = takesTurns;
    this.pumps = pumps;
    this.subscriber = subscriber;
    this.map = map;
    this.last = last;
  }

  // ---- producer side

  @Override
  protected void event(ChatEvent event) {
    T item = map.apply(event);
    if (item == null || cancelled) {
      return;
    }
    produced.add(item); // published with the read's other items at flush()
    if (!firstHandedOn) {
      // the first token goes at once: waking a delivery thread then overlaps decoding the rest of
      // its read (in a burst, the first read holds several events; on the reader threads, the read
      // ends its reader's turn instead). Only the first: in a burst, a later read's first item
      // alone would cost a second hand-off per read
      firstHandedOn = true;
      publish();
      drain();
    }
  }

  @Override
  protected void flush() {
    publish();
    if (queued > 0) {
      drain();
    }
  }

  @Override
  protected void complete(R result) {
    T item = last.apply(result);
    if (item != null) {
      produced.add(item);
    }
    publish();
    ended = true;
    drain();
  }

  /** Producer side: queues the items of the read at hand, under one lock. */
  private void publish() {
    int n = produced.size();
    if (n == 0) {
      return;
    }
    synchronized (lock) {
      queue.addAll(produced);
      count += n;
      queued = count;
    }
    produced.clear();
  }

  @Override
  protected void fail(LlamaException f) {
    failure = f;
    ended = true;
    drain();
    wakePump();
  }

  // ---- the reading thread of a pulled exchange

  @Override
  protected void startable() {
    ThreadFactory f = pumps;
    if (f == null || pump != null) {
      return;
    }
    Thread t = f.newThread(this::pumpLoop);
    pump = t;
    t.start();
  }

  /** Steps the exchange while it wants a step, parks while the subscriber is behind. */
  private void pumpLoop() {
    Exchange<R> x = exchange();
    if (x == null) {
      return;
    }
    try {
      while (x.pumpable()) {
        if (x.stepWanted()) {
          x.pump();
          continue;
        }
        pumpParked = true;
        if (!x.stepWanted() && x.pumpable()) { // volatile write then reads: pairs with wakePump()
          LockSupport.park(this);
        }
        pumpParked = false;
      }
    } catch (InterruptedException e) {
      x.cancel(); // nobody interrupts this thread but a JVM shutting down
    }
  }

  /** The subscriber caught up, asked for more, or the stream ended: a parked reading thread goes on. */
  private void wakePump() {
    if (pumpParked) {
      Thread t = pump;
      if (t != null) {
        LockSupport.unpark(t);
      }
    }
  }

  /**
   * Over our own transport, how many undelivered items the reading may run ahead of the
   * delivery (within the demand): reading and delivering overlap instead of taking turns.
   */
  static final int READ_AHEAD = 256;

  @Override
  protected boolean wantsMore() {
    if (cancelled) {
      return false;
    }
    int q = queued;
    long r = requested.get();
    // java.net.http: one read at a time, the next once this one's items were delivered
    return readAhead ? q < READ_AHEAD && r > q : q == 0 && r > 0;
  }

  // ---- subscription

  @Override
  public void request(long n) {
    if (n <= 0) {
      if (cancelled) {
        return; // rule 3.6
      }
      // rule 3.9: onError(IllegalArgumentException), before anything queued; the exchange stops.
      // Set before cancelling, so the cancellation's own failure is not the one delivered.
      badRequest = new IllegalArgumentException("Reactive Streams rule 3.9: request(n) needs n > 0, was " + n);
      ended = true;
      cancelUpstream();
      drain();
      return;
    }
    for (;;) {
      long r = requested.get();
      long u = r + n < 0 ? Long.MAX_VALUE : r + n;
      if (requested.compareAndSet(r, u)) {
        break;
      }
    }
    if (queued > 0 || ended || cancelled) {
      drain(); // something to deliver (or the end): a delivery task does it
    } else {
      // nothing to deliver yet: no delivery task (waking a pool thread for nothing costs the
      // first token's time); the exchange may read, and what it reads schedules the delivery
      consumed();
    }
    wakePump();
  }

  @Override
  public void cancel() {
    if (cancelled) {
      return;
    }
    cancelled = true;
    cancelUpstream();
    subscriber = DETACHED; // rule 3.13
  }

  private void cancelUpstream() {
    Exchange<R> e = exchange();
    if (e != null) {
      e.cancel();
    }
  }

  /** Makes sure a delivery task runs (at most one at a time). */
  private void drain() {
    if (wip.getAndIncrement() != 0) {
      return;
    }
    try {
      executor.execute(drainTask);
    } catch (RejectedExecutionException e) {
      drainLoop(); // the executor is shut down (client closed): deliver here rather than lose signals
    }
  }

  private void drainLoop() {
    int missed = 1;
    int turn = BATCH; // signals this task may still hand over before it lets other streams run
    for (;;) {
      long r = requested.get();
      long emitted = 0;
      boolean batchEnded = false;
      while (emitted != r) {
        if (cancelled || terminated || badRequest != null) {
          break;
        }
        if (turn == 0 && takesTurns) {
          batchEnded = true;
          break;
        }
        T item = taken.poll();
        if (item == null) {
          item = takeQueued();
          if (item == null) {
            break;
          }
        }
        try {
          subscriber.onNext(item);
        } catch (RuntimeException e) {
          // rule 2.13: the subscriber broke its contract; stop everything
          LOG.log(System.Logger.Level.WARNING, "subscriber threw from onNext; cancelling the stream", e);
          cancel();
          return;
        }
        emitted++;
        turn--;
      }
      if (emitted != 0) {
        synchronized (lock) {
          count -= (int) emitted; // at most count: every item taken was counted
          queued = count;
        }
      }
      if (cancelled) {
        return;
      }
      if (ended && !terminated && (queued == 0 || badRequest != null)) {
        terminated = true;
        Flow.Subscriber<? super T> s = subscriber;
        subscriber = DETACHED; // rule 3.13: no reference to the subscriber after its terminal signal
        synchronized (lock) {
          queue.clear();
          count = 0;
          queued = 0;
        }
        taken.clear();
        Throwable f = badRequest != null ? badRequest : failure;
        if (f != null) {
          s.onError(f);
        } else {
          s.onComplete();
        }
        return;
      }
      if (terminated) {
        return;
      }
      if (emitted != 0 && r != Long.MAX_VALUE) {
        requested.addAndGet(-emitted);
      }
      if (emitted != 0 || queued == 0) {
        consumed();
        wakePump();
      }
      if (batchEnded) { // the counts above are settled: the reading resumes while this task goes on
        turn = BATCH;
        if (othersWaiting()) {
          try {
            executor.execute(drainTask); // to the back of the queue; wip stays taken, so this is the one task
            return;
          } catch (RejectedExecutionException e) {
            // shut down (client closed): go on here rather than lose signals
          }
        }
        continue; // nobody waits: going to the back of an empty queue would only wake another thread
      }
      missed = wip.addAndGet(-missed);
      if (missed == 0) {
        break;
      }
    }
  }

  /** Whether other tasks wait for the executor's threads (always, for an executor that does not say). */
  private boolean othersWaiting() {
    return !(executor instanceof Queueing) || ((Queueing) executor).othersWaiting();
  }

  /** An executor that queues tasks and says whether any wait: a delivery task gives its thread up only for them. */
  interface Queueing extends Executor {
    /**
     * Whether tasks wait in the queue now (a racy answer is fine: it only decides whether a
     * delivery task lets others run first).
     *
     * @return true when at least one task waits
     */
    boolean othersWaiting();
  }

  /**
   * The delivery task's side of the hand-off: everything the producer queued, in one swap (one lock
   * per network read's items, not one per item); returns the first, or null if nothing was queued.
   */
  private @Nullable T takeQueued() {
    ArrayDeque<T> t = taken;
    synchronized (lock) {
      if (queue.isEmpty()) {
        return null;
      }
      taken = queue;
      queue = t;
    }
    return taken.poll();
  }

  /** Starts a publisher's exchange: onSubscribe first, then the request goes out. */
  static <T, R> void subscribe(
      ClientContext client,
      io.github.llamaclient.internal.exchange.Request request,
      StreamDecoder<R> decoder,
      Flow.Subscriber<? super T> subscriber,
      Function<ChatEvent, @Nullable T> map,
      Function<R, @Nullable T> last,
      @Nullable LlamaException refused) {
    Objects.requireNonNull(subscriber, "subscriber");
    ThreadFactory pumps = client.pushPumps();
    PushSink<T, R> sink = new PushSink<>(subscriber, map, last, client.callbackExecutor(), client.ownDeliveryPool(), pumps, client.pushReadsAhead());
    Exchange<R> exchange =
        Exchange.streaming(client.engine(), request, pumps != null ? client.engine().pulled() : client.engine().pushed(), decoder, sink);
    subscriber.onSubscribe(sink);
    if (!sink.cancelled && !exchange.isCancelled()) { // request(0) in onSubscribe cancels too
      if (refused != null) {
        exchange.reject(refused); // refused before sending: onError, as any other failure
      } else {
        client.launch(exchange);
      }
    }
  }
}
