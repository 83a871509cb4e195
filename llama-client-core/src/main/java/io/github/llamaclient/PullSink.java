package io.github.llamaclient;

import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The pull side: events queue up (bounded by flow control) until a consuming thread takes them.
 * Backs {@link ChatStream} and the {@code Stream<String>} face.
 */
final class PullSink<R> extends Exchange.Sink<R> {
  /** Above this many queued events, the producer stops reading until the consumer catches up. */
  static final int HIGH_WATER = 256;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition available = lock.newCondition();
  private final ArrayDeque<ChatEvent> queue = new ArrayDeque<>();
  private volatile int size;
  private boolean waiting;
  private @Nullable R result;
  private @Nullable LlamaException failure;
  private boolean ended;

  @Override
  void event(ChatEvent event) {
    lock.lock();
    try {
      queue.add(event);
      size = queue.size();
      if (waiting) {
        available.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  void complete(R r) {
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
      available.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  boolean wantsMore() {
    return size < HIGH_WATER;
  }

  /**
   * The next event, waiting for it; null when the stream completed.
   *
   * @throws LlamaException the stream's failure, once the events before it were taken
   * @throws InterruptedException if the waiting thread is interrupted
   */
  @Nullable ChatEvent take() throws InterruptedException {
    ChatEvent e;
    lock.lock();
    try {
      while (queue.isEmpty() && !ended) {
        waiting = true;
        try {
          available.await();
        } finally {
          waiting = false;
        }
      }
      e = queue.poll();
      size = queue.size();
      if (e == null) {
        if (failure != null) {
          throw failure;
        }
        return null;
      }
    } finally {
      lock.unlock();
    }
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
