package io.github.llamaclient.internal.exchange;

import java.net.URI;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * The client's limit on connects in progress to one server ({@code host:port}): at most {@code
 * max} at once, the others wait their turn, first come first served. A burst of streams (ten
 * thousand started together) then reaches the server as a steady run of connects instead of a
 * flood of SYNs that overflows its accept queue, where the kernel drops them and the client's
 * connect timeout fails streams the server never refused. The connect timeout counts from when a
 * connect starts, not from when it began to wait; the wait itself is bounded by the response
 * timeout, as any other wait before the head (the exchange's watchdog fails it with a message from
 * {@link Ticket#waitingFor()}).
 *
 * <p>A place is taken when a connect may start and given back exactly once, by {@link
 * Ticket#leave()}: when the connection is made, when it failed, or when the call is released
 * (cancelled) while it connects or waits. A connection taken from the pool never asks.
 */
public final class ConnectGate {
  private final int max;
  private final ConcurrentHashMap<String, Origin> origins = new ConcurrentHashMap<>();

  /**
   * Creates the gate.
   *
   * @param max the most connects in progress to one server, 1 or more
   * @throws IllegalArgumentException if {@code max} is less than 1
   */
  public ConnectGate(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("max must be 1 or more, was " + max);
    }
    this.max = max;
  }

  /**
   * The limit.
   *
   * @return the most connects in progress to one server
   */
  public int max() {
    return max;
  }

  /**
   * A ticket for one connect to the URI's server; it asks for nothing until {@link
   * Ticket#await()} or {@link Ticket#enter(Runnable)}.
   *
   * @param uri where the connect goes
   * @return the ticket
   */
  public Ticket ticket(URI uri) {
    return new Ticket(origin(uri));
  }

  private Origin origin(URI uri) {
    String host = uri.getHost();
    int port = uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    String key = (host == null ? "" : host.toLowerCase(Locale.ROOT)) + ":" + port;
    return origins.computeIfAbsent(key, Origin::new);
  }

  /**
   * Connects in progress now to the URI's server (tests and diagnostics).
   *
   * @param uri a URI of the server
   * @return how many hold a place
   */
  public int inProgress(URI uri) {
    Origin o = origin(uri);
    synchronized (o) {
      return o.running;
    }
  }

  /**
   * Connects waiting for a place now, to the URI's server (tests and diagnostics).
   *
   * @param uri a URI of the server
   * @return how many wait
   */
  public int waiting(URI uri) {
    Origin o = origin(uri);
    synchronized (o) {
      return o.waiting.size();
    }
  }

  private static final class Origin {
    final String name;
    int running; // guarded by this
    final ArrayDeque<Ticket> waiting = new ArrayDeque<>(); // guarded by this

    Origin(String name) {
      this.name = name;
    }
  }

  private static final int NEW = 0;
  private static final int WAITING = 1;
  private static final int ADMITTED = 2;
  private static final int LEFT = 3;

  /** One connect's place in the gate. */
  public final class Ticket {
    final Origin origin;
    private volatile int state = NEW;
    private @Nullable Runnable admitted; // guarded by origin: what runs when a place frees
    private @Nullable Thread waiter; // await()'s thread

    Ticket(Origin origin) {
      this.origin = origin;
    }

    /**
     * Asks for a place: runs {@code onAdmitted} now, on this thread, if one is free, else later on
     * the thread that frees one (it must be quick and must not block); never once the ticket was
     * left.
     *
     * @param onAdmitted what to do once the connect may start
     */
    public void enter(Runnable onAdmitted) {
      synchronized (origin) {
        if (state != NEW) {
          return; // left before it asked (released meanwhile), or asked twice
        }
        if (origin.running < max && origin.waiting.isEmpty()) {
          origin.running++;
          state = ADMITTED;
        } else {
          admitted = onAdmitted;
          state = WAITING;
          origin.waiting.add(this);
          return;
        }
      }
      onAdmitted.run();
    }

    /**
     * Blocks until the connect may start (parking the thread, so a virtual thread frees its
     * carrier), or until the ticket is left from another thread.
     *
     * @return true once admitted; false if the ticket was left first
     * @throws InterruptedException if interrupted while waiting; the ticket is left
     */
    public boolean await() throws InterruptedException {
      Thread me = Thread.currentThread();
      waiter = me;
      enter(() -> LockSupport.unpark(me));
      while (state == WAITING) {
        LockSupport.park(this);
        if (Thread.interrupted()) {
          leave();
          throw new InterruptedException("interrupted while waiting to connect to " + origin.name);
        }
      }
      return state == ADMITTED;
    }

    /**
     * The connect ended (made or failed) or will never run: gives the place back, or leaves the
     * queue, or marks a ticket that never asked so that it never will. From any thread;
     * idempotent. A thread in {@link #await()} returns false.
     */
    public void leave() {
      Ticket next = null;
      Thread wake = null;
      synchronized (origin) {
        int s = state;
        if (s == LEFT) {
          return;
        }
        state = LEFT;
        admitted = null;
        if (s == WAITING) {
          origin.waiting.remove(this);
          wake = waiter;
        } else if (s == ADMITTED) {
          next = origin.waiting.poll();
          if (next == null) {
            origin.running--;
          } else {
            next.state = ADMITTED; // the place passes on: running stays
          }
        }
      }
      if (wake != null) {
        LockSupport.unpark(wake);
      }
      if (next != null) {
        Runnable r;
        synchronized (origin) {
          r = next.admitted;
          next.admitted = null;
        }
        if (r != null) {
          r.run();
        }
      }
    }

    /**
     * What this connect is waiting for, for the error that ends the wait; null when it is not
     * waiting.
     *
     * @return for example {@code "a connect place for 127.0.0.1:8080 (64 connects in progress, the
     *     limit; 500 more waiting)"}
     */
    public @Nullable String waitingFor() {
      synchronized (origin) {
        if (state != WAITING) {
          return null;
        }
        return "a place to connect to "
            + origin.name
            + " ("
            + origin.running
            + (origin.running == 1 ? " connect" : " connects")
            + " in progress, the limit of maxConcurrentConnects; "
            + origin.waiting.size()
            + " waiting, this one included)";
      }
    }
  }
}
