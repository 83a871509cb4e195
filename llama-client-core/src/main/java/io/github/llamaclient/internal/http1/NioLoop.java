package io.github.llamaclient.internal.http1;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * One reader thread of {@link NioTransport}: a {@link Selector} over the non-blocking connections
 * it owns, and a queue of tasks other threads hand it (a connect to start, more demand, a timeout).
 * Every read, write and decode of its connections runs on this thread, so a connection's state
 * needs no lock; a task from another thread wakes the selector at most once per turn.
 */
final class NioLoop implements Runnable {
  /** What a registered connection's attachment does when its channel is ready. */
  interface Handler {
    /**
     * The channel is ready for what its interest set asked.
     *
     * @param readyOps the ready operations
     */
    void ready(int readyOps);

    /**
     * The loop stopped (its transport closed) with this connection still registered.
     */
    void loopClosed();
  }

  private final Selector selector;
  private final Thread thread;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean wakeupPending = new AtomicBoolean();
  private volatile boolean closed;
  private volatile boolean terminated; // the thread has ended: tasks run on the thread that hands them over

  NioLoop(ThreadFactory threads) {
    try {
      this.selector = Selector.open();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a selector for the reader thread", e);
    }
    this.thread = threads.newThread(this);
    thread.setDaemon(true);
    thread.start();
  }

  /** Whether the caller is this loop's thread. */
  boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  /**
   * Runs {@code task} on this loop's thread, after what it is doing now; from any thread. Once the
   * loop has ended (see {@link #isClosed()}), tasks run on the thread that hands them over, and
   * must only report that the loop is gone.
   */
  void execute(Runnable task) {
    tasks.add(task);
    if (terminated) {
      runTasks();
    } else if (!inLoop() && wakeupPending.compareAndSet(false, true)) {
      selector.wakeup();
    }
  }

  /** Whether the loop was closed: a task that finds it so fails its call instead of doing I/O. */
  boolean isClosed() {
    return closed;
  }

  /**
   * Registers a channel of this loop with no interest yet; on this loop's thread only.
   *
   * @return its key
   */
  SelectionKey register(Http1Socket socket, Handler handler) throws IOException {
    SelectionKey k = socket.channel().register(selector, 0, handler);
    socket.key = k;
    return k;
  }

  /** Connections registered now (tests). */
  int registered() {
    return selector.isOpen() ? selector.keys().size() : 0;
  }

  @Override
  public void run() {
    try {
      while (!closed) {
        wakeupPending.set(false); // a task added from here on wakes the next select
        runTasks();
        if (closed) {
          break;
        }
        if (tasks.isEmpty()) {
          selector.select();
        } else {
          selector.selectNow();
        }
        Set<SelectionKey> ready = selector.selectedKeys();
        for (Iterator<SelectionKey> it = ready.iterator(); it.hasNext(); ) {
          SelectionKey k = it.next();
          it.remove();
          Object a = k.attachment();
          if (a instanceof Handler && k.isValid()) {
            int ops;
            try {
              ops = k.readyOps();
            } catch (RuntimeException e) { // cancelled meanwhile: closed by a release
              continue;
            }
            ((Handler) a).ready(ops);
          }
        }
      }
    } catch (IOException | ClosedSelectorException e) {
      // the selector broke: every connection still registered fails below
    } finally {
      shutDown();
    }
  }

  /** Runs the tasks queued now; a failing task is the task's own business (they catch their failures). */
  private void runTasks() {
    Runnable r;
    while ((r = tasks.poll()) != null) {
      r.run();
    }
  }

  /** Stops the loop: its connections are closed and their calls told; idempotent. */
  void close() {
    closed = true;
    selector.wakeup();
  }

  private void shutDown() {
    closed = true;
    @Nullable Set<SelectionKey> keys;
    try {
      keys = selector.keys();
    } catch (ClosedSelectorException e) {
      keys = null;
    }
    if (keys != null) {
      for (SelectionKey k : keys.toArray(new SelectionKey[0])) {
        Object a = k.attachment();
        try {
          k.channel().close();
        } catch (IOException e) {
          // released either way
        }
        if (a instanceof Handler) {
          ((Handler) a).loopClosed();
        }
      }
    }
    try {
      selector.close();
    } catch (IOException e) {
      // nothing left to release
    }
    terminated = true;
    runTasks(); // each sees the loop closed and fails its call
  }
}
