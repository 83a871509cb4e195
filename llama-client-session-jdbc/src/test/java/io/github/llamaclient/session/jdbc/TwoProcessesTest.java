package io.github.llamaclient.session.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.session.SessionMessage;
import io.github.llamaclient.session.SessionState;
import io.github.llamaclient.testing.LlamaServerStub;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two JVMs, each with its own PostgreSQL-backed manager, run interleaved turns in the same 100
 * sessions against a replayed llama-server: no turn is lost or doubled, each process's turns stay
 * in order, and a {@code kill -9} of one loses at most the turn it had in flight.
 */
class TwoProcessesTest {
  private static final int SESSIONS = 100;
  private static final int TURNS_EACH = 10; // 20 per session, 10 from each process

  private static PostgresServer pg;
  private LlamaServerStub llama;
  private final List<Process> children = new ArrayList<>();

  @BeforeAll
  static void startPostgres() throws Exception {
    pg = PostgresServer.shared();
  }

  @BeforeEach
  void setUp() throws Exception {
    pg.reset();
    llama = JdbcSessionStoreTest.llamaServer(new java.util.concurrent.CopyOnWriteArrayList<>());
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Process p : children) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    llama.close();
  }

  /** A child JVM and the turns it reported committed, per session. */
  private final class Child {
    final Process process;
    final Map<String, Integer> committed = new ConcurrentHashMap<>();
    final AtomicInteger total = new AtomicInteger();
    final CountDownLatch done = new CountDownLatch(1);
    final java.util.concurrent.CompletableFuture<String> store = new java.util.concurrent.CompletableFuture<>();
    final StringBuilder output = new StringBuilder();

    Child(String name) throws Exception {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      process =
          new ProcessBuilder(
                  java, "-cp", System.getProperty("java.class.path"), TurnsChild.class.getName(),
                  pg.url(), llama.url().toString(), name, String.valueOf(SESSIONS), String.valueOf(TURNS_EACH))
              .redirectErrorStream(true)
              .start();
      children.add(process);
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line; (line = in.readLine()) != null; ) {
                    if (line.startsWith("store ")) {
                      store.complete(line.substring("store ".length()));
                    } else if (line.startsWith("ok ")) {
                      String[] f = line.split(" ");
                      committed.put(f[1], Integer.parseInt(f[2]));
                      total.incrementAndGet();
                    } else {
                      synchronized (output) {
                        output.append(line).append('\n');
                      }
                    }
                  }
                } catch (java.io.IOException e) {
                  // killed
                }
                done.countDown();
              },
              "child-" + name);
      reader.setDaemon(true);
      reader.start();
    }

    int awaitExit() throws Exception {
      assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("child ends").isTrue();
      assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
      return process.exitValue();
    }

    String output() {
      synchronized (output) {
        return output.toString();
      }
    }
  }

  /** The numbers of the turns process {@code name} has in the history, in history order. */
  private static List<Integer> turnsOf(SessionState s, String name) {
    List<Integer> turns = new ArrayList<>();
    List<SessionMessage> m = s.messages();
    for (int i = 0; i < m.size(); i++) {
      ChatMessage msg = m.get(i).message();
      if (msg.role().equals("user")) {
        assertThat(i + 1).as("a reply follows every user message").isLessThan(m.size());
        assertThat(m.get(i + 1).message().role()).isEqualTo("assistant");
        String text = msg.content();
        if (text != null && text.startsWith(name + "-")) {
          turns.add(Integer.parseInt(text.substring(name.length() + 1)));
        }
      }
    }
    return turns;
  }

  private static List<Integer> upTo(int n) {
    List<Integer> l = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      l.add(i);
    }
    return l;
  }

  @Test
  void twoJvmsRunInterleavedTurnsInTheSameSessionsWithoutLosingOrDoublingOne() throws Exception {
    Child a = new Child("A");
    Child b = new Child("B");
    assertThat(a.awaitExit()).as(a.output()).isZero();
    assertThat(b.awaitExit()).as(b.output()).isZero();
    try (JdbcSessionStore store = JdbcSessionStore.builder(pg.dataSource()).build()) {
      assertThat(store.ids()).hasSize(SESSIONS);
      for (int s = 0; s < SESSIONS; s++) {
        SessionState st = store.load("s" + s).orElseThrow();
        assertThat(st.messages()).as("s" + s).hasSize(2 * 2 * TURNS_EACH);
        assertThat(turnsOf(st, "A")).as("s" + s).isEqualTo(upTo(TURNS_EACH));
        assertThat(turnsOf(st, "B")).as("s" + s).isEqualTo(upTo(TURNS_EACH));
      }
    }
  }

  @Test
  void aKilledJvmLosesAtMostTheTurnInFlight() throws Exception {
    Child a = new Child("A");
    Child b = new Child("B");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (a.total.get() < SESSIONS * 3 && a.process.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(5); // a poll of the child's progress
    }
    assertThat(a.process.isAlive()).as("A is still running turns: " + a.output()).isTrue();
    a.process.destroyForcibly(); // kill -9, in the middle of a turn
    a.process.waitFor(30, TimeUnit.SECONDS);
    assertThat(a.done.await(30, TimeUnit.SECONDS)).isTrue();
    Map<String, Integer> reported = new HashMap<>(a.committed);
    // time passes for the dead process's leases (default lease time 30 s) without waiting for it:
    // they are moved to their end, as if the 30 s were over
    String deadOwners = a.store.get(10, TimeUnit.SECONDS) + "/%";
    try (java.sql.Connection c = pg.dataSource().getConnection();
        java.sql.PreparedStatement u = c.prepareStatement("UPDATE llama_session_leases SET until_ms = 0 WHERE owner LIKE ?")) {
      u.setString(1, deadOwners);
      u.executeUpdate();
    }
    assertThat(b.awaitExit()).as("B finishes, once A's leases expired: " + b.output()).isZero();
    int unreported = 0;
    try (JdbcSessionStore store = JdbcSessionStore.builder(pg.dataSource()).build()) {
      for (int s = 0; s < SESSIONS; s++) {
        SessionState st = store.load("s" + s).orElseThrow();
        assertThat(turnsOf(st, "B")).as("s" + s).isEqualTo(upTo(TURNS_EACH));
        List<Integer> ofA = turnsOf(st, "A");
        int told = reported.getOrDefault("s" + s, 0);
        assertThat(ofA).as("A's turns in s" + s + " are 1.." + ofA.size() + " in order").isEqualTo(upTo(ofA.size()));
        assertThat(ofA.size()).as("every turn A reported committed is there, s" + s).isGreaterThanOrEqualTo(told);
        unreported += ofA.size() - told;
      }
    }
    assertThat(unreported).as("turns committed but not reported before the kill (the one in flight)").isLessThanOrEqualTo(1);
  }
}
