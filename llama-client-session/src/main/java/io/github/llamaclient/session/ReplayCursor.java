package io.github.llamaclient.session;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.StreamCancelledException;
import io.github.llamaclient.StreamInterruptedException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One playing of a saved stream, pulled: {@link #next()} waits on the clock until the next event
 * is due (its offset divided by the speed, from the moment the cursor was made) and returns it. The
 * one engine under every face of {@link StreamReplay}. One thread calls {@link #next()}; {@link
 * #close()} may come from any thread, and ends a wait in progress at once.
 */
final class ReplayCursor {
  private final List<SavedStream.Event> events;
  /** 0 for no waits. */
  private final double speed;
  private final ReplayClock clock;
  private final long start;
  private final StringBuilder text = new StringBuilder();
  private int index;
  private final Object lock = new Object();
  private @Nullable Thread waiting; // guarded by lock
  private boolean closed; // guarded by lock
  private boolean interruptSent; // guarded by lock

  ReplayCursor(SavedStream stream, double speed, ReplayClock clock) {
    this.events = stream.events();
    this.speed = speed;
    this.clock = clock;
    this.start = clock.nanoTime();
  }

  /**
   * The next event once it is due, or null at the end of a stream that completed (or after {@link
   * #close()}).
   *
   * @throws StreamInterruptedException at the end of a stream saved without its {@code Done} (a
   *     reply cut short), with its text
   * @throws StreamCancelledException if the waiting thread was interrupted (its flag is set again)
   */
  @Nullable ChatEvent next() {
    if (isClosed()) {
      return null;
    }
    if (index == events.size()) {
      boolean completed = !events.isEmpty() && events.get(events.size() - 1).event() instanceof ChatEvent.Done;
      index++;
      if (!completed && index == events.size() + 1) {
        throw new StreamInterruptedException(
            "the saved reply was cut short when it streamed; the replay ends where it ended", text.toString(), null);
      }
      return null;
    }
    if (index > events.size()) {
      return null;
    }
    SavedStream.Event e = events.get(index);
    if (!awaitDue(e)) {
      return null;
    }
    index++;
    if (e.event() instanceof ChatEvent.Content) {
      text.append(((ChatEvent.Content) e.event()).text());
    }
    return e.event();
  }

  /** Waits until the event is due: true, or false if closed meanwhile. */
  private boolean awaitDue(SavedStream.Event e) {
    if (speed == 0) {
      return true;
    }
    long due = start + Math.round(e.offset().toNanos() / speed);
    if (clock.nanoTime() - due >= 0) {
      return true;
    }
    synchronized (lock) {
      if (closed) {
        return false;
      }
      waiting = Thread.currentThread();
    }
    boolean interrupted = false;
    try {
      clock.sleepUntil(due);
    } catch (InterruptedException ie) {
      interrupted = true;
    } finally {
      synchronized (lock) {
        waiting = null;
        if (interruptSent) {
          interruptSent = false;
          if (!interrupted) {
            Thread.interrupted(); // close() interrupted us just after the wait ended: not the caller's
          }
          interrupted = false;
        }
      }
    }
    if (isClosed()) {
      return false;
    }
    if (interrupted) {
      close();
      Thread.currentThread().interrupt();
      throw new StreamCancelledException("the consuming thread was interrupted; the replay was closed");
    }
    return true;
  }

  private boolean isClosed() {
    synchronized (lock) {
      return closed;
    }
  }

  /** Ends the replay: the next {@link #next()} returns null, a wait in progress ends now. Idempotent. */
  void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      Thread t = waiting;
      if (t != null && !interruptSent) {
        interruptSent = true;
        t.interrupt();
      }
    }
  }
}
