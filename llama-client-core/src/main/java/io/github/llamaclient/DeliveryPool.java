package io.github.llamaclient;

import io.github.llamaclient.internal.http1.NioTransport;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The client's own delivery pool for the push faces: a fixed number of daemon threads over one
 * FIFO queue of delivery tasks. It never grows: fairness and back-pressure come from the sinks
 * ({@link PushSink} queues at most one task per stream, gives its thread up after {@link
 * PushSink#BATCH} signals by queueing itself again at the back when other tasks wait, and pauses its reads while
 * anything it queued is undelivered), so the queue holds at most one task per open stream.
 */
final class DeliveryPool implements PushSink.Queueing {
  private final ThreadPoolExecutor threads;

  /**
   * @param size the number of threads
   * @param factory names the threads
   */
  DeliveryPool(int size, ThreadFactory factory) {
    this.threads = new ThreadPoolExecutor(size, size, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), factory);
    threads.allowCoreThreadTimeOut(true); // an idle client holds no thread
  }

  /** The default size: {@code max(2, availableProcessors())}. */
  static int defaultThreads() {
    return Math.max(2, Runtime.getRuntime().availableProcessors());
  }

  /**
   * Queues a task; throws RejectedExecutionException once shut down. On a reader thread that is
   * reading, the task runs on that thread instead once its other thread reads on (see {@link
   * NioTransport#deliverHere}), when that thread is free.
   */
  @Override
  public void execute(Runnable task) {
    if (!NioTransport.deliverHere(task, threads)) {
      threads.execute(task);
    }
  }

  @Override
  public boolean othersWaiting() {
    return !threads.getQueue().isEmpty();
  }

  /** The most threads the pool has had at once (tests). */
  int largestSize() {
    return threads.getLargestPoolSize();
  }

  /** Stops taking tasks; tasks queued already still run. */
  void shutdown() {
    threads.shutdown();
  }
}
