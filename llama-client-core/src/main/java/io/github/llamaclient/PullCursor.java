package io.github.llamaclient;

import io.github.llamaclient.internal.exchange.Exchange;
import io.github.llamaclient.internal.flow.StreamCleaner;
import java.lang.ref.Reference;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/**
 * The pull side of one stream as its consumer sees it: one-time iteration over a {@link PullSink},
 * an optional last event made from the result, live figures, the result, and close. Shared by
 * {@link ChatStream} and {@link CompletionStream}. One thread iterates; {@link #close()} may be
 * called from any thread.
 *
 * <p>Every view of the stream (the face, its iterator, a {@code Stream} made from it) holds this
 * cursor, so the cursor is what the {@link StreamCleaner} watches: dropped before its end without
 * close, it cancels the exchange on the cleaner's thread (which only closes the connection; the
 * stream is read on its consumer's thread, never there). Closed, or read to its end, it
 * deregisters.
 */
final class PullCursor<R> implements Iterable<ChatEvent> {
  private final PullSink<R> sink;
  private final Exchange<R> exchange;
  private final Function<R, @Nullable ChatEvent> last;
  private final Function<R, @Nullable Timings> finalTimings;
  private final String name;
  private final LiveStats stats = new LiveStats();
  private boolean iterated;
  private @Nullable ChatEvent next;
  private boolean done;
  private final StreamCleaner.Guard guard;

  /**
   * @param last the event that ends the iteration, made from the result, or null for none
   * @param finalTimings the result's timings, fed to the live figures when no last event carries them
   * @param name the stream's type, for messages
   */
  PullCursor(
      PullSink<R> sink,
      Exchange<R> exchange,
      Function<R, @Nullable ChatEvent> last,
      Function<R, @Nullable Timings> finalTimings,
      String name) {
    this.sink = sink;
    this.exchange = exchange;
    this.last = last;
    this.finalTimings = finalTimings;
    this.name = name;
    this.guard = watch(this, sink, exchange, name);
  }

  /** Registers the cursor with the cleaner; static, so the release cannot hold the cursor. */
  private static <R> StreamCleaner.Guard watch(
      PullCursor<R> cursor, PullSink<R> sink, Exchange<R> exchange, String name) {
    return StreamCleaner.register(
        cursor,
        name + " (" + exchange.uri().getRawPath() + ")",
        leaked -> {
          boolean running = sink.result() == null && sink.failure() == null;
          exchange.cancel(); // closes the connection; never reads
          return running;
        });
  }

  @Override
  public Iterator<ChatEvent> iterator() {
    if (iterated) {
      throw new IllegalStateException("a " + name + " can be iterated only once");
    }
    iterated = true;
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return peek() != null;
      }

      @Override
      public ChatEvent next() {
        ChatEvent e = peek();
        if (e == null) {
          throw new NoSuchElementException();
        }
        PullCursor.this.next = null;
        return e;
      }
    };
  }

  Stream<ChatEvent> events(Runnable onClose) {
    return StreamSupport.stream(
            Spliterators.spliteratorUnknownSize(iterator(), Spliterator.ORDERED | Spliterator.NONNULL), false)
        .onClose(onClose);
  }

  private @Nullable ChatEvent peek() {
    if (next != null) {
      return next;
    }
    if (done) {
      return null;
    }
    ChatEvent e;
    try {
      e = sink.take();
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      exchange.cancel();
      ended();
      throw new StreamCancelledException("the consuming thread was interrupted; the stream was closed");
    } catch (LlamaException le) {
      ended();
      throw le;
    } finally {
      // the consumer may hold only a view that reaches this cursor through the frames below; it
      // is in use while its consumer waits for the next event
      Reference.reachabilityFence(this);
    }
    if (e == null) {
      ended();
      R r = sink.result();
      if (r == null) {
        return null;
      }
      ChatEvent end = last.apply(r);
      if (end != null) {
        next = end;
        stats.accept(end);
        return end;
      }
      Timings t = finalTimings.apply(r);
      if (t != null) {
        stats.accept(new ChatEvent.TokenTimings(t));
      }
      return null;
    }
    next = e;
    stats.accept(e);
    return e;
  }

  /** The stream ended (completed, failed or cancelled) and its consumer saw it: nothing to clean. */
  private void ended() {
    done = true;
    guard.disarm();
  }

  LiveStats stats() {
    return stats;
  }

  R result() {
    iterated = true;
    while (peek() != null) {
      next = null;
    }
    Reference.reachabilityFence(this);
    R r = sink.result();
    if (r == null) {
      LlamaException f = sink.failure();
      throw f != null ? f : new StreamCancelledException("the stream was closed before it completed");
    }
    return r;
  }

  void close() {
    exchange.cancel();
    guard.disarm();
  }
}
