package io.github.llamaclient;

import io.github.llamaclient.internal.exchange.Exchange;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * The pull side: events queue up (bounded by flow control) until a consuming thread takes them.
 * Backs {@link ChatStream} and the {@code Stream<String>} face.
 *
 * <p>A single-producer single-consumer queue without locks: the producer (the HTTP client's thread)
 * appends the events of one network read to linked arrays that only it writes, and publishes them
 * all with one volatile write of the count ({@link #flush()}); the consumer reads up to the
 * published count without any atomic operation per event. A consumer that finds nothing announces
 * itself in {@code waiter} and parks; the producer unparks it only if it announced itself, so a
 * busy consumer costs the producer no system call. Terminal signals (complete, fail) may come from
 * any thread; they set volatile fields and unpark the waiter.
 */
final class PullSink<R> extends Exchange.Sink<R> {
  /** Above this many queued events, the producer stops reading until the consumer catches up. */
  static final int HIGH_WATER = 256;

  private static final int CHUNK = 128;

  /** A block of queue slots; the producer fills it, the consumer empties it. */
  private static final class Chunk {
    final @Nullable ChatEvent[] items = new @Nullable ChatEvent[CHUNK]; // null: not written yet, or taken
    @Nullable Chunk next; // written by the producer before the count that covers it is published
  }

  // producer-only
  private Chunk tail;
  private int tailIndex;
  private int written;

  // consumer-only
  private Chunk head;
  private int headIndex;
  private int read;
  private int available; // the published count as last read

  // an emptied chunk handed back by the consumer, reused by the producer
  private final AtomicReference<@Nullable Chunk> spare = new AtomicReference<>();

  private volatile int produced; // published count; written by the producer only
  private volatile int consumed; // written by the consumer only
  private volatile @Nullable Thread waiter; // the consumer, while it is about to park
  private volatile @Nullable R result;
  private volatile @Nullable LlamaException failure;
  private volatile boolean ended; // written after result/failure
  // the consumer cancelled (perhaps from another thread): queued events are dropped
  private volatile boolean discarded;

  PullSink() {
    Chunk c = new Chunk();
    tail = c;
    head = c;
  }

  @Override
  protected void event(ChatEvent event) {
    if (tailIndex == CHUNK) {
      Chunk c = spare.getAndSet(null);
      if (c == null) {
        c = new Chunk();
      }
      tail.next = c;
      tail = c;
      tailIndex = 0;
    }
    tail.items[tailIndex++] = event;
    written++;
  }

  @Override
  protected void flush() {
    if (written == produced || discarded) {
      return;
    }
    produced = written; // publishes the slots and links written before it
    Thread w = waiter; // volatile write then volatile read: a consumer that parks saw the count, or we see it
    if (w != null) {
      LockSupport.unpark(w);
    }
  }

  @Override
  protected void complete(R r) {
    flush();
    result = r;
    ended = true;
    wake();
  }

  @Override
  protected void fail(LlamaException f) {
    if (ended) {
      return;
    }
    failure = f;
    ended = true;
    if (f instanceof StreamCancelledException) {
      // the consumer closed the stream (perhaps from another thread): what is queued is not
      // wanted any more, the iterating thread sees the cancellation next (set after ended, so a
      // consumer that sees it sees the failure)
      discarded = true;
    }
    wake();
  }

  @Override
  protected void startable() {
    wake();
  }

  private void wake() {
    Thread w = waiter;
    if (w != null) {
      LockSupport.unpark(w);
    }
  }

  @Override
  protected boolean wantsMore() {
    return produced - consumed < HIGH_WATER;
  }

  /**
   * The next event, waiting for it; null when the stream completed.
   *
   * @throws LlamaException the stream's failure, once the events before it were taken
   * @throws InterruptedException if the waiting thread is interrupted
   */
  @Nullable ChatEvent take() throws InterruptedException {
    if (read == available) {
      if (!awaitEvents()) {
        return null;
      }
    }
    if (discarded) {
      return endOfStream();
    }
    if (headIndex == CHUNK) {
      Chunk done = head;
      Chunk next = done.next;
      if (next == null) { // cannot be: an event after this chunk was published, with the link
        throw new IllegalStateException("pull queue: published event without its chunk");
      }
      head = next;
      headIndex = 0;
      done.next = null;
      spare.compareAndSet(null, done);
    }
    ChatEvent e = head.items[headIndex];
    if (e == null) { // cannot be: the slot was written before the count that covers it was published
      throw new IllegalStateException("pull queue: published slot without its event");
    }
    head.items[headIndex++] = null;
    read++;
    if (read == available || (read & 63) == 0) {
      // published per batch taken (and every 64 events), not per event: a volatile write costs
      consumed = read; // single writer: the consuming thread
      consumed();
    }
    return e;
  }

  /** Waits until events were published (true) or the stream ended with nothing left (false, or throws). */
  private boolean awaitEvents() throws InterruptedException {
    int a = produced;
    if (a == read && !discarded) {
      Thread me = Thread.currentThread();
      Exchange<R> x = exchange();
      boolean pumps = x != null && x.readsOnConsumer();
      try {
        for (;;) {
          if (pumps && x != null) { // x != null follows from pumps; spelled out for NullAway
            // this thread reads the connection itself: no producer thread, no wake-up
            a = produced;
            if (a != read || ended || discarded) {
              break;
            }
            if (x.pump()) {
              continue;
            }
          }
          waiter = me;
          a = produced; // volatile write then read: pairs with flush()
          if (a != read || ended || discarded) {
            break;
          }
          if (pumps && x != null && x.pumpable()) {
            continue; // started meanwhile
          }
          if (Thread.interrupted()) {
            throw new InterruptedException();
          }
          LockSupport.park(this);
        }
      } finally {
        waiter = null;
      }
      if (a == read && ended) {
        a = produced; // complete() publishes before it sets ended
      }
    }
    available = a;
    if (a != read && !discarded) {
      return true;
    }
    endOfStream();
    return false;
  }

  /** Null at the end of a completed stream; throws the failure of a failed one. */
  private @Nullable ChatEvent endOfStream() {
    LlamaException f = failure;
    if (f != null && ended) {
      throw f;
    }
    return null;
  }

  /** The result once completed, else null. */
  @Nullable R result() {
    return ended ? result : null;
  }

  /** The failure once failed, else null. */
  @Nullable LlamaException failure() {
    return ended ? failure : null;
  }
}
