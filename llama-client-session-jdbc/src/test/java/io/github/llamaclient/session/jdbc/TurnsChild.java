package io.github.llamaclient.session.jdbc;

import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.session.SessionManager;
import io.github.llamaclient.session.WhenBusy;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One of the "processes" of {@link TwoProcessesTest}: a JVM with its own store and manager that
 * runs {@code turns} turns in each of {@code sessions} sessions, turn-major (every session's turn 1,
 * then every session's turn 2, ...), so that two such JVMs keep meeting in the same sessions. Each
 * turn says "{@code name}-{@code k}"; after each committed turn it prints "ok {@code session k}".
 * First it prints "store {@code id}", the prefix of the lease owners it writes.
 *
 * <p>Arguments: JDBC URL, llama-server URL, name, sessions, turns.
 */
public final class TurnsChild {
  private TurnsChild() {}

  public static void main(String[] args) throws Exception {
    String jdbc = args[0];
    String llama = args[1];
    String name = args[2];
    int sessions = Integer.parseInt(args[3]);
    int turns = Integer.parseInt(args[4]);
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    try (UrlDataSource data = new UrlDataSource(jdbc);
        JdbcSessionStore store = JdbcSessionStore.builder(data).build();
        LlamaClient client = LlamaClient.builder().baseUrl(llama).build();
        SessionManager manager =
            SessionManager.builder(client).store(store).whenBusy(WhenBusy.WAIT).waitTimeout(Duration.ofMinutes(2)).maxInMemory(10).build()) {
      out.println("store " + store.instance()); // the prefix of its lease owners
      for (int k = 1; k <= turns; k++) {
        for (int s = 0; s < sessions; s++) {
          manager.session("s" + s).send(name + "-" + k);
          out.println("ok s" + s + " " + k);
        }
      }
    }
    out.println("done");
  }
}
