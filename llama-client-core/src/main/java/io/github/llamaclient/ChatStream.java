package io.github.llamaclient;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/**
 * A streamed chat reply as typed events, pulled by the caller's thread. Iterate it once; the last
 * event is {@link ChatEvent.Done}. Close it (try-with-resources) to end the exchange early: closing
 * closes the HTTP connection, so llama-server stops generating.
 *
 * <pre>{@code
 * try (ChatStream events = client.stream(request)) {
 *   for (ChatEvent e : events) {
 *     if (e instanceof ChatEvent.Content c) System.out.print(c.text());
 *   }
 *   ChatResult result = events.result();
 * }
 * }</pre>
 *
 * <p>Iteration blocks the calling thread while waiting for the next token; interrupting that
 * thread closes the stream and throws {@link StreamCancelledException}. Failures are thrown from
 * {@code hasNext()}/{@code next()} as {@link LlamaException} subtypes, after the events that came
 * before them. Not thread-safe: one thread iterates; {@link #close()} may be called from any thread.
 */
public final class ChatStream implements Iterable<ChatEvent>, AutoCloseable {
  private final PullSink<ChatResult> sink;
  private final Exchange<ChatResult> exchange;
  private boolean iterated;
  private @Nullable ChatEvent next;
  private boolean done;
  private final LiveStats stats = new LiveStats();

  ChatStream(PullSink<ChatResult> sink, Exchange<ChatResult> exchange) {
    this.sink = sink;
    this.exchange = exchange;
  }

  /**
   * The events, in order. May be called once.
   *
   * @return the iterator
   * @throws IllegalStateException if called twice
   */
  @Override
  public Iterator<ChatEvent> iterator() {
    if (iterated) {
      throw new IllegalStateException("a ChatStream can be iterated only once");
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
        ChatStream.this.next = null;
        return e;
      }
    };
  }

  /**
   * The events as a sequential {@link Stream}; closing it closes this.
   *
   * @return the stream
   */
  public Stream<ChatEvent> events() {
    return StreamSupport.stream(
            Spliterators.spliteratorUnknownSize(iterator(), Spliterator.ORDERED | Spliterator.NONNULL), false)
        .onClose(this::close);
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
      done = true;
      throw new StreamCancelledException("the consuming thread was interrupted; the stream was closed");
    } catch (LlamaException le) {
      done = true;
      throw le;
    }
    if (e == null) {
      done = true;
      ChatResult r = sink.result();
      if (r != null) {
        next = new ChatEvent.Done(r);
        stats.accept(next);
        return next;
      }
      return null;
    }
    next = e;
    stats.accept(e);
    return e;
  }

  /**
   * Live figures of this reply (tokens so far, tokens per second), updated as events are taken
   * from this stream; a UI thread may read them while another thread iterates.
   *
   * @return the figures, the same object for the life of the stream
   */
  public LiveStats stats() {
    return stats;
  }

  /**
   * Reads the rest of the stream, if any, and returns the whole reply.
   *
   * @return the result
   * @throws LlamaException if the stream failed or was cancelled
   */
  public ChatResult result() {
    if (!iterated) {
      iterated = true;
    }
    while (peek() != null) {
      next = null;
    }
    ChatResult r = sink.result();
    if (r == null) {
      LlamaException f = sink.failure();
      throw f != null ? f : new StreamCancelledException("the stream was closed before it completed");
    }
    return r;
  }

  /**
   * Ends the exchange if it is still running: the connection is closed and llama-server stops
   * generating. Idempotent; may be called from any thread.
   */
  @Override
  public void close() {
    exchange.cancel();
  }
}
