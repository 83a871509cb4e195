package io.github.llamaclient;

import io.github.llamaclient.internal.exchange.Exchange;
import java.util.Iterator;
import java.util.stream.Stream;

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
 *
 * <p>A stream dropped before its end without {@link #close()} is closed once the garbage collector
 * finds it unreachable: its connection closes (llama-server stops generating) and a warning is
 * logged. That is a safety net with no bound on when it runs, not a way to close: close streams
 * with try-with-resources, or read them to their end.
 */
public final class CompletionStream implements EventStream<CompletionResult> {
  private final PullCursor<CompletionResult> cursor;

  CompletionStream(PullSink<CompletionResult> sink, Exchange<CompletionResult> exchange) {
    this.cursor = new PullCursor<>(sink, exchange, r -> null, CompletionResult::timings, "CompletionStream");
  }

  /**
   * The events, in order. May be called once.
   *
   * @return the iterator
   * @throws IllegalStateException if called twice
   */
  @Override
  public Iterator<ChatEvent> iterator() {
    return cursor.iterator();
  }

  /**
   * The events as a sequential {@link Stream}; closing it closes this.
   *
   * @return the stream
   */
  @Override
  public Stream<ChatEvent> events() {
    return cursor.events(this::close);
  }

  /**
   * The generated text pieces as a sequential {@link Stream}; closing it closes this.
   *
   * @return the text pieces
   */
  public Stream<String> text() {
    return events().filter(e -> e instanceof ChatEvent.Content).map(e -> ((ChatEvent.Content) e).text());
  }

  /**
   * Reads the rest of the stream, if any, and returns the whole completion.
   *
   * @return the result
   * @throws LlamaException if the stream failed or was cancelled
   */
  @Override
  public CompletionResult result() {
    return cursor.result();
  }

  /**
   * Live figures of this completion, updated as events are taken; see {@link LiveStats}.
   *
   * @return the figures
   */
  @Override
  public LiveStats stats() {
    return cursor.stats();
  }

  /** Ends the exchange if it is still running. Idempotent; may be called from any thread. */
  @Override
  public void close() {
    cursor.close();
  }
}
