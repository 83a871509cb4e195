package io.github.llamaclient.examples.relay;

import io.github.llamaclient.session.SessionManager;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The relay's sessions: each one's last use and running requests. A session unused for longer than
 * the time to live, or the least recently used idle one when there are more than the cap, is
 * deleted from the {@link SessionManager} (memory and store). A session with a request running is
 * never deleted, so the count may pass the cap while more requests than that run at once.
 * Thread-safe.
 */
final class LiveSessions {
  private static final System.Logger LOG = System.getLogger(LiveSessions.class.getName());

  private final SessionManager sessions;
  private final int max;
  private final Duration ttl;
  private final InstantSource clock;
  private final Map<String, Entry> entries = new HashMap<>(); // guarded by this

  private static final class Entry {
    Instant lastUsed;
    int running;

    Entry(Instant lastUsed) {
      this.lastUsed = lastUsed;
    }
  }

  /** Takes over the sessions the manager already has (a sessions directory), as used now. */
  LiveSessions(SessionManager sessions, int max, Duration ttl, InstantSource clock) {
    this.sessions = sessions;
    this.max = max;
    this.ttl = ttl;
    this.clock = clock;
    synchronized (this) {
      for (String id : sessions.list()) {
        entries.put(id, new Entry(clock.instant()));
      }
      trim();
    }
  }

  /** A request on {@code id} begins: it is used now, and others may make room for it. */
  synchronized void begin(String id) {
    Entry e = entries.computeIfAbsent(id, k -> new Entry(clock.instant()));
    e.running++;
    e.lastUsed = clock.instant();
    trim();
  }

  /** The request on {@code id} ended. */
  synchronized void end(String id) {
    Entry e = entries.get(id);
    if (e != null) {
      e.running--;
      e.lastUsed = clock.instant();
    }
    trim();
  }

  /** Deletes expired sessions now (also done on every request). */
  synchronized void sweep() {
    trim();
  }

  synchronized int size() {
    return entries.size();
  }

  /** Deletes the expired idle sessions, then the least recently used idle ones beyond the cap. */
  private void trim() {
    Instant cutoff = clock.instant().minus(ttl);
    List<Map.Entry<String, Entry>> idle = new ArrayList<>();
    for (Map.Entry<String, Entry> e : entries.entrySet()) {
      if (e.getValue().running == 0) {
        idle.add(e);
      }
    }
    idle.sort(Comparator.comparing(e -> e.getValue().lastUsed));
    int over = entries.size() - max;
    for (Map.Entry<String, Entry> e : idle) {
      boolean expired = e.getValue().lastUsed.isBefore(cutoff);
      if (!expired && over <= 0) {
        break; // sorted: the rest are newer
      }
      delete(e.getKey());
      over--;
    }
  }

  private void delete(String id) {
    entries.remove(id);
    try {
      sessions.remove(id); // idle: no turn to wait for
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot delete session " + id, e);
    }
  }
}
