package io.github.llamaclient;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/**
 * A streamed raw completion ({@code /completion}, {@code /v1/completions}) as typed events, pulled by
 * the caller's thread; the counterpart of {@link ChatStream}. The events are the {@link ChatEvent}
 * kinds a completion produces: {@link ChatEvent.Content}, {@link ChatEvent.Progress}, {@link
 * ChatEvent.TokenTimings} and {@link ChatEvent.TokenLogprobs}; there is no {@link ChatEvent.Done}:
 * call {@link #result()} at the end. Close it (try-with-resources) to stop early: the connection is
 * closed and llama-server stops generating.
 *
 * <p>Same threading and failure rules as {@link ChatStream}: one thread iterates, {@link #close()}
 * may be called from any thread, failures are thrown as {@link LlamaException} subtypes after the
 * events before them; interrupting the iterating thread closes the stream.
 */
public final class CompletionStream implements Iterable<ChatEvent>, AutoCloseable {
  private final PullSink<CompletionResult> sink;
  private final Exchange<CompletionResult> exchange;
  private final LiveStats stats = new LiveStats();
  private boolean iterated;
  private @Nullable ChatEvent next;
  private boolean done;

  CompletionStream(PullSink<CompletionResult> sink, Exchange<CompletionResult> exchange) {
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
      throw new IllegalStateException("a CompletionStream can be iterated only once");
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
        CompletionStream.this.next = null;
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

  /**
   * The generated text pieces as a sequential {@link Stream}; closing it closes this.
   *
   * @return the text pieces
   */
  public Stream<String> text() {
    return events().filter(e -> e instanceof ChatEvent.Content).map(e -> ((ChatEvent.Content) e).text());
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
      CompletionResult r = sink.result();
      if (r != null && r.timings() != null) {
        Timings t = r.timings();
        stats.accept(new ChatEvent.TokenTimings(t));
      }
      return null;
    }
    next = e;
    stats.accept(e);
    return e;
  }

  /**
   * Reads the rest of the stream, if any, and returns the whole completion.
   *
   * @return the result
   * @throws LlamaException if the stream failed or was cancelled
   */
  public CompletionResult result() {
    iterated = true;
    while (peek() != null) {
      next = null;
    }
    CompletionResult r = sink.result();
    if (r == null) {
      LlamaException f = sink.failure();
      throw f != null ? f : new StreamCancelledException("the stream was closed before it completed");
    }
    return r;
  }

  /**
   * Live figures of this completion, updated as events are taken; see {@link LiveStats}.
   *
   * @return the figures
   */
  public LiveStats stats() {
    return stats;
  }

  /** Ends the exchange if it is still running. Idempotent; may be called from any thread. */
  @Override
  public void close() {
    exchange.cancel();
  }
}
