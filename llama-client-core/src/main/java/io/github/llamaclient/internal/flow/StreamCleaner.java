package io.github.llamaclient.internal.flow;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Closes the streams their callers dropped without closing them: a face registers itself with a
 * {@link Release} that closes what it holds (cancels its exchange, so the connection closes and
 * llama-server stops generating; gives back a session's turn). When the face becomes phantom
 * reachable and was neither closed nor read to its end, the release runs on the cleaner's thread
 * and a warning is logged. One {@link Cleaner} (one daemon thread, {@code llama-client-cleaner})
 * serves every client in the JVM.
 *
 * <p>Rules for a release: it must not reference the face (the face would never become
 * unreachable; pass what it holds instead), and it runs on the cleaner's thread, so it only
 * cancels and hands anything slow to another thread; it never reads a stream. Closing a face
 * normally calls {@link Guard#close()} (or closes what it holds itself and calls {@link
 * Guard#disarm()}), and a stream that ended on its own calls {@link Guard#disarm()}: either
 * deregisters the face, so no work is left for the cleaner. Thread-safe.
 */
public final class StreamCleaner {
  private static final System.Logger LOG = System.getLogger(StreamCleaner.class.getName());
  private static final Cleaner CLEANER =
      Cleaner.create(
          r -> {
            Thread t = new Thread(r, "llama-client-cleaner");
            t.setDaemon(true);
            return t;
          });
  private static final AtomicInteger REGISTERED = new AtomicInteger();

  private StreamCleaner() {}

  /** Closes what a face holds. */
  @FunctionalInterface
  public interface Release {
    /**
     * Closes what the face holds. Idempotent work only (the face may have been closed already).
     *
     * @param leaked true on the cleaner's thread (the face was dropped), false when its owner
     *     closed it
     * @return whether the stream was still running (a dropped running stream is worth a warning;
     *     one that had failed or completed unseen is not)
     */
    boolean release(boolean leaked);
  }

  /**
   * Registers a face.
   *
   * @param face the object whose reachability marks the stream as in use: the one every view of
   *     the stream holds
   * @param what names the stream in the leak warning (for example "ChatStream to http://…"); must
   *     not be the face
   * @param release closes what the face holds; must not reference the face
   * @return the guard; the face calls {@link Guard#close()} or {@link Guard#disarm()} when closed,
   *     {@link Guard#disarm()} when the stream ended on its own
   */
  public static Guard register(Object face, String what, Release release) {
    Action action = new Action(what, release);
    REGISTERED.incrementAndGet();
    return new Guard(CLEANER.register(face, action), action);
  }

  /**
   * Faces registered and neither closed, ended, nor cleaned yet; for tests.
   *
   * @return the count
   */
  public static int registered() {
    return REGISTERED.get();
  }

  /** The registration of one face. */
  public static final class Guard {
    private final Cleaner.Cleanable cleanable;
    private final Action action;

    private Guard(Cleaner.Cleanable cleanable, Action action) {
      this.cleanable = cleanable;
      this.action = action;
    }

    /**
     * The owner closed the face: the release runs now, on this thread, unless it ran or the guard
     * was disarmed before; deregisters. Idempotent.
     */
    public void close() {
      action.byOwner = true;
      cleanable.clean();
    }

    /**
     * Nothing is left to release (the stream ended on its own, or the owner released it):
     * deregisters, the release does not run. Idempotent.
     */
    public void disarm() {
      action.skip = true;
      cleanable.clean();
    }
  }

  /** Runs once: by {@link Guard#close()}, {@link Guard#disarm()}, or the cleaner. */
  private static final class Action implements Runnable {
    private final String what;
    private final Release release;
    volatile boolean byOwner;
    volatile boolean skip;

    Action(String what, Release release) {
      this.what = what;
      this.release = release;
    }

    @Override
    public void run() {
      REGISTERED.decrementAndGet();
      if (skip) {
        return;
      }
      boolean leaked = !byOwner;
      boolean running;
      try {
        running = release.release(leaked);
      } catch (RuntimeException e) {
        if (!leaked) {
          throw e;
        }
        LOG.log(System.Logger.Level.WARNING, "closing a dropped " + what + " failed", e);
        return;
      }
      if (leaked && running) {
        LOG.log(
            System.Logger.Level.WARNING,
            "a {0} was dropped before its end without close(); it was closed now (close streams"
                + " with try-with-resources, or read them to their end)",
            what);
      }
    }
  }
}
