package io.github.llamaclient.session;

import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.Recording;
import io.github.llamaclient.testing.StubReply;
import io.github.llamaclient.testing.StubRequest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.LlamaClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A turn's pulled stream dropped without close gives its session back once collected, so the next
 * turn under {@link WhenBusy#WAIT} goes on; and a wait is bounded by the manager's wait timeout,
 * counted on a fake timer that the test advances.
 */
@Timeout(60)
class LeakedTurnTest {
  private static final Duration GC_WAIT = Duration.ofSeconds(10);

  private LlamaServerStub server;
  private LlamaClient client;
  private final AtomicInteger requests = new AtomicInteger();
  private final ExecutorService turns = Executors.newSingleThreadExecutor();

  /** The first request gets one piece and then nothing, as if still generating; later ones a whole reply. */
  @BeforeEach
  void start() {
    server = LlamaServerStub.start();
    server.answer(
        request ->
            requests.incrementAndGet() == 1
                ? StubReply.chatStream().content("partial").build().stallAfter(2) // the role chunk and "partial"
                : StubReply.chatStream().content("whole").build());
    // a response limit that load cannot hit: the dropped turn is released by its collection, and
    // no limit of the client would release it (the consumer is gone, so no read waits)
    client = LlamaClient.builder().baseUrl(server.url()).responseTimeout(Duration.ofSeconds(30)).build();
  }

  @AfterEach
  void stop() {
    turns.shutdownNow();
    client.close();
    server.close();
  }

  /** Begins a turn, takes its first piece, and drops the stream without closing it. */
  private static String firstPieceThenDrop(ChatSession s, String face) {
    if (face.equals("sendStream")) {
      Stream<String> reply = s.sendStream("one");
      return reply.iterator().next();
    }
    Iterator<ChatEvent> events = s.sendEvents(List.of(ChatMessage.user("one")), r -> {}).iterator();
    return ((ChatEvent.Content) events.next()).text();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"sendStream", "sendEvents"})
  void aTurnStreamDroppedWithoutCloseGivesTheSessionBack(String face) throws Exception {
    SessionManager sessions = SessionManager.builder(client).build(); // WhenBusy.WAIT
    ChatSession s = sessions.session("s");
    assertThat(firstPieceThenDrop(s, face)).isEqualTo("partial");
    StubRequest first = server.takeRequest(Duration.ofSeconds(10));

    CompletableFuture<ChatResult> next = CompletableFuture.supplyAsync(() -> s.send("two"), turns);
    long deadline = System.nanoTime() + GC_WAIT.toNanos();
    while (!next.isDone() && System.nanoTime() < deadline) {
      System.gc();
      try {
        next.get(20, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        // still waiting for the dropped turn
      }
    }

    assertThat(next).as("the next turn went on after the dropped one").isDone();
    assertThat(next.get().text()).isEqualTo("whole");
    assertThat(first.awaitClientClose(Duration.ofSeconds(10)))
        .as("the dropped turn's connection was closed")
        .isTrue();
    assertThat(s.messages())
        .as("the dropped turn left no trace")
        .extracting(ChatMessage::content)
        .containsExactly("two", "whole");
  }

  @Test
  void aWaitLongerThanTheWaitTimeoutFailsTypedAndSendsNothing() throws Exception {
    FakeTimer timer = new FakeTimer();
    Duration timeout = Duration.ofSeconds(30);
    SessionManager sessions = SessionManager.builder(client).waitTimeout(timeout).waitTimer(timer).build();
    ChatSession s = sessions.session("s");

    try (Stream<String> running = s.sendStream("one")) {
      assertThat(running.iterator().next()).isEqualTo("partial");
      CompletableFuture<ChatResult> waiting = CompletableFuture.supplyAsync(() -> s.send("two"), turns);
      assertThat(timer.awaitBound(Duration.ofSeconds(10))).as("the second turn waits").isTrue();
      assertThat(timer.timeouts()).containsExactly(timeout);

      timer.advance(timeout.minusNanos(1));
      assertThat(waiting).as("still waiting just before the timeout").isNotDone();
      timer.advance(Duration.ofNanos(1));

      assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(SessionWaitTimeoutException.class)
          .isInstanceOf(SessionBusyException.class)
          .hasMessageContaining("'s'")
          .hasMessageContaining("PT30S")
          .satisfies(
              e -> {
                assertThat(((SessionWaitTimeoutException) e).timeout()).isEqualTo(timeout);
                assertThat(((SessionWaitTimeoutException) e).sessionId()).isEqualTo("s");
              });
      assertThat(server.requestCount()).as("the timed-out turn sent nothing").isEqualTo(1);
    }

    // the permit was not lost to the waiter that gave up
    assertThat(s.send("three").text()).isEqualTo("whole");
    assertThat(s.messages()).extracting(ChatMessage::content).containsExactly("three", "whole");
  }

  @Test
  void theDefaultWaitIsTwoMinutesAndAChangeWaitsTheSame() throws Exception {
    FakeTimer timer = new FakeTimer();
    SessionManager sessions = SessionManager.builder(client).waitTimer(timer).build();
    ChatSession s = sessions.session("s");

    try (Stream<String> running = s.sendStream("one")) {
      assertThat(running.iterator().next()).isEqualTo("partial");
      CompletableFuture<Void> reset = CompletableFuture.runAsync(s::reset, turns);
      assertThat(timer.awaitBound(Duration.ofSeconds(10))).isTrue();
      assertThat(timer.timeouts()).containsExactly(Duration.ofMinutes(2));
      timer.advance(Duration.ofMinutes(2));
      assertThatThrownBy(() -> reset.get(10, TimeUnit.SECONDS))
          .cause()
          .isInstanceOf(SessionWaitTimeoutException.class);
    }
  }

  @Test
  void theWaitTimeoutMustBePositive() {
    SessionManager.Builder b = SessionManager.builder(client);
    assertThatThrownBy(() -> b.waitTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("waitTimeout must be positive, was PT0S");
    assertThatThrownBy(() -> b.waitTimeout(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT-1S");
  }

  /** A {@link WaitTimer} on a fake clock: waits time out only when the test advances it. */
  static final class FakeTimer implements WaitTimer {
    private record Bound(CompletableFuture<?> future, long at, Duration timeout) {}

    private final List<Bound> bounds = new ArrayList<>();
    private final Semaphore bound = new Semaphore(0);
    private long now;

    @Override
    public synchronized void bound(CompletableFuture<?> future, Duration timeout) {
      bounds.add(new Bound(future, now + timeout.toNanos(), timeout));
      bound.release();
    }

    /** Waits until a wait was bounded. */
    boolean awaitBound(Duration wait) throws InterruptedException {
      return bound.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    synchronized List<Duration> timeouts() {
      return bounds.stream().map(Bound::timeout).toList();
    }

    /** Moves the clock on and times out the waits now due. */
    void advance(Duration d) {
      List<Bound> due = new ArrayList<>();
      synchronized (this) {
        now += d.toNanos();
        for (Bound b : bounds) {
          if (b.at() <= now) {
            due.add(b);
          }
        }
      }
      for (Bound b : due) {
        b.future().completeExceptionally(new TimeoutException());
      }
    }
  }
}
