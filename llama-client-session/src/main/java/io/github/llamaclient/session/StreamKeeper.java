package io.github.llamaclient.session;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatResult;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Keeps one turn's stream as it arrives, within the {@link StreamSaving} limits: each kept event
 * with its offset from the turn's start on the manager's clock. Fed by the turn's one feeding thread
 * at a time, as {@link Turn} is.
 */
final class StreamKeeper {
  private static final System.Logger LOG = System.getLogger(StreamKeeper.class.getName());

  private final StreamSaving limits;
  private final InstantSource clock;
  private final Instant start;
  private final String sessionId;
  private final List<SavedStream.Event> events = new ArrayList<>();
  private long chars;
  private boolean truncated;

  StreamKeeper(StreamSaving limits, InstantSource clock, String sessionId) {
    this.limits = limits;
    this.clock = clock;
    this.start = clock.instant();
    this.sessionId = sessionId;
  }

  void onEvent(ChatEvent e) {
    if (truncated || e instanceof ChatEvent.Done) {
      return; // the Done is added by saved(result), after the commit's own checks
    }
    int size = size(e);
    if (size < 0) {
      return; // not kept: per-token timings and log-probabilities
    }
    if (events.size() + 1 > limits.maxEvents() || chars + size > limits.maxChars()) {
      truncated = true;
      LOG.log(
          System.Logger.Level.DEBUG,
          "session ''{0}'': the saved stream is over its limits ({1} events, {2} chars); saving stops here, marked truncated",
          sessionId,
          limits.maxEvents(),
          limits.maxChars());
      return;
    }
    chars += size;
    events.add(new SavedStream.Event(offset(), e));
  }

  /** The stream of a completed reply, ending with its Done. */
  SavedStream saved(ChatResult result) {
    List<SavedStream.Event> all = new ArrayList<>(events);
    all.add(new SavedStream.Event(offset(), new ChatEvent.Done(result)));
    return new SavedStream(all, truncated);
  }

  /** The stream of a reply cut short: no Done. */
  SavedStream partial() {
    return new SavedStream(events, truncated);
  }

  private Duration offset() {
    Duration d = Duration.between(start, clock.instant());
    return d.isNegative() ? Duration.ZERO : d; // a wall clock set back mid-turn
  }

  /** The characters an event counts for, or -1 for an event that is not kept. */
  static int size(ChatEvent e) {
    if (e instanceof ChatEvent.Content) {
      return ((ChatEvent.Content) e).text().length();
    } else if (e instanceof ChatEvent.Reasoning) {
      return ((ChatEvent.Reasoning) e).text().length();
    } else if (e instanceof ChatEvent.ToolCallStarted) {
      ChatEvent.ToolCallStarted s = (ChatEvent.ToolCallStarted) e;
      return s.id().length() + s.name().length();
    } else if (e instanceof ChatEvent.ToolCallArguments) {
      return ((ChatEvent.ToolCallArguments) e).fragment().length();
    } else if (e instanceof ChatEvent.Progress) {
      return 0;
    }
    return -1;
  }

  static @Nullable StreamKeeper start(StreamSaving limits, InstantSource clock, String sessionId) {
    return limits.enabled() ? new StreamKeeper(limits, clock, sessionId) : null;
  }
}
