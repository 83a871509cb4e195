package io.github.llamaclient.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The turn permit's queue: first come, first served; a waiter that gives up never holds it. */
@Timeout(30)
class TurnPermitTest {
  private final ExecutorService threads = Executors.newFixedThreadPool(2);
  private final LeakedTurnTest.FakeTimer timer = new LeakedTurnTest.FakeTimer();
  private final TurnPermit permit = new TurnPermit();

  @AfterEach
  void stop() {
    threads.shutdownNow();
  }

  @Test
  void aWaiterThatTimesOutLeavesTheQueueAndTheNextOneGetsThePermit() throws Exception {
    assertThat(permit.tryAcquire()).isTrue();
    Future<Boolean> first = threads.submit(() -> permit.acquire(Duration.ofSeconds(10), timer));
    assertThat(timer.awaitBound(Duration.ofSeconds(10))).isTrue();
    Future<Boolean> second = threads.submit(() -> permit.acquire(Duration.ofSeconds(20), timer));
    assertThat(timer.awaitBound(Duration.ofSeconds(10))).isTrue();

    timer.advance(Duration.ofSeconds(10));
    assertThat(first.get(10, TimeUnit.SECONDS)).as("the first waiter timed out").isFalse();
    assertThat(second).isNotDone();

    permit.release();
    assertThat(second.get(10, TimeUnit.SECONDS)).as("the second waiter got the permit").isTrue();
    assertThat(permit.tryAcquire()).as("held by the second waiter").isFalse();
    permit.release();
    assertThat(permit.tryAcquire()).as("free again").isTrue();
  }

  @Test
  void anInterruptedWaiterNeverKeepsThePermit() throws Exception {
    assertThat(permit.tryAcquire()).isTrue();
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    Thread waiter =
        new Thread(
            () -> {
              try {
                outcome.complete(permit.acquire(Duration.ofSeconds(10), timer) ? null : new AssertionError("timed out"));
              } catch (InterruptedException e) {
                outcome.complete(e);
              }
            });
    waiter.start();
    assertThat(timer.awaitBound(Duration.ofSeconds(10))).isTrue();
    waiter.interrupt();
    assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);

    permit.release();
    assertThat(permit.tryAcquire()).as("not handed to the waiter that left").isTrue();
  }
}
