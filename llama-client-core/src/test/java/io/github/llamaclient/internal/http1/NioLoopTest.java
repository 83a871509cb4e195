package io.github.llamaclient.internal.http1;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.testing.Await;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A reader's two threads taking turns ({@link NioLoop#deliverHere}), without connections. */
@Timeout(60)
class NioLoopTest {
  private final AtomicInteger names = new AtomicInteger();
  private final Executor pool = task -> {
    throw new AssertionError("the other thread was idle: nothing goes to the pool");
  };

  private NioLoop loop() {
    return new NioLoop(r -> new Thread(r, "test-reader-" + names.incrementAndGet()));
  }

  /** On the leading thread: offers a delivery; returns the thread that took it, once it ran. */
  private static Thread deliverFromTheLead(NioLoop loop, Runnable delivery, Executor pool) throws Exception {
    CompletableFuture<Thread> ran = new CompletableFuture<>();
    CompletableFuture<Boolean> taken = new CompletableFuture<>();
    loop.execute(() -> taken.complete(NioLoop.deliverHere(() -> {
      delivery.run();
      ran.complete(Thread.currentThread());
    }, pool)));
    assertThat(taken.get(30, TimeUnit.SECONDS)).as("the leading thread took the delivery").isTrue();
    return ran.get(30, TimeUnit.SECONDS);
  }

  @Test
  void theThreadThatTookADeliveryRunsItAfterHandingTheLeadToTheOther() throws Exception {
    NioLoop loop = loop();
    try {
      Await.until("the second thread waits for its turn", loop::hasIdleThread);
      AtomicReference<Thread> leading = new AtomicReference<>();
      loop.execute(() -> leading.set(Thread.currentThread()));
      Await.until("a task ran on the lead", () -> leading.get() != null);

      Thread delivered = deliverFromTheLead(loop, () -> {}, pool);
      assertThat(delivered).as("the thread that led delivers").isSameAs(leading.get());
      CompletableFuture<Thread> next = new CompletableFuture<>();
      loop.execute(() -> next.complete(Thread.currentThread()));
      assertThat(next.get(30, TimeUnit.SECONDS)).as("the other thread leads now").isNotSameAs(delivered);
      Await.until("the thread that delivered waits for its turn", loop::hasIdleThread);
    } finally {
      loop.close();
    }
  }

  @Test
  void aDeliveryGoesToThePoolWhileTheOtherThreadIsBusy() throws Exception {
    NioLoop loop = loop();
    CompletableFuture<Void> release = new CompletableFuture<>();
    try {
      Await.until("the second thread waits for its turn", loop::hasIdleThread);
      CompletableFuture<Thread> blocked = new CompletableFuture<>();
      loop.execute(() -> NioLoop.deliverHere(() -> {
        blocked.complete(Thread.currentThread());
        release.join(); // a listener that blocks
      }, pool));
      Thread slow = blocked.get(30, TimeUnit.SECONDS);
      AtomicReference<Runnable> queued = new AtomicReference<>();
      CompletableFuture<Boolean> taken = new CompletableFuture<>();
      loop.execute(() -> taken.complete(NioLoop.deliverHere(() -> {}, queued::set)));
      assertThat(taken.get(30, TimeUnit.SECONDS)).as("no idle thread to hand the lead to").isFalse();
      assertThat(slow.isAlive()).isTrue();
    } finally {
      release.complete(null);
      loop.close();
    }
  }

  @Test
  void aListenerThatInterruptsItsThreadDoesNotLeaveTheReaderInterrupted() throws Exception {
    NioLoop loop = loop();
    try {
      Await.until("the second thread waits for its turn", loop::hasIdleThread);
      Thread interrupted = deliverFromTheLead(loop, () -> Thread.currentThread().interrupt(), pool);
      Await.until("the thread that delivered waits for its turn", loop::hasIdleThread);
      Thread other = deliverFromTheLead(loop, () -> {}, pool); // hands the lead back to the first
      assertThat(other).isNotSameAs(interrupted);
      CompletableFuture<Boolean> flag = new CompletableFuture<>();
      CompletableFuture<Thread> on = new CompletableFuture<>();
      loop.execute(() -> {
        on.complete(Thread.currentThread());
        flag.complete(Thread.currentThread().isInterrupted());
      });
      assertThat(on.get(30, TimeUnit.SECONDS)).as("the first thread leads again").isSameAs(interrupted);
      assertThat(flag.get(30, TimeUnit.SECONDS))
          .as("interrupted: its select() and park() would return at once, and it would spin")
          .isFalse();
    } finally {
      loop.close();
    }
  }

  @Test
  void bothThreadsEndWhenTheLoopCloses() throws Exception {
    NioLoop loop = loop();
    Await.until("the second thread waits for its turn", loop::hasIdleThread);
    loop.close();
    Await.until(
        "no test-reader thread alive",
        () -> Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("test-reader-") && t.isAlive()));
  }
}
