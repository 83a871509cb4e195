package io.github.llamaclient;

import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The pull side: events queue up (bounded by flow control) until a consuming thread takes them.
 * Backs {@link ChatStream} and the {@code Stream<String>} face.
 *
 * <p>Hand-off is batched: the producer collects the events of one network read in a private
 * queue and publishes them with one lock and at most one wake-up ({@link #flush()}), and the
 * consumer takes a whole published batch with one lock. A waiting consumer is woken only when
 * there is something for it, never per event.
 */
final class PullSink<R> extends Exchange.Sink<R> {
  /** Above this many queued events, the producer stops reading until the consumer catches up. */
  static final int HIGH_WATER = 256;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition available = lock.newCondition();
  // producer-only: events of the current read, not yet published
  private ArrayDeque<ChatEvent> pending = new ArrayDeque<>();
  // guarded by lock: published, not yet taken
  private ArrayDeque<ChatEvent> shared = new ArrayDeque<>();
  // consumer-only: a batch taken from shared
  private ArrayDeque<ChatEvent> local = new ArrayDeque<>();
  private volatile int produced; // written by the producer only
  private volatile int consumed; // written by the consumer only
  private boolean waiting; // guarded by lock
  private @Nullable R result; // guarded by lock
  private @Nullable LlamaException failure; // guarded by lock
  private boolean ended; // guarded by lock
  // the consumer cancelled (perhaps from another thread): queued events are dropped
  private volatile boolean discarded;

  @Override
  void event(ChatEvent event) {
    pending.add(event);
  }

  @Override
  void flush() {
    if (pending.isEmpty()) {
      return;
    }
    int n = pending.size();
    lock.lock();
    try {
      if (discarded) {
        pending.clear();
        return;
      }
      if (shared.isEmpty()) {
        ArrayDeque<ChatEvent> t = shared;
        shared = pending;
        pending = t;
      } else {
        shared.addAll(pending);
        pending.clear();
      }
      produced += n;
      if (waiting) {
        available.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  void complete(R r) {
    flush();
    lock.lock();
    try {
      result = r;
      ended = true;
      available.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  void fail(LlamaException f) {
    lock.lock();
    try {
      failure = f;
      ended = true;
      if (f instanceof StreamCancelledException) {
        // the consumer closed the stream (perhaps from another thread): what is queued is not
        // wanted any more, the iterating thread sees the cancellation next
        discarded = true;
        shared.clear();
      }
      available.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  boolean wantsMore() {
    return produced - consumed < HIGH_WATER;
  }

  /**
   * The next event, waiting for it; null when the stream completed.
   *
   * @throws LlamaException the stream's failure, once the events before it were taken
   * @throws InterruptedException if the waiting thread is interrupted
   */
  @Nullable ChatEvent take() throws InterruptedException {
    if (discarded) {
      local.clear(); // local is the consumer's: cleared here, on its thread
    }
    ChatEvent e = local.poll();
    if (e == null) {
      lock.lock();
      try {
        while (shared.isEmpty() && !ended) {
          waiting = true;
          try {
            available.await();
          } finally {
            waiting = false;
          }
        }
        if (!shared.isEmpty()) {
          ArrayDeque<ChatEvent> t = local;
          local = shared;
          shared = t;
          e = local.poll();
        } else if (failure != null) {
          throw failure;
        } else {
          return null;
        }
      } finally {
        lock.unlock();
      }
    }
    consumed++; // single writer: the consuming thread
    consumed();
    return e;
  }

  /** The result once completed, else null. */
  @Nullable R result() {
    lock.lock();
    try {
      return result;
    } finally {
      lock.unlock();
    }
  }

  /** The failure once failed, else null. */
  @Nullable LlamaException failure() {
    lock.lock();
    try {
      return failure;
    } finally {
      lock.unlock();
    }
  }
}
