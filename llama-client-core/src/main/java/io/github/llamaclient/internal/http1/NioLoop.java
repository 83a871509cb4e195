package io.github.llamaclient.internal.http1;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * One reader of {@link NioTransport}: a {@link Selector} over the non-blocking connections it owns,
 * and a queue of tasks other threads hand it (a connect to start, more demand, a timeout). Every
 * read, write and decode of its connections runs on the thread that leads the loop, one at a
 * time, so a connection's state needs no lock; a task from another thread wakes the selector at
 * most once per turn.
 *
 * <p>Two threads take turns leading (Jetty's "eat what you kill"): when a read produced events for
 * a delivery task of the client's own pool ({@link #deliverHere}), the leading thread hands the
 * lead to the other thread, if that one is idle, and runs the delivery itself, with the read's
 * bytes still in its cache and without waiting for another thread to wake up; the thread that
 * takes over reads on meanwhile. So a listener never runs on the thread that reads at that time,
 * and a slow listener holds at most the one thread that ran into it (further deliveries go to the
 * pool until it is back). When the other thread is not idle, the delivery goes to the pool. A
 * delivery task with no other task waiting for the pool goes on past its batch, so the thread
 * that took it may deliver a whole burst while its twin reads the burst on.
 */
final class NioLoop implements Http1Socket.Buffers {
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

  private static final System.Logger LOG = System.getLogger(NioLoop.class.getName());

  /**
   * Grown read buffers ({@link Http1Socket#NIO_BUFFER}) a reader keeps for its next bursts: a
   * stream read in a burst allocates no buffer of its own after the first ones, and an idle
   * client holds at most this many per reader.
   */
  static final int SPARE_BUFFERS = 2;

  /** The loop whose thread this is (either of its two), on its threads only. */
  private static final ThreadLocal<NioLoop> CURRENT = new ThreadLocal<>();

  private final Selector selector;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean wakeupPending = new AtomicBoolean();
  private volatile Thread leader; // the thread that runs the loop now
  // the other thread, parked until it is handed the lead; null while it delivers
  private final AtomicReference<@Nullable Thread> idle = new AtomicReference<>();
  // the leader's own: a delivery offered by deliverHere(), run once the lead is handed over
  private @Nullable Runnable delivery;
  private @Nullable Executor deliveryPool;
  // the leader's own: grown read buffers of connections that ended, for the next bursts
  private final ArrayDeque<byte[]> spareBuffers = new ArrayDeque<>(SPARE_BUFFERS);
  private volatile boolean closed;
  private volatile boolean terminated; // the loop has ended: tasks run on the thread that hands them over

  NioLoop(ThreadFactory threads) {
    try {
      this.selector = Selector.open();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a selector for the reader thread", e);
    }
    Thread first = threads.newThread(this::work);
    Thread second = threads.newThread(this::work);
    first.setDaemon(true);
    second.setDaemon(true);
    this.leader = first;
    first.start();
    second.start();
  }

  /** Whether the caller is the thread that leads this loop now. */
  boolean inLoop() {
    return Thread.currentThread() == leader;
  }

  /**
   * On a thread that leads a loop now: takes {@code task} (a delivery task of the client's own
   * pool) to run on this thread once the loop's other thread has taken the lead over, after the
   * read at hand; false when it cannot (not a leading thread, the other thread busy, a delivery
   * already taken, the loop closed): then the caller queues it on the pool as usual.
   *
   * @param task the delivery task
   * @param pool where it goes if the lead cannot be handed over after all
   * @return whether the task was taken
   */
  static boolean deliverHere(Runnable task, Executor pool) {
    NioLoop l = CURRENT.get();
    if (l == null || l.leader != Thread.currentThread() || l.delivery != null || l.idle.get() == null || l.closed) {
      return false;
    }
    l.delivery = task;
    l.deliveryPool = pool;
    return true;
  }

  @Override
  public byte @Nullable [] take() {
    return spareBuffers.poll(); // on the leading thread: the lead's hand-over publishes the deque
  }

  @Override
  public void give(byte[] buf) {
    if (spareBuffers.size() < SPARE_BUFFERS) {
      spareBuffers.push(buf);
    }
  }

  /** Spare read buffers now (tests; only while nothing reads). */
  int spareBuffers() {
    return spareBuffers.size();
  }

  /** Whether the thread that does not lead is idle, waiting for its turn (tests). */
  boolean hasIdleThread() {
    return idle.get() != null;
  }

  /** On the leading thread: whether a step took a delivery, so that it should end its turn now. */
  boolean tookDelivery() {
    return delivery != null;
  }

  /**
   * Runs {@code task} on this loop's leading thread, after what it is doing now; from any thread.
   * Once the loop has ended (see {@link #isClosed()}), tasks run on the thread that hands them
   * over, and must only report that the loop is gone.
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

  /** Each of the two threads: leads when handed the lead, delivers what it took, waits. */
  private void work() {
    CURRENT.set(this);
    Thread me = Thread.currentThread();
    while (awaitLead(me)) {
      Runnable d = lead();
      if (d == null) {
        return; // the loop ended
      }
      try {
        d.run(); // no longer leading: another thread reads meanwhile
      } catch (RuntimeException | Error e) {
        LOG.log(System.Logger.Level.WARNING, "a delivery task failed on a reader thread", e);
      }
      // a listener may have interrupted its thread: an interrupted thread's select() and park()
      // return at once, so it would spin when it leads or waits next
      Thread.interrupted();
    }
  }

  /** Waits until this thread is handed the lead (true) or the loop ended without it (false). */
  private boolean awaitLead(Thread me) {
    if (leader == me) {
      return true;
    }
    idle.set(me); // offered: the leader may hand the lead over from now on
    while (leader != me) {
      if (closed && idle.compareAndSet(me, null)) {
        return false; // withdrawn: nobody can hand this thread the lead any more
      }
      LockSupport.park(this);
    }
    return true;
  }

  /**
   * Runs the loop while this thread leads it; returns a delivery to run once it handed the lead
   * over, or null when the loop ended (closed, or its selector broke).
   */
  private @Nullable Runnable lead() {
    try {
      Runnable d = readySelected(); // what the previous leader left of its turn
      if (d != null) {
        return d;
      }
      while (!closed) {
        wakeupPending.set(false); // a task added from here on wakes the next select
        d = runTasksLeading();
        if (d != null) {
          return d;
        }
        if (closed) {
          break;
        }
        if (tasks.isEmpty()) {
          selector.select();
        } else {
          selector.selectNow();
        }
        d = readySelected();
        if (d != null) {
          return d;
        }
      }
    } catch (IOException | ClosedSelectorException e) {
      // the selector broke: every connection still registered fails below
    }
    shutDown();
    return null;
  }

  /** Hands the selected connections their turn; stops at one that took a delivery this thread is to run. */
  private @Nullable Runnable readySelected() {
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
        Runnable d = handOver();
        if (d != null) {
          return d; // the rest of the selected keys are the next leader's
        }
      }
    }
    return null;
  }

  /** Runs the queued tasks while leading; stops at one that took a delivery this thread is to run. */
  private @Nullable Runnable runTasksLeading() {
    Runnable r;
    while ((r = tasks.poll()) != null) {
      r.run();
      Runnable d = handOver();
      if (d != null) {
        return d;
      }
    }
    return null;
  }

  /**
   * After a step that may have taken a delivery: hands the lead to the idle thread and returns the
   * delivery to run here; if the other thread is not idle after all (the loop is closing), queues
   * the delivery on its pool and returns null.
   */
  private @Nullable Runnable handOver() {
    Runnable d = delivery;
    if (d == null) {
      return null;
    }
    delivery = null;
    Executor pool = deliveryPool;
    deliveryPool = null;
    Thread other = idle.get();
    if (!closed && other != null && idle.compareAndSet(other, null)) {
      leader = other;
      LockSupport.unpark(other);
      return d;
    }
    try {
      if (pool != null) {
        pool.execute(d);
        return null;
      }
    } catch (RejectedExecutionException e) {
      // the pool is shut down (the client closed): deliver here rather than lose signals
    }
    d.run();
    return null;
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
    Thread other = idle.get();
    if (other != null) {
      LockSupport.unpark(other); // it withdraws
    }
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
    Thread other = idle.get();
    if (other != null) {
      LockSupport.unpark(other); // it withdraws
    }
  }
}
