package io.github.llamaclient;

import java.util.Iterator;
import java.util.stream.Stream;

/**
 * A streamed reply as typed events, pulled by the caller's thread: what {@link
 * StreamingApi#stream(Object)} returns ({@link ChatStream} for chat, {@link CompletionStream} for
 * completions). Iterate it once; close it (try-with-resources) to end the exchange early, which
 * closes the HTTP connection so llama-server stops generating.
 *
 * <p>Not thread-safe: one thread iterates; {@link #close()} may be called from any thread.
 *
 * @param <R> the whole reply
 */
public sealed interface EventStream<R> extends Iterable<ChatEvent>, AutoCloseable permits ChatStream, CompletionStream {

  /**
   * The events, in order. May be called once.
   *
   * @return the iterator
   * @throws IllegalStateException if called twice
   */
  @Override
  Iterator<ChatEvent> iterator();

  /**
   * The events as a sequential {@link Stream}; closing it closes this.
   *
   * @return the stream
   */
  Stream<ChatEvent> events();

  /**
   * Live figures of this reply (tokens so far, tokens per second), updated as events are taken;
   * another thread may read them while one thread iterates.
   *
   * @return the figures, the same object for the life of the stream
   */
  LiveStats stats();

  /**
   * Reads the rest of the stream, if any, and returns the whole reply.
   *
   * @return the result
   * @throws LlamaException if the stream failed or was cancelled
   */
  R result();

  /**
   * Ends the exchange if it is still running: the connection is closed and llama-server stops
   * generating. Idempotent; may be called from any thread; throws nothing.
   */
  @Override
  void close();
}
