package io.github.llamaclient.internal.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The limit on connects in progress to one server: places, order, leaving, and what a wait says. */
class ConnectGateTest {
  private static final URI A = URI.create("http://127.0.0.1:8080/v1/chat/completions");
  private static final URI A_AGAIN = URI.create("http://127.0.0.1:8080/health");
  private static final URI B = URI.create("http://127.0.0.1:8081/v1/chat/completions");

  @Test
  void atMostMaxConnectsRunAndTheRestStartInTheOrderTheyCame() {
    ConnectGate gate = new ConnectGate(2);
    List<String> started = new ArrayList<>();
    ConnectGate.Ticket one = gate.ticket(A);
    ConnectGate.Ticket two = gate.ticket(A_AGAIN); // the same server: host and port
    ConnectGate.Ticket three = gate.ticket(A);
    ConnectGate.Ticket four = gate.ticket(A);
    one.enter(() -> started.add("one"));
    two.enter(() -> started.add("two"));
    three.enter(() -> started.add("three"));
    four.enter(() -> started.add("four"));
    assertThat(started).containsExactly("one", "two");
    assertThat(gate.inProgress(A)).isEqualTo(2);

    two.leave(); // connected: its place goes to the first waiting
    assertThat(started).containsExactly("one", "two", "three");
    assertThat(gate.inProgress(A)).isEqualTo(2);
    two.leave(); // idempotent: no second place given away
    assertThat(started).containsExactly("one", "two", "three");

    one.leave();
    three.leave();
    assertThat(started).containsExactly("one", "two", "three", "four");
    four.leave();
    assertThat(gate.inProgress(A)).isZero();
  }

  @Test
  void anotherServerHasPlacesOfItsOwn() {
    ConnectGate gate = new ConnectGate(1);
    List<String> started = new ArrayList<>();
    gate.ticket(A).enter(() -> started.add("a"));
    gate.ticket(A).enter(() -> started.add("a waits"));
    gate.ticket(B).enter(() -> started.add("b"));
    assertThat(started).containsExactly("a", "b");
  }

  @Test
  void aWaitingTicketThatLeavesNeverStartsAndTakesNoPlace() {
    ConnectGate gate = new ConnectGate(1);
    List<String> started = new ArrayList<>();
    ConnectGate.Ticket one = gate.ticket(A);
    ConnectGate.Ticket two = gate.ticket(A);
    ConnectGate.Ticket three = gate.ticket(A);
    one.enter(() -> started.add("one"));
    two.enter(() -> started.add("two"));
    three.enter(() -> started.add("three"));
    two.leave(); // cancelled while it waited
    one.leave();
    assertThat(started).containsExactly("one", "three");
    three.leave();
    assertThat(gate.inProgress(A)).isZero();
  }

  @Test
  void aTicketLeftBeforeItAskedNeverStarts() {
    ConnectGate gate = new ConnectGate(1);
    ConnectGate.Ticket t = gate.ticket(A);
    t.leave(); // the call was released before it could ask
    List<String> started = new ArrayList<>();
    t.enter(() -> started.add("late"));
    assertThat(started).isEmpty();
    assertThat(gate.inProgress(A)).isZero();
  }

  @Test
  void whatAWaitSaysNamesTheServerAndTheConnectsAhead() {
    ConnectGate gate = new ConnectGate(1);
    ConnectGate.Ticket one = gate.ticket(A);
    ConnectGate.Ticket two = gate.ticket(A);
    one.enter(() -> {});
    assertThat(one.waitingFor()).as("connecting, not waiting").isNull();
    two.enter(() -> {});
    assertThat(two.waitingFor())
        .isEqualTo(
            "a place to connect to 127.0.0.1:8080 (1 connect in progress, the limit of maxConcurrentConnects; 1 waiting,"
                + " this one included)");
    two.leave();
    assertThat(two.waitingFor()).isNull();
  }

  @Test
  void awaitBlocksUntilAPlaceFreesAndReturnsFalseWhenLeftFromAnotherThread() throws Exception {
    ConnectGate gate = new ConnectGate(1);
    ConnectGate.Ticket holder = gate.ticket(A);
    assertThat(holder.await()).isTrue(); // a free place: at once
    ConnectGate.Ticket admitted = gate.ticket(A);
    ConnectGate.Ticket cancelled = gate.ticket(A);
    ExecutorService threads = Executors.newFixedThreadPool(2); // one blocked thread each
    try {
      awaitAndLeave(gate, holder, admitted, cancelled, threads);
    } finally {
      threads.shutdownNow();
    }
  }

  private static void awaitAndLeave(
      ConnectGate gate, ConnectGate.Ticket holder, ConnectGate.Ticket admitted, ConnectGate.Ticket cancelled, ExecutorService threads)
      throws Exception {
    CompletableFuture<Boolean> first = CompletableFuture.supplyAsync(() -> awaitQuietly(admitted), threads);
    waitUntilWaiting(admitted);
    CompletableFuture<Boolean> second = CompletableFuture.supplyAsync(() -> awaitQuietly(cancelled), threads);
    waitUntilWaiting(cancelled);
    assertThat(first).isNotDone();

    cancelled.leave(); // released from another thread (a cancel, the watchdog)
    assertThat(second.get(10, TimeUnit.SECONDS)).isFalse();
    assertThat(first).isNotDone();
    holder.leave();
    assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(gate.inProgress(A)).isEqualTo(1);
  }

  @Test
  void anInterruptedWaitLeavesTheQueue() throws Exception {
    ConnectGate gate = new ConnectGate(1);
    gate.ticket(A).await();
    ConnectGate.Ticket waiting = gate.ticket(A);
    Thread.currentThread().interrupt();
    assertThatThrownBy(waiting::await).isInstanceOf(InterruptedException.class).hasMessageContaining("127.0.0.1:8080");
    assertThat(waiting.waitingFor()).isNull();
    List<String> started = new ArrayList<>();
    ConnectGate.Ticket next = gate.ticket(A);
    next.enter(() -> started.add("next"));
    assertThat(next.waitingFor()).contains("1 waiting"); // the interrupted one is gone
  }

  @Test
  void aLimitBelowOneIsRefused() {
    assertThatThrownBy(() -> new ConnectGate(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was 0");
  }

  private static boolean awaitQuietly(ConnectGate.Ticket t) {
    try {
      return t.await();
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Until the other thread's ticket is in the queue (a precondition, not a timeout). */
  private static void waitUntilWaiting(ConnectGate.Ticket t) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (t.waitingFor() == null) {
      assertThat(System.nanoTime()).as("the ticket started waiting").isLessThan(deadline);
      Thread.onSpinWait();
      Thread.yield();
    }
  }
}
