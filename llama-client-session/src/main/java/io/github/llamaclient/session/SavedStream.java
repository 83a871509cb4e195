package io.github.llamaclient.session;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatResult;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An assistant reply as it streamed: its events, each with its offset in time from the request,
 * kept with the reply in the session's history when the manager saves streams ({@link
 * SessionManager.Builder#saveStreams(StreamSaving)}; read it from {@link SessionMessage#stream()}).
 * Play it back with {@link #replay()}.
 *
 * <p>What is kept: {@link ChatEvent.Content}, {@link ChatEvent.Reasoning}, {@link
 * ChatEvent.ToolCallStarted}, {@link ChatEvent.ToolCallArguments} and {@link ChatEvent.Progress}
 * events, and, for a reply that completed, the final {@link ChatEvent.Done} with its {@link
 * ChatResult} (finish reason, usage, timings; not the per-token log-probabilities). Per-token
 * events ({@link ChatEvent.TokenTimings}, {@link ChatEvent.TokenLogprobs}) are not kept. A reply
 * that was cut short (kept as a {@linkplain SessionMessage#partial() partial} reply) has no
 * {@code Done}.
 *
 * <p>When a reply streams more than {@link StreamSaving}'s limits allow, saving stops there and the
 * stream is marked {@link #truncated()}: the events up to the limit are kept, and so is the final
 * {@code Done} (the whole reply is in the message and in the result in any case).
 *
 * @param events the events in the order they came, offsets never decreasing
 * @param truncated true if events were left out because the stream was over the limits
 */
public record SavedStream(List<SavedStream.Event> events, boolean truncated) {

  /**
   * Checks and copies the events.
   *
   * @param events the events
   * @param truncated the flag
   * @throws IllegalArgumentException if an offset is smaller than the one before, or a {@code Done}
   *     is not last
   */
  public SavedStream {
    events = List.copyOf(events);
    Duration last = Duration.ZERO;
    for (int i = 0; i < events.size(); i++) {
      Event e = events.get(i);
      if (e.offset().compareTo(last) < 0) {
        throw new IllegalArgumentException(
            "event " + i + " is at " + e.offset() + ", before the event ahead of it (" + last + ")");
      }
      if (e.event() instanceof ChatEvent.Done && i != events.size() - 1) {
        throw new IllegalArgumentException("a Done event must be the last, was event " + i + " of " + events.size());
      }
      last = e.offset();
    }
  }

  /**
   * One event and when it arrived.
   *
   * @param offset the time from the request to the event's arrival, on the manager's clock ({@link
   *     SessionManager.Builder#clock(java.time.InstantSource)}); zero or more
   * @param event the event
   */
  public record Event(Duration offset, ChatEvent event) {
    /**
     * Checks the components.
     *
     * @param offset the offset
     * @param event the event
     * @throws IllegalArgumentException if {@code offset} is negative
     */
    public Event {
      Objects.requireNonNull(offset, "offset");
      Objects.requireNonNull(event, "event");
      if (offset.isNegative()) {
        throw new IllegalArgumentException("offset must not be negative, was " + offset);
      }
    }
  }

  /**
   * The reply's result, if the stream ran to its end.
   *
   * @return the result of the final {@link ChatEvent.Done}, or empty for a reply cut short
   */
  public Optional<ChatResult> result() {
    if (!events.isEmpty() && events.get(events.size() - 1).event() instanceof ChatEvent.Done) {
      return Optional.of(((ChatEvent.Done) events.get(events.size() - 1).event()).result());
    }
    return Optional.empty();
  }

  /**
   * How long the stream took, from the request to its last event.
   *
   * @return the offset of the last event, or zero for an empty stream
   */
  public Duration duration() {
    return events.isEmpty() ? Duration.ZERO : events.get(events.size() - 1).offset();
  }

  /**
   * A replay of this stream at its original pace on the system clock; set another pace or clock on
   * the replay ({@link StreamReplay#speed(double)}, {@link StreamReplay#fastest()}).
   *
   * @return the replay
   */
  public StreamReplay replay() {
    return StreamReplay.of(this);
  }
}
