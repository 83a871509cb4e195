package io.github.llamaclient;

import io.github.llamaclient.internal.exchange.Exchange;
import java.util.Iterator;
import java.util.stream.Stream;

/**
 * A streamed chat reply as typed events, pulled by the caller's thread. Iterate it once; the last
 * event is {@link ChatEvent.Done}. Close it (try-with-resources) to end the exchange early: closing
 * closes the HTTP connection, so llama-server stops generating.
 *
 * <pre>{@code
 * try (ChatStream events = client.chat().stream(request)) {
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
 *
 * <p>A stream dropped before its end without {@link #close()} is closed once the garbage collector
 * finds it unreachable: its connection closes (llama-server stops generating) and a warning is
 * logged. That is a safety net with no bound on when it runs, not a way to close: close streams
 * with try-with-resources, or read them to their end.
 */
public final class ChatStream implements EventStream<ChatResult> {
  private final PullCursor<ChatResult> cursor;

  ChatStream(PullSink<ChatResult> sink, Exchange<ChatResult> exchange) {
    this.cursor = new PullCursor<>(sink, exchange, ChatEvent.Done::new, r -> null, "ChatStream");
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
   * Live figures of this reply (tokens so far, tokens per second), updated as events are taken
   * from this stream; a UI thread may read them while another thread iterates.
   *
   * @return the figures, the same object for the life of the stream
   */
  @Override
  public LiveStats stats() {
    return cursor.stats();
  }

  /**
   * Reads the rest of the stream, if any, and returns the whole reply.
   *
   * @return the result
   * @throws LlamaException if the stream failed or was cancelled
   */
  @Override
  public ChatResult result() {
    return cursor.result();
  }

  /**
   * Ends the exchange if it is still running: the connection is closed and llama-server stops
   * generating. Idempotent; may be called from any thread.
   */
  @Override
  public void close() {
    cursor.close();
  }
}
