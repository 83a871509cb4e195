package io.github.llamaclient.session;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.LlamaException;
import io.github.llamaclient.StreamCancelledException;
import io.github.llamaclient.StreamHandle;
import io.github.llamaclient.StreamInterruptedException;
import io.github.llamaclient.StreamListener;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.Flow;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/**
 * Plays a {@link SavedStream} back through the faces a live turn has ({@link ChatSession}'s): the
 * text as a {@code Stream<String>}, typed events as a {@code Stream<ChatEvent>} ending with {@link
 * ChatEvent.Done}, a {@link Flow.Publisher} of either, or a {@link StreamListener}. Each event comes
 * at its saved offset from the moment the face starts (the stream is made, or subscribed), divided
 * by the {@linkplain #speed(double) speed}; {@link #fastest()} waits for nothing. Nothing is sent to
 * a server.
 *
 * <pre>{@code
 * SavedStream saved = session.history().get(1).stream();          // an assistant reply
 * try (Stream<String> text = saved.replay().speed(2).textStream()) { // twice as fast
 *   text.forEach(System.out::print);
 * }
 * }</pre>
 *
 * <p>Every face plays the stream from its start; a replay may be used any number of times, from
 * any thread. The end is as it was live: a stream that completed ends with its {@code Done} (the
 * text faces just end), one cut short (a {@linkplain SessionMessage#partial() partial} reply) fails
 * after its last event with {@link StreamInterruptedException}. A {@linkplain
 * SavedStream#truncated() truncated} stream plays the events it kept, then its {@code Done}.
 *
 * <p>Closing a pulled stream, cancelling a subscription or a handle, or interrupting the thread
 * that pulls, ends the replay at once, even in the middle of a wait. The pulled faces wait on the
 * consuming thread; each subscription to a publisher (and each listener) plays on a thread of its
 * own, a daemon thread named {@code llama-replay}, which signals it serially and ends with the
 * replay. Time comes from a {@link ReplayClock} (default {@link ReplayClock#system()}), which a test
 * replaces so that it never sleeps.
 *
 * <p>Immutable: the settings return a new replay.
 */
public final class StreamReplay {
  private final SavedStream stream;
  private final double speed; // 0: as fast as possible
  private final ReplayClock clock;

  private StreamReplay(SavedStream stream, double speed, ReplayClock clock) {
    this.stream = stream;
    this.speed = speed;
    this.clock = clock;
  }

  /**
   * A replay of {@code stream} at its original pace on the system clock.
   *
   * @param stream the saved stream
   * @return the replay
   */
  public static StreamReplay of(SavedStream stream) {
    return new StreamReplay(Objects.requireNonNull(stream, "stream"), 1, ReplayClock.system());
  }

  /**
   * The same replay at another speed: 1 is the original pace, 2 twice as fast (each offset
   * halved), 0.5 half as fast.
   *
   * @param factor positive and finite
   * @return the replay
   * @throws IllegalArgumentException if {@code factor} is not positive and finite
   */
  public StreamReplay speed(double factor) {
    if (!(factor > 0) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException("speed must be positive and finite, was " + factor);
    }
    return new StreamReplay(stream, factor, clock);
  }

  /**
   * The same replay as fast as possible: every event at once, as fast as it is taken.
   *
   * @return the replay
   */
  public StreamReplay fastest() {
    return new StreamReplay(stream, 0, clock);
  }

  /**
   * The same replay on another clock; for tests.
   *
   * @param clock the clock
   * @return the replay
   */
  public StreamReplay clock(ReplayClock clock) {
    return new StreamReplay(stream, speed, Objects.requireNonNull(clock, "clock"));
  }

  /**
   * The stream this plays.
   *
   * @return the saved stream
   */
  public SavedStream stream() {
    return stream;
  }

  /**
   * The speed: 1 for the original pace, 0 for as fast as possible.
   *
   * @return the speed
   */
  public double speed() {
    return speed;
  }

  // ---------------------------------------------------------------- pulled

  /**
   * The events, pulled by the calling thread, which waits for each one's time: as {@link
   * ChatSession#sendEvents(java.util.List, java.util.function.Consumer)}, the last is {@link
   * ChatEvent.Done} for a completed reply. The replay starts now. Close the stream to end it (from
   * any thread).
   *
   * @return the events; terminal operations throw {@link StreamInterruptedException} at the end of
   *     a reply that was cut short, {@link StreamCancelledException} if the thread is interrupted
   */
  public Stream<ChatEvent> events() {
    ReplayCursor cursor = cursor();
    Iterator<ChatEvent> it =
        new Iterator<>() {
          private @Nullable ChatEvent next;

          @Override
          public boolean hasNext() {
            if (next == null) {
              next = cursor.next();
            }
            return next != null;
          }

          @Override
          public ChatEvent next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            ChatEvent e = Objects.requireNonNull(next);
            next = null;
            return e;
          }
        };
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED | Spliterator.NONNULL), false)
        .onClose(cursor::close);
  }

  /**
   * The answer text, pulled by the calling thread: the {@link ChatEvent.Content} pieces of {@link
   * #events()}, each at its time.
   *
   * @return the text pieces; close to end the replay
   */
  public Stream<String> textStream() {
    return events().filter(e -> e instanceof ChatEvent.Content).map(e -> ((ChatEvent.Content) e).text());
  }

  // ---------------------------------------------------------------- pushed

  /**
   * The events as a cold publisher: each subscription plays the stream from its start, on its own
   * {@code llama-replay} thread, honouring {@code request(n)}. A completed reply ends with {@link
   * ChatEvent.Done} and {@code onComplete}; one cut short with {@code onError}({@link
   * StreamInterruptedException}). {@code cancel()} ends the replay at once.
   *
   * @return the publisher
   */
  public Flow.Publisher<ChatEvent> publisher() {
    return new ReplayPublisher<>(this::cursor, e -> e);
  }

  /**
   * The answer text as a cold publisher; see {@link #publisher()}.
   *
   * @return the publisher
   */
  public Flow.Publisher<String> textPublisher() {
    return new ReplayPublisher<>(this::cursor, e -> e instanceof ChatEvent.Content ? ((ChatEvent.Content) e).text() : null);
  }

  /**
   * Plays the stream to a listener, on a {@code llama-replay} thread: {@code onEvent} for each
   * event before {@code Done}, then {@code onComplete} with the saved result, or {@code onError}
   * ({@link StreamInterruptedException}) for a reply that was cut short; nothing after the handle
   * cancels.
   *
   * @param listener receives the events, then the result or the failure
   * @return a handle to cancel the replay or wait for its result
   * @throws NullPointerException if {@code listener} is null
   */
  public StreamHandle<ChatResult> subscribe(StreamListener<? super ChatResult> listener) {
    return StreamHandle.subscribe(publisher(), listener);
  }

  /**
   * The saved reply at once, without playing anything.
   *
   * @return the result of the saved {@code Done}
   * @throws LlamaException ({@link StreamInterruptedException}) if the reply was cut short
   */
  public ChatResult result() {
    return stream.result().orElseThrow(() -> new StreamInterruptedException(
        "the saved reply was cut short when it streamed; it has no result", text(), null));
  }

  private String text() {
    StringBuilder b = new StringBuilder();
    for (SavedStream.Event e : stream.events()) {
      if (e.event() instanceof ChatEvent.Content) {
        b.append(((ChatEvent.Content) e.event()).text());
      }
    }
    return b.toString();
  }

  private ReplayCursor cursor() {
    return new ReplayCursor(stream, speed, clock);
  }

  @Override
  public String toString() {
    return "StreamReplay[" + stream.events().size() + " events over " + stream.duration() + ", "
        + (speed == 0 ? "fastest" : "speed " + speed) + "]";
  }
}
