package io.github.llamaclient.examples.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.ChatStream;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.LlamaException;
import io.github.llamaclient.ServerStatus;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Three real llama-servers (the tiny model of {@code .ci/live-server.sh}, which {@code
 * .ci/live-check.sh} names in {@code LLAMA_LIVE_SERVER_SCRIPT}) behind one client: 300 streams
 * spread by load; each session's turns stay on one server, whose prompt cache the later turns
 * reuse; one server killed mid-run fails its own streams with a typed error naming it while new
 * streams go to the others, nothing is sent twice, and the server takes requests again within
 * seconds of its restart. Prints the figures docs/fleet.md quotes.
 */
@EnabledIfEnvironmentVariable(named = "LLAMA_LIVE_SERVER_SCRIPT", matches = ".+")
@Timeout(300)
class LiveFleetTest {
  private static final int STREAMS = 300;
  private static final int SESSIONS = 32; // not a multiple of 3: turns taken in turn would change servers
  private final List<Process> servers = new ArrayList<>(List.of());
  private final List<Integer> ports = new ArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : servers) {
      if (p != null) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private Process start(int port) throws IOException {
    ProcessBuilder pb = new ProcessBuilder("sh", System.getenv("LLAMA_LIVE_SERVER_SCRIPT"));
    pb.environment().put("PORT", String.valueOf(port));
    pb.redirectErrorStream(true);
    pb.redirectOutput(new File(System.getProperty("java.io.tmpdir"), "llama-fleet-" + port + ".log"));
    return pb.start();
  }

  private static boolean healthy(int port) {
    try {
      HttpResponse<Void> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).timeout(Duration.ofSeconds(2)).build(),
                  HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static void awaitHealthy(int port) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!healthy(port)) {
      assertThat(System.nanoTime()).as("llama-server on port %d healthy within 60 s", port).isLessThan(end);
      Thread.sleep(100); // polls the server's start, no timeout is waited for
    }
  }

  private static ChatRequest turn(String session, int n) {
    // the same long first message for every turn of a session: later turns reuse it from the cache
    ChatRequest.Builder b =
        ChatRequest.builder()
            .user("Session " + session + ": tell me about AI, and about the history of computing in detail, please.")
            .maxTokens(8)
            .parameter("ignore_eos", true)
            .temperature(0);
    if (n > 0) {
      b.affinity(session);
    }
    return b.build();
  }

  @Test
  void threeServersSpreadStickFailOverAndReadmit() throws Exception {
    for (int i = 0; i < 3; i++) {
      int port = freePort();
      ports.add(port);
      servers.add(start(port));
    }
    for (int port : ports) {
      awaitHealthy(port);
    }
    List<URI> urls = ports.stream().map(p -> URI.create("http://127.0.0.1:" + p)).toList();
    // tag::fleet[]
    LlamaClient client =
        LlamaClient.builder()
            .servers(urls) // List<URI>: llama-servers serving the same model
            .probeInterval(Duration.ofMillis(500)) // each one's /health and /slots (default 2 s)
            .build();
    // end::fleet[]
    try (client) {
      client.fleet().probe();
      assertThat(client.fleet().servers()).allSatisfy(s -> assertThat(s.state()).isEqualTo(ServerStatus.State.UP));

      // 1. sessions: each session's turns go to one server, and later turns hit its prompt cache
      // (the share of each later turn's prompt that came from the cache: without affinity, two
      // turns in three would land on a server that never saw the session, and reuse only the
      // template's first tokens)
      Map<String, Double> cached = new ConcurrentHashMap<>();
      for (int t = 0; t < 3; t++) {
        for (int s = 0; s < SESSIONS; s++) {
          ChatResult r = client.chat().call(turn("s" + s, 1));
          if (t > 0) {
            double share = r.timings().cacheN() / (double) (r.timings().cacheN() + r.timings().promptN());
            cached.merge("s" + s, share, Math::min);
          }
        }
      }
      System.out.println("fleet figures: least share of a later turn's prompt from the cache, per session: " + cached);
      assertThat(cached).hasSize(SESSIONS).allSatisfy((s, share) -> assertThat(share).as("cached share of %s's later turns", s).isGreaterThan(0.5));
      List<ServerStatus> afterSessions = client.fleet().servers();
      assertThat(afterSessions).allSatisfy(s -> assertThat(s.routed()).as("sessions on %s", s.url()).isPositive());

      // 2. 300 streams from 12 threads; one server killed a third of the way in
      int victim = 1;
      ExecutorService callers = Executors.newFixedThreadPool(12);
      AtomicInteger done = new AtomicInteger();
      List<String> failures = new CopyOnWriteArrayList<>();
      CountDownLatch third = new CountDownLatch(STREAMS / 3);
      List<Future<?>> all = new ArrayList<>();
      for (int i = 0; i < STREAMS; i++) {
        int n = i;
        all.add(
            callers.submit(
                () -> {
                  try (ChatStream s = client.chat().stream(turn("load" + n, n % 2))) {
                    for (ChatEvent e : s) {
                      // read to the end
                    }
                    s.result();
                    done.incrementAndGet();
                  } catch (LlamaException e) {
                    failures.add(e.getClass().getSimpleName() + ": " + e.getMessage());
                  } finally {
                    third.countDown();
                  }
                }));
      }
      assertThat(third.await(120, TimeUnit.SECONDS)).isTrue();
      servers.get(victim).destroyForcibly();
      servers.get(victim).waitFor(10, TimeUnit.SECONDS);
      long killedAt = System.nanoTime();
      while (client.fleet().servers().get(victim).state() != ServerStatus.State.DOWN) {
        assertThat(System.nanoTime() - killedAt).as("found down within 5 s").isLessThan(TimeUnit.SECONDS.toNanos(5));
        Thread.sleep(5); // polls the client's view, no timeout is waited for
      }
      long downAt = System.nanoTime();
      for (Future<?> f : all) {
        f.get(240, TimeUnit.SECONDS);
      }
      callers.shutdown();
      List<ServerStatus> afterKill = client.fleet().servers();
      String victimAddress = "127.0.0.1:" + ports.get(victim);
      assertThat(done.get() + failures.size()).isEqualTo(STREAMS);
      assertThat(failures).as("only the killed server's own streams fail, each naming it").allSatisfy(f -> assertThat(f).contains(victimAddress));
      assertThat(failures.size()).as("at most its slots' worth of streams were in flight there").isLessThanOrEqualTo(12);
      long attempts = afterKill.stream().mapToLong(ServerStatus::routed).sum();
      long connectFailures = afterKill.stream().mapToLong(ServerStatus::connectFailures).sum();
      long sessionRequests = afterSessions.stream().mapToLong(ServerStatus::routed).sum();
      assertThat(attempts - connectFailures - sessionRequests).as("each stream reached a server once").isEqualTo(STREAMS);

      // 3. restart on the same port: taken back within seconds
      servers.set(victim, start(ports.get(victim)));
      long restartedAt = System.nanoTime();
      awaitHealthy(ports.get(victim));
      long healthyAt = System.nanoTime();
      long routedBefore = client.fleet().servers().get(victim).routed();
      long readmittedAt = 0;
      while (readmittedAt == 0) {
        client.chat().call(turn("after", 0));
        if (client.fleet().servers().get(victim).routed() > routedBefore) {
          readmittedAt = System.nanoTime();
        }
        assertThat(System.nanoTime() - healthyAt).as("taken back within 5 s of answering /health").isLessThan(TimeUnit.SECONDS.toNanos(5));
      }
      System.out.printf(
          "fleet figures: streams per server %s; failed with the killed server %d; connect failures moved elsewhere %d;"
              + " down detected %d ms after the kill; restart to healthy %d ms; healthy to taken back %d ms%n",
          afterKill.stream().map(s -> s.url().getPort() + "=" + s.routed()).toList(),
          failures.size(),
          connectFailures,
          TimeUnit.NANOSECONDS.toMillis(downAt - killedAt),
          TimeUnit.NANOSECONDS.toMillis(healthyAt - restartedAt),
          TimeUnit.NANOSECONDS.toMillis(readmittedAt - healthyAt));
    }
  }
}
