package io.github.llamaclient.session.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.FinishReason;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.session.ChatSession;
import io.github.llamaclient.session.GenerationOptions;
import io.github.llamaclient.session.SavedStream;
import io.github.llamaclient.session.SessionBusyException;
import io.github.llamaclient.session.SessionConflictException;
import io.github.llamaclient.session.SessionManager;
import io.github.llamaclient.session.SessionMessage;
import io.github.llamaclient.session.SessionState;
import io.github.llamaclient.session.SessionWaitTimeoutException;
import io.github.llamaclient.session.SharedSessionStore;
import io.github.llamaclient.session.WhenBusy;
import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.StubReply;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The store on a real PostgreSQL server, and two managers over it standing for two processes (each
 * has its own store, as each process would): one turn at a time across them, no lost or doubled
 * turn, expired leases, the schema.
 */
class JdbcSessionStoreTest {
  static final String REPLY = "Hello there.";

  /** A stand-in llama-server that streams {@link #REPLY} to every request, recording the bodies. */
  static LlamaServerStub llamaServer(List<String> requests) {
    return LlamaServerStub.start()
        .answer(
            r -> {
              requests.add(r.body());
              return StubReply.chatStream().content("Hello", " there", ".").finish("stop").build();
            });
  }

  private static PostgresServer pg;
  private final MutableClock clock = new MutableClock();
  private final List<AutoCloseable> open = new ArrayList<>();
  private final List<String> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
  private LlamaServerStub llama;
  private LlamaClient client;

  @BeforeAll
  static void startPostgres() throws Exception {
    pg = PostgresServer.shared();
  }

  @BeforeEach
  void setUp() throws Exception {
    pg.reset();
    llama = llamaServer(requests);
    client = LlamaClient.builder().baseUrl(llama.url()).build();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    client.close();
    llama.close();
  }

  private JdbcSessionStore store() {
    JdbcSessionStore s = JdbcSessionStore.builder(pg.dataSource()).leaseTime(Duration.ofSeconds(30)).clock(clock).build();
    open.add(s);
    return s;
  }

  private SessionManager manager(JdbcSessionStore store, WhenBusy whenBusy) {
    SessionManager m = SessionManager.builder(client).store(store).whenBusy(whenBusy).waitTimeout(Duration.ofSeconds(5)).clock(clock).build();
    open.add(m);
    return m;
  }

  private static SessionState state(String id, String... userTexts) {
    List<SessionMessage> m = new ArrayList<>();
    for (String t : userTexts) {
      m.add(new SessionMessage(ChatMessage.user(t), false));
    }
    return new SessionState(id, "be brief", m, GenerationOptions.none(), 1);
  }

  private static List<String> userTexts(List<SessionMessage> history) {
    return history.stream().map(SessionMessage::message).filter(m -> m.role().equals("user")).map(ChatMessage::content).collect(Collectors.toList());
  }

  @Test
  void theGuidesSnippetRuns() {
    javax.sql.DataSource dataSource = pg.dataSource();
    // tag::shared-store[]
    JdbcSessionStore store = JdbcSessionStore.builder(dataSource).build(); // creates its tables if missing
    SessionManager sessions = SessionManager.builder(client).store(store).build();
    // end::shared-store[]
    open.add(store);
    open.add(sessions);
    assertThat(sessions.session("guide").send("hi").text()).isEqualTo(REPLY);
    assertThat(store.ids()).containsExactly("guide");
  }

  @Test
  void savesLoadsListsAndDeletesSessionsInTheVersionedFormat() throws Exception {
    JdbcSessionStore store = store();
    SessionState s = state("user-1/é", "hello", "again");
    store.save(s);
    store.save(state("b", "x"));
    assertThat(store.load("user-1/é")).contains(s);
    assertThat(store.load("missing")).isEmpty();
    assertThat(store.ids()).containsExactlyInAnyOrder("user-1/é", "b");
    try (Connection c = pg.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT state, revision FROM llama_sessions WHERE id = 'b'")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).contains("\"format\" : 2");
      assertThat(rs.getLong(2)).isEqualTo(1);
    }
    store.delete("b");
    assertThat(store.ids()).containsExactly("user-1/é");
    // a reply's saved stream is kept in the same format
    SessionState withStream =
        new SessionState(
            "c",
            null,
            List.of(
                new SessionMessage(ChatMessage.user("hi"), false),
                new SessionMessage(
                    ChatMessage.assistant("Hello"),
                    false,
                    new SavedStream(
                        List.of(
                            new SavedStream.Event(Duration.ofMillis(30), new ChatEvent.Content("Hel")),
                            new SavedStream.Event(Duration.ofMillis(45), new ChatEvent.Content("lo")),
                            new SavedStream.Event(
                                Duration.ofMillis(50),
                                new ChatEvent.Done(ChatResult.builder().text("Hello").finishReason(FinishReason.STOP).build()))),
                        false))),
            GenerationOptions.none(),
            null);
    store.save(withStream);
    assertThat(store.load("c")).contains(withStream);
  }

  @Test
  void keepsImagesAndAudio() {
    JdbcSessionStore store = store();
    ChatMessage media =
        ChatMessage.user(
            io.github.llamaclient.ContentPart.text("what is this?"),
            io.github.llamaclient.ContentPart.image(new byte[] {1, 2, 3}, "image/png"),
            io.github.llamaclient.ContentPart.imageUrl(java.net.URI.create("https://example.com/cat.jpg")),
            io.github.llamaclient.ContentPart.audio(new byte[] {4, 5}, "wav"));
    SessionState s =
        new SessionState(
            "media", null, List.of(SessionMessage.of(media), SessionMessage.of(ChatMessage.assistant("a cat"))), GenerationOptions.none(), null);
    store.save(s);
    assertThat(store.load("media")).contains(s);
  }

  @Test
  void twoProcessesTakeTurnsInOneSessionAndEachSeesTheOthersTurns() {
    SessionManager a = manager(store(), WhenBusy.FAIL);
    SessionManager b = manager(store(), WhenBusy.FAIL);
    ChatSession sa = a.session("shared");
    ChatSession sb = b.session("shared");
    assertThat(sa.send("one").text()).isEqualTo(REPLY);
    assertThat(sb.send("two").text()).isEqualTo(REPLY);
    assertThat(sa.send("three").text()).isEqualTo(REPLY);
    assertThat(userTexts(sb.history())).containsExactly("one", "two", "three");
    assertThat(userTexts(sa.history())).containsExactly("one", "two", "three");
    // b's second turn was sent with a's turns before it: the history it read under the lease
    assertThat(requests).hasSize(3);
    assertThat(requests.get(2)).contains("\"one\"", "\"two\"", "\"three\"");
  }

  @Test
  void aTurnRunningInOneProcessMakesTheOtherBusyOrWaitUntilItsTimeout() throws Exception {
    JdbcSessionStore storeA = store();
    SessionManager a = manager(storeA, WhenBusy.FAIL);
    SessionManager failing = manager(store(), WhenBusy.FAIL);
    SessionManager waiting = manager(store(), WhenBusy.WAIT);
    ExecutorService runner = Executors.newSingleThreadExecutor();
    try (Stream<String> running = a.session("s").sendStream("first")) {
      Iterator<String> it = running.iterator();
      assertThat(it.hasNext()).isTrue(); // the turn runs, under its lease
      assertThatThrownBy(() -> failing.session("s").send("second"))
          .isInstanceOf(SessionBusyException.class)
          .hasMessageContaining("another process");
      Future<?> waited = runner.submit(() -> waiting.session("s").send("third"));
      // the waiting manager tries again every 20 ms; its wait ends once its clock passed 5 s from
      // when it began (advanced a second at a time: the wait may begin after any of the steps)
      for (int i = 0; i < 600 && !waited.isDone(); i++) {
        clock.advance(Duration.ofSeconds(1));
        try {
          waited.get(50, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException stillWaitingOrDone) {
          // see isDone()
        }
      }
      assertThatThrownBy(() -> waited.get(1, TimeUnit.SECONDS)).hasCauseInstanceOf(SessionWaitTimeoutException.class);
      it.forEachRemaining(t -> {});
    } finally {
      runner.shutdownNow();
    }
    assertThat(userTexts(failing.session("s").history())).containsExactly("first");
    assertThat(failing.session("s").send("second").text()).isEqualTo(REPLY); // free again
    assertThat(userTexts(waiting.session("s").history())).containsExactly("first", "second");
  }

  @Test
  void aWaitingTurnRunsAsSoonAsTheOtherProcessIsDone() throws Exception {
    SessionManager a = manager(store(), WhenBusy.FAIL);
    SessionManager waiting = manager(store(), WhenBusy.WAIT);
    ExecutorService runner = Executors.newSingleThreadExecutor();
    try {
      Future<String> second;
      try (Stream<String> running = a.session("s").sendStream("first")) {
        Iterator<String> it = running.iterator();
        assertThat(it.hasNext()).isTrue();
        second = runner.submit(() -> waiting.session("s").send("second").text());
        it.forEachRemaining(t -> {});
      }
      assertThat(second.get(30, TimeUnit.SECONDS)).isEqualTo(REPLY);
    } finally {
      runner.shutdownNow();
    }
    assertThat(userTexts(a.session("s").history())).containsExactly("first", "second");
  }

  @Test
  void aLeaseThatExpiredAndWasTakenCannotCommit() {
    JdbcSessionStore slow = store();
    JdbcSessionStore other = store();
    other.save(state("s", "before"));
    SharedSessionStore.Lease stale = slow.tryLease("s").orElseThrow();
    assertThat(stale.load()).contains(state("s", "before"));
    assertThat(other.tryLease("s")).as("held").isEmpty();
    clock.advance(Duration.ofSeconds(31)); // the slow process stalled past its lease (no renewal ran on this clock)
    try (SharedSessionStore.Lease taken = other.tryLease("s").orElseThrow()) {
      taken.load();
      taken.save(state("s", "before", "theirs"));
    }
    assertThatThrownBy(() -> stale.save(state("s", "before", "mine")))
        .isInstanceOf(SessionConflictException.class)
        .hasMessageContaining("lease expired")
        .hasMessageContaining("nothing was written");
    stale.close();
    assertThat(other.load("s")).contains(state("s", "before", "theirs"));
  }

  @Test
  void aWriteSinceTheReadIsAConflictAndNothingIsWritten() {
    JdbcSessionStore store = store();
    store.save(state("s", "one"));
    try (SharedSessionStore.Lease lease = store.tryLease("s").orElseThrow()) {
      lease.load();
      store.save(state("s", "one", "sneaked in")); // a write that bypassed the lease
      assertThatThrownBy(() -> lease.save(state("s", "one", "two")))
          .isInstanceOf(SessionConflictException.class)
          .hasMessageContaining("another process wrote or deleted it");
    }
    assertThat(store.load("s")).contains(state("s", "one", "sneaked in"));
    try (SharedSessionStore.Lease lease = store.tryLease("new").orElseThrow()) {
      assertThat(lease.load()).isEmpty();
      store.save(state("new", "first writer"));
      assertThatThrownBy(() -> lease.save(state("new", "second writer"))).isInstanceOf(SessionConflictException.class);
    }
  }

  @Test
  void aGivenBackLeaseCanBeTakenAtOnceAndLeasesAreRenewedWhileHeld() throws Exception {
    JdbcSessionStore store = JdbcSessionStore.builder(pg.dataSource()).leaseTime(Duration.ofSeconds(30)).clock(clock).build();
    open.add(store);
    SharedSessionStore.Lease first = store.tryLease("s").orElseThrow();
    first.close();
    try (SharedSessionStore.Lease second = store.tryLease("s").orElseThrow()) {
      assertThat(second.id()).isEqualTo("s");
      long before = leaseUntil("s");
      clock.advance(Duration.ofSeconds(2));
      store.renew(); // what the renewal thread runs every third of the lease time: the end moves with the clock
      assertThat(leaseUntil("s")).isEqualTo(before + 2000);
      assertThat(store.tryLease("s")).isEmpty();
    }
  }

  private static long leaseUntil(String id) throws Exception {
    try (Connection c = pg.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT until_ms FROM llama_session_leases WHERE id = '" + id + "'")) {
      assertThat(rs.next()).isTrue();
      return rs.getLong(1);
    }
  }

  @Test
  void theSchemaIsCreatedOnceByStoresStartingTogetherAndANewerOneIsRefused() throws Exception {
    ExecutorService starters = Executors.newFixedThreadPool(4);
    try {
      List<Future<JdbcSessionStore>> stores = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        stores.add(starters.submit(() -> JdbcSessionStore.builder(pg.dataSource()).tablePrefix("team_").build()));
      }
      for (Future<JdbcSessionStore> f : stores) {
        open.add(f.get(60, TimeUnit.SECONDS));
      }
    } finally {
      starters.shutdownNow();
    }
    try (Connection c = pg.dataSource().getConnection();
        Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery("SELECT count(*) FROM team_schema")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(1);
      }
      st.execute("UPDATE team_schema SET version = 2");
    }
    assertThatThrownBy(() -> JdbcSessionStore.builder(pg.dataSource()).tablePrefix("team_").build())
        .isInstanceOf(SessionSchemaException.class)
        .hasMessageContaining("schema version 2, newer than this library's (1)");
    assertThatThrownBy(() -> JdbcSessionStore.builder(pg.dataSource()).tablePrefix("x; DROP TABLE y"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tablePrefix must be");
  }
}
