package io.github.llamaclient.session;

import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.Pacing;
import io.github.llamaclient.testing.Recording;
import io.github.llamaclient.testing.StubReply;
import io.github.llamaclient.testing.StubRequest;
import static io.github.llamaclient.session.Fixtures.take;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.ContextSizeExceededException;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.LlamaException;
import io.github.llamaclient.LlamaStreamException;
import io.github.llamaclient.StreamCancelledException;
import io.github.llamaclient.StreamHandle;
import io.github.llamaclient.StreamInterruptedException;
import io.github.llamaclient.StreamListener;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The turn guarantees: one turn at a time per session, different sessions in parallel, input and
 * reply committed together, failed or cancelled turns leave the history as it was (or keep the
 * partial reply, marked).
 */
@Timeout(30)
class TurnGuaranteesTest {
  private static final Recording BASIC = Fixtures.recording("chat-stream-basic");

  private LlamaServerStub server;
  private LlamaClient client;

  @BeforeEach
  void start() throws Exception {
    server = LlamaServerStub.start();
    client = Fixtures.client(server);
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  /** A session with one committed turn, to compare against after a failure. */
  private ChatSession withOneTurn(SessionManager sessions) {
    server.enqueue(StubReply.of(BASIC));
    ChatSession s = sessions.session("s");
    s.send("first");
    return s;
  }

  @ParameterizedTest
  @ValueSource(strings = {"chat-stream-error-mid-stream", "chat-stream-cut-mid-stream", "chat-error-context-exceeded"})
  void failedTurnLeavesHistoryExactlyAsBefore(String scenario) {
    SessionManager sessions = SessionManager.builder(client).build();
    ChatSession s = withOneTurn(sessions);
    List<SessionMessage> before = s.history();
    server.enqueue(Fixtures.replay(scenario));

    assertThatThrownBy(() -> s.send("second"))
        .isInstanceOfAny(LlamaStreamException.class, StreamInterruptedException.class, ContextSizeExceededException.class);

    assertThat(s.history()).isEqualTo(before);
    // and the session is free for the next turn
    server.enqueue(StubReply.of(BASIC));
    s.send("third");
    assertThat(s.messages()).extracting(ChatMessage::content).contains("first", "third").doesNotContain("second");
  }

  @ParameterizedTest
  @EnumSource(Fixtures.Face.class)
  void failedTurnOverEveryFaceLeavesHistoryAsBefore(Fixtures.Face face) throws Exception {
    SessionManager sessions = SessionManager.builder(client).build();
    ChatSession s = withOneTurn(sessions);
    List<SessionMessage> before = s.history();
    server.enqueue(Fixtures.replay("chat-stream-error-mid-stream"));

    assertThatThrownBy(() -> face.run(s, List.of(ChatMessage.user("second")), b -> {}))
        .isInstanceOf(LlamaStreamException.class);

    assertThat(s.history()).isEqualTo(before);
  }

  @ParameterizedTest
  @ValueSource(strings = {"chat-stream-error-mid-stream", "chat-stream-cut-mid-stream"})
  void keepPartialRepliesKeepsTheTextReceivedMarkedPartial(String scenario) {
    SessionManager sessions = SessionManager.builder(client).keepPartialReplies(true).build();
    ChatSession s = withOneTurn(sessions);
    server.enqueue(Fixtures.replay(scenario));

    Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() -> s.send("second"));

    String partial =
        failure instanceof LlamaStreamException
            ? ((LlamaStreamException) failure).partialText()
            : ((StreamInterruptedException) failure).partialText();
    assertThat(partial).isNotEmpty();
    assertThat(Fixtures.roles(s.history())).containsExactly("user", "assistant", "user", "assistant(partial)");
    assertThat(s.messages().get(3).content()).isEqualTo(partial);
    assertThat(s.messages().get(2).content()).isEqualTo("second");
  }

  @Test
  void closingAStreamEarlyCancelsAndLeavesHistoryAsBefore() {
    SessionManager sessions = SessionManager.builder(client).build();
    ChatSession s = withOneTurn(sessions);
    List<SessionMessage> before = s.history();
    server.enqueue(StubReply.of(BASIC));

    try (Stream<String> reply = s.sendStream("second")) {
      Iterator<String> it = reply.iterator();
      it.next();
      it.next();
    }

    assertThat(s.history()).isEqualTo(before);
  }

  @Test
  void closingEarlyWithKeepPartialKeepsWhatWasRead() {
    SessionManager sessions = SessionManager.builder(client).keepPartialReplies(true).build();
    ChatSession s = withOneTurn(sessions);
    server.enqueue(StubReply.of(BASIC));

    String read;
    try (Stream<String> reply = s.sendStream("second")) {
      Iterator<String> it = reply.iterator();
      read = it.next() + it.next();
    }

    assertThat(Fixtures.roles(s.history())).containsExactly("user", "assistant", "user", "assistant(partial)");
    assertThat(s.messages().get(3).content()).isEqualTo(read);
    assertThat(BASIC.content()).startsWith(read);
  }

  @Test
  void cancellingTheHandleLeavesHistoryAsBefore() throws Exception {
    SessionManager sessions = SessionManager.builder(client).build();
    ChatSession s = withOneTurn(sessions);
    List<SessionMessage> before = s.history();
    // one piece every 100 ms: the recording's segments nearly share one timestamp, so a replay at
    // its own pace would arrive at once and the reply could complete before the cancel
    server.enqueue(StubReply.of(BASIC).paced(Pacing.every(java.time.Duration.ofMillis(100))));

    CompletableFuture<String> first = new CompletableFuture<>();
    AtomicReference<StreamHandle<ChatResult>> handle = new AtomicReference<>();
    StreamHandle<ChatResult> h = s.send("second", StreamListener.of(first::complete, r -> {}, e -> {}));
    handle.set(h);
    first.get(10, TimeUnit.SECONDS);
    h.cancel();

    assertThatThrownBy(() -> h.result().get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(StreamCancelledException.class);
    // the next turn runs (the permit was given back) and the cancelled one left no trace
    server.enqueue(StubReply.of(BASIC));
    s.send("third");
    assertThat(s.messages()).extracting(ChatMessage::content).doesNotContain("second");
    assertThat(s.history().subList(0, 2)).isEqualTo(before);
  }

  @Test
  void cancellingTheSubscriptionLeavesHistoryAsBefore() throws Exception {
    SessionManager sessions = SessionManager.builder(client).build();
    ChatSession s = withOneTurn(sessions);
    List<SessionMessage> before = s.history();
    server.enqueue(StubReply.of(BASIC));
    CompletableFuture<String> got = new CompletableFuture<>();

    s.sendPublisher("second")
        .subscribe(
            new Flow.Subscriber<String>() {
              Flow.Subscription sub;

              @Override
              public void onSubscribe(Flow.Subscription subscription) {
                sub = subscription;
                sub.request(1);
              }

              @Override
              public void onNext(String item) {
                sub.cancel();
                got.complete(item);
              }

              @Override
              public void onError(Throwable throwable) {
                got.completeExceptionally(throwable);
              }

              @Override
              public void onComplete() {
                got.completeExceptionally(new AssertionError("completed after cancel"));
              }
            });
    got.get(10, TimeUnit.SECONDS);

    server.enqueue(StubReply.of(BASIC));
    s.send("third"); // would wait forever if the cancelled turn kept the session
    assertThat(s.messages()).extracting(ChatMessage::content).doesNotContain("second");
    assertThat(s.history().subList(0, 2)).isEqualTo(before);
  }

  @Test
  void aSecondTurnWaitsForTheRunningOne() throws Exception {
    SessionManager sessions = SessionManager.builder(client).build();
    ChatSession s = sessions.session("s");
    server.enqueue(StubReply.of(BASIC));
    server.enqueue(StubReply.of(BASIC));

    Stream<String> first = s.sendStream("one"); // the turn runs until this stream ends
    CompletableFuture<ChatResult> second = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                second.complete(s.send("two"));
              } catch (RuntimeException e) {
                second.completeExceptionally(e);
              }
            });
    t.start();
    awaitWaiting(t);
    take(server); // the first turn's request (sent asynchronously: wait until the server has it)
    // the second turn waits for the session, which only the first stream's end frees: it cannot
    // have sent, nor can it send before first.close()
    assertThat(server.requestCount()).as("the second turn has sent nothing yet").isEqualTo(1);
    assertThat(second).isNotDone();

    String text = String.join("", first.toList());
    first.close();
    second.get(10, TimeUnit.SECONDS);

    assertThat(s.messages())
        .extracting(ChatMessage::content)
        .containsExactly("one", text, "two", BASIC.content());
    assertThat(Fixtures.body(take(server)).get("messages")).hasSize(3); // the second saw the first's reply
  }

  @Test
  void failFastRefusesASecondTurnWithATypedException() {
    SessionManager sessions = SessionManager.builder(client).whenBusy(WhenBusy.FAIL).build();
    ChatSession s = sessions.session("s");
    server.enqueue(StubReply.of(BASIC));

    try (Stream<String> first = s.sendStream("one")) {
      assertThatThrownBy(() -> s.send("two"))
          .isInstanceOf(SessionBusyException.class)
          .hasMessageContaining("'s'")
          .satisfies(e -> assertThat(((SessionBusyException) e).sessionId()).isEqualTo("s"));
      assertThatThrownBy(s::reset).isInstanceOf(SessionBusyException.class);
      assertThatThrownBy(() -> sessions.processMessage("s", "three")).isInstanceOf(SessionBusyException.class);
      first.forEach(x -> {});
    }
    assertThat(server.requestCount()).isEqualTo(1);
    assertThat(s.messages()).extracting(ChatMessage::content).containsExactly("one", BASIC.content());
  }

  @Test
  void differentSessionsRunInParallel() throws Exception {
    SessionManager sessions = SessionManager.builder(client).whenBusy(WhenBusy.FAIL).build();
    server.enqueue(StubReply.of(BASIC));
    server.enqueue(StubReply.of(BASIC));

    try (Stream<String> a = sessions.processMessageStream("a", "hello")) {
      // a's turn is running; b's runs to its end meanwhile
      ChatResult b = sessions.processMessage("b", "hello");
      assertThat(b.text()).isEqualTo(BASIC.content());
      assertThat(sessions.session("a").history()).isEmpty();
      assertThat(String.join("", a.toList())).isEqualTo(BASIC.content());
    }
    assertThat(sessions.session("a").history()).hasSize(2);
    assertThat(sessions.session("b").history()).hasSize(2);
  }

  @Test
  void historyNeverShowsHalfATurn() {
    SessionManager sessions = SessionManager.builder(client).build();
    ChatSession s = sessions.session("s");
    server.enqueue(StubReply.of(BASIC));

    try (Stream<String> reply = s.sendStream("one")) {
      Iterator<String> it = reply.iterator();
      while (it.hasNext()) {
        it.next();
        assertThat(s.history()).isEmpty(); // the user message is not committed before the reply
      }
    }
    assertThat(s.history()).hasSize(2);
  }

  @Test
  void aCommitTheStoreRefusesLeavesHistoryAsBefore() {
    FailingStore store = new FailingStore();
    SessionManager sessions = SessionManager.builder(client).store(store).build();
    ChatSession s = withOneTurn(sessions);
    List<SessionMessage> before = s.history();
    server.enqueue(StubReply.of(BASIC));
    store.fail = true;

    assertThatThrownBy(() -> s.send("second"))
        .isInstanceOf(SessionStoreException.class)
        .hasMessageContaining("disk full");

    assertThat(s.history()).isEqualTo(before);
    store.fail = false;
    server.enqueue(StubReply.of(BASIC));
    s.send("third");
    assertThat(store.load("s").orElseThrow().messages()).hasSize(4);
  }

  @Test
  void interruptedWaitIsACancelledTurn() throws Exception {
    SessionManager sessions = SessionManager.builder(client).build();
    ChatSession s = sessions.session("s");
    server.enqueue(StubReply.of(BASIC));
    try (Stream<String> first = s.sendStream("one")) {
      CompletableFuture<Throwable> failure = new CompletableFuture<>();
      Thread t =
          new Thread(
              () -> {
                try {
                  s.send("two");
                  failure.complete(null);
                } catch (LlamaException e) {
                  failure.complete(e);
                }
              });
      t.start();
      awaitWaiting(t);
      t.interrupt();
      assertThat(failure.get(10, TimeUnit.SECONDS)).isInstanceOf(StreamCancelledException.class);
      assertThat(String.join("", first.toList())).isEqualTo(BASIC.content());
    }
    assertThat(server.requestCount()).isEqualTo(1);
  }

  static void awaitWaiting(Thread t) throws InterruptedException {
    // the session's lock offers no signal of a waiter: the thread parking on it is the event
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (t.getState() != Thread.State.WAITING) {
      assertThat(System.nanoTime() - deadline).as(t.getName() + " waits for the session").isNegative();
      Thread.sleep(2); // a poll interval, not a wait for time to pass
    }
  }

  /** A store whose saves fail while {@code fail} is set. */
  static final class FailingStore implements SessionStore {
    final SessionStore delegate = SessionStore.inMemory();
    volatile boolean fail;

    @Override
    public Optional<SessionState> load(String id) {
      return delegate.load(id);
    }

    @Override
    public void save(SessionState state) {
      if (fail) {
        throw new SessionStoreException(state.id(), null, "disk full", null);
      }
      delegate.save(state);
    }

    @Override
    public void delete(String id) {
      delegate.delete(id);
    }

    @Override
    public List<String> ids() {
      return delegate.ids();
    }
  }
}
