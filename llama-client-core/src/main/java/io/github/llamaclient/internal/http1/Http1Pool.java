package io.github.llamaclient.internal.http1;

import io.github.llamaclient.internal.exchange.Clock;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.Iterator;
import org.jspecify.annotations.Nullable;

/**
 * Idle keep-alive connections of the streams a client reads on their consuming threads. llama-server
 * keeps a connection open 5 s after a response ({@code Keep-Alive: timeout=5}); a connection is
 * reused for at most a second less than the server says, checked without blocking before each
 * reuse ({@link Http1Socket#prepareReuse()}), and closed by a task scheduled on the engine's
 * {@link Clock} once it expires, so no descriptor lingers. Every time here is on that clock, so
 * tests advance a fake one instead of waiting for a keep-alive to run out. Thread-safe.
 */
public final class Http1Pool {
  public static final int MAX_IDLE = 16;

  private final ArrayDeque<Http1Socket> idle = new ArrayDeque<>();
  private final Clock clock;
  private boolean closed;

  /**
   * Creates an empty pool.
   *
   * @param clock the engine's clock: expiry is measured and the sweep scheduled on it
   */
  public Http1Pool(Clock clock) {
    this.clock = clock;
  }

  /**
   * A live idle connection to the URI's origin, ready for a request, or null: the caller then
   * opens a new one. The newest idle connection is checked once, without blocking and without a
   * loop ({@link Http1Socket#prepareReuse()}); if the check fails (the server closed it, sent
   * something after the end of the last response, or never ended that response) it is closed and
   * null is returned, so taking a connection costs at most one non-blocking read.
   */
  public @Nullable Http1Socket take(URI uri) {
    String origin = Http1Socket.origin(uri);
    Http1Socket s = null;
    synchronized (this) {
      long now = clock.nanoTime();
      for (Iterator<Http1Socket> it = idle.descendingIterator(); it.hasNext(); ) { // newest first
        Http1Socket c = it.next();
        if (now - c.idleSince >= c.keepAliveNanos()) {
          continue; // expired: the sweep closes it
        }
        if (c.origin().equals(origin)) {
          it.remove();
          s = c;
          break;
        }
      }
    }
    if (s == null) {
      return null;
    }
    if (s.prepareReuse()) {
      return s;
    }
    s.close();
    return null;
  }

  /** Takes back a connection whose exchange completed; closes it if the pool is closed or full. */
  public void give(Http1Socket s) {
    long since = s.lastRead(); // the server's keep-alive time runs from about when it sent the end
    long left = s.keepAliveNanos() - (clock.nanoTime() - since);
    boolean kept = false;
    synchronized (this) {
      if (!closed && left > 0 && idle.size() < MAX_IDLE) {
        s.idleSince = since;
        idle.addLast(s);
        kept = true;
      }
    }
    if (kept) {
      clock.schedule(this::sweep, left);
    } else {
      s.close();
    }
  }

  /** Closes the connections that expired. */
  public void sweep() {
    ArrayDeque<Http1Socket> expired = new ArrayDeque<>();
    synchronized (this) {
      long now = clock.nanoTime();
      for (Iterator<Http1Socket> it = idle.iterator(); it.hasNext(); ) {
        Http1Socket c = it.next();
        if (now - c.idleSince >= c.keepAliveNanos()) {
          it.remove();
          expired.add(c);
        }
      }
    }
    expired.forEach(Http1Socket::close);
  }

  /** Idle connections now; for tests. */
  public synchronized int idle() {
    return idle.size();
  }

  /** Closes every idle connection and every one given back later. */
  public void close() {
    ArrayDeque<Http1Socket> all;
    synchronized (this) {
      closed = true;
      all = new ArrayDeque<>(idle);
      idle.clear();
    }
    all.forEach(Http1Socket::close);
  }
}
