package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamaclient.testing.FakeClock;
import io.github.llamaclient.testing.FullAcceptQueue;
import io.github.llamaclient.testing.RawServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Nothing hangs: each limit fails with its own type, naming the limit, and closes the connection.
 * Time is a {@link FakeClock} that the test (or the stand-in server) advances: no test waits for a
 * limit in real time, except the connect timeout, which the operating system's connect enforces.
 */
@Timeout(30)
class TimeoutTest {
  private static final ChatRequest REQUEST = ChatRequest.builder().user("hi").build();
  private static final Duration LIMIT = Duration.ofMillis(300);
  private static final Duration CONNECT_LIMIT = Duration.ofMillis(1);

  private final FakeClock clock = new FakeClock();
  private final ExecutorService runner = Executors.newCachedThreadPool();
  private RawServer server;
  private LlamaClient client;

  /** The transport the faces read through (the default one unless a case says otherwise). */
  private Transports via = Transports.HTTP1;

  private LlamaClientBuilder builder() {
    return via.builder(server.url()).clock(clock);
  }

  /** Every face with every transport it reads through, so every path keeps the same limits. */
  static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> faces() {
    return Transports.faces();
  }

  /**
   * Runs the face on another thread; once {@code ready} (the precondition that makes only the limit
   * under test possible), advances the fake clock until the face has its outcome.
   */
  private Faces.Outcome advancing(Faces face, CountDownLatch ready) throws Exception {
    Future<Faces.Outcome> f = runner.submit(() -> face.run(client, REQUEST));
    assertThat(ready.await(20, TimeUnit.SECONDS)).as("precondition reached").isTrue();
    return clock.advanceUntilDone(f, LIMIT); // the exchange may not be waiting in its I/O yet
  }

  /** A wire listener that counts down when the client has read a line containing {@code text}. */
  private static WireListener seen(String text, CountDownLatch latch) {
    return new WireListener() {
      @Override
      public void onLine(java.net.URI uri, String line, Duration sinceRequest) {
        if (line.contains(text)) {
          latch.countDown();
        }
      }
    };
  }

  @AfterEach
  void stop() {
    runner.shutdownNow();
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void connectTimeout() throws Exception {
    try (FullAcceptQueue full = new FullAcceptQueue()) {
      // The connect limit is the kernel's (Socket.connect), the JDK client's, or the reader
      // threads' (a task on the client's clock, here the system's); a connect to a full queue can
      // never succeed, so 1 ms fails the same way 5 s would, without the test waiting for time to pass.
      for (Transports t : Transports.values()) {
        try (LlamaClient c = t.builder(java.net.URI.create("http://127.0.0.1:" + full.port())).connectTimeout(CONNECT_LIMIT).build()) {
          for (Faces face : new Faces[] {Faces.EVENTS, Faces.PUBLISHER, Faces.CALLBACKS, Faces.BLOCKING}) {
            boolean pushed = face == Faces.PUBLISHER || face == Faces.CALLBACKS;
            if (!t.distinctFor(pushed)) {
              continue;
            }
            Faces.Outcome o = face.run(c, REQUEST);
            assertThat(o.failure())
                .as(face + " over " + t)
                .isInstanceOfSatisfying(
                    LlamaTimeoutException.Connect.class,
                    e -> {
                      assertThat(e.limit()).isEqualTo(CONNECT_LIMIT);
                      assertThat(e.getMessage()).contains("connect timeout", "PT0.001S", "127.0.0.1:" + full.port());
                    });
          }
        }
      }
    }
  }

  @ParameterizedTest(name = "{0} over {1}")
  @MethodSource("faces")
  void responseHeadersTimeout(Faces face, Transports via) throws Exception {
    this.via = via;
    // llama-server sends the headers with the first token: a server that reads the request and
    // says nothing is one still processing the prompt
    CountDownLatch asked = new CountDownLatch(1);
    server = RawServer.start(c -> {
      asked.countDown();
      c.awaitClientClose(Duration.ofSeconds(60));
    });
    client = builder().responseTimeout(LIMIT).build();
    Faces.Outcome o = advancing(face, asked);
    assertThat(o.failure())
        .isInstanceOfSatisfying(
            LlamaTimeoutException.ResponseHeaders.class,
            e -> {
              assertThat(e.limit()).isEqualTo(LIMIT);
              assertThat(e.getMessage()).contains("response timeout", "PT0.3S", server.url().toString());
            });
    assertThat(server.awaitDisconnect(Duration.ofSeconds(10))).as("connection closed").isNotNull();
    assertThat(server.accepted()).as("a timeout is not retried").isEqualTo(1);
  }

  /**
   * A server that sends {@code n} events {@code gap} apart on the fake clock, each only after the
   * client has read the one before (so the clock never runs ahead of the client's reading).
   */
  private RawServer pacedServer(int n, Duration gap, java.util.concurrent.Semaphore read) {
    return RawServer.start(c -> {
      c.sseHeaders();
      read.acquire(); // the client has the head
      for (int i = 0; i < n; i++) {
        clock.advance(gap);
        c.chunk(RawServer.contentEvent("t" + i + " "));
        read.acquire();
      }
      c.chunk(RawServer.finishEvent());
      c.chunk("data: [DONE]\n\n");
      c.endChunks();
    });
  }

  private static WireListener releasing(java.util.concurrent.Semaphore read) {
    return new WireListener() {
      @Override
      public void onResponse(java.net.URI uri, int status, java.util.Map<String, java.util.List<String>> headers, Duration since) {
        read.release();
      }

      @Override
      public void onLine(java.net.URI uri, String line, Duration since) {
        if (line.startsWith("data:")) {
          read.release();
        }
      }
    };
  }

  @Test
  void theResponseTimeoutDoesNotLimitALongStream() {
    // 12 events 100 ms apart: 1.2 s in all, four times the response limit
    java.util.concurrent.Semaphore read = new java.util.concurrent.Semaphore(0);
    server = pacedServer(12, Duration.ofMillis(100), read);
    client = builder().responseTimeout(LIMIT).wireListener(releasing(read)).build();
    assertThat(client.chat().call(REQUEST).text()).startsWith("t0 t1 ").endsWith("t11 ");
  }

  @ParameterizedTest(name = "{0} over {1}")
  @MethodSource("faces")
  void idleTimeoutBetweenChunks(Faces face, Transports via) throws Exception {
    this.via = via;
    server =
        RawServer.start(
            c -> {
              c.sseHeaders();
              c.chunk(RawServer.contentEvent("a"));
              c.chunk(RawServer.contentEvent("b"));
              c.awaitClientClose(Duration.ofSeconds(60)); // stalls
            });
    CountDownLatch readB = new CountDownLatch(1);
    client = builder().idleTimeout(LIMIT).wireListener(seen("\"b\"", readB)).build();
    Faces.Outcome o = advancing(face, readB);
    assertThat(o.failure())
        .isInstanceOfSatisfying(
            LlamaTimeoutException.Idle.class,
            e -> {
              assertThat(e.limit()).isEqualTo(LIMIT);
              assertThat(e.getMessage()).contains("idle timeout", "PT0.3S", server.url().toString());
            });
    if (face.streamsText()) {
      assertThat(o.text()).isEqualTo("ab");
    }
    assertThat(server.awaitDisconnect(Duration.ofSeconds(10))).as("connection closed").isNotNull();
  }

  @Test
  void theIdleTimeoutIsBetweenChunksNotForTheWholeStream() {
    // 10 events 100 ms apart with an idle limit of 300 ms: the watchdog must be re-armed, not fire
    java.util.concurrent.Semaphore read = new java.util.concurrent.Semaphore(0);
    server = pacedServer(10, Duration.ofMillis(100), read);
    client = builder().idleTimeout(LIMIT).wireListener(releasing(read)).build();
    assertThat(client.chat().call(REQUEST).text()).endsWith("t9 ");
  }

  @Test
  void aSlowConsumerIsNotAnIdleServer() throws Exception {
    // the server sends everything at once; the consumer takes longer than the idle limit
    // between events: a pulled stream counts the limit only while the consumer waits for the server
    server = RawServer.start(c -> c.slowEvents(Duration.ofMillis(1), 3));
    client = builder().idleTimeout(LIMIT).build();
    StringBuilder sb = new StringBuilder();
    try (Stream<String> s = client.generateStream(REQUEST)) {
      Iterator<String> it = s.iterator();
      while (it.hasNext()) {
        sb.append(it.next());
        clock.advance(LIMIT.multipliedBy(3)); // busy elsewhere
      }
    }
    assertThat(sb).hasToString("t0 t1 t2 ");
  }

  @ParameterizedTest(name = "{0} over {1}")
  @MethodSource("faces")
  void anErrorBodyThatStallsTimesOut(Faces face, Transports via) throws Exception {
    this.via = via;
    // headers of chat-error-context-exceeded, then part of its body, then silence
    CountDownLatch wrote = new CountDownLatch(1);
    server =
        RawServer.start(
            c -> {
              c.write(
                  "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\n"
                      + "Server: llama.cpp\r\nContent-Length: 195\r\n\r\n{\"error\":{\"code\":400,");
              wrote.countDown();
              c.awaitClientClose(Duration.ofSeconds(60));
            });
    client = builder().idleTimeout(LIMIT).build();
    Faces.Outcome o = advancing(face, wrote);
    assertThat(o.failure()).isInstanceOf(LlamaTimeoutException.Idle.class);
    assertThat(server.awaitDisconnect(Duration.ofSeconds(10))).as("connection closed").isNotNull();
  }

  @Test
  void aTimeoutIsALlamaExceptionCarryingItsLimit() throws Exception {
    CountDownLatch asked = new CountDownLatch(1);
    server = RawServer.start(c -> {
      asked.countDown();
      c.awaitClientClose(Duration.ofSeconds(60));
    });
    client = builder().responseTimeout(LIMIT).build();
    assertThat(advancing(Faces.BLOCKING, asked).failure())
        .isInstanceOf(LlamaTimeoutException.class)
        .isInstanceOf(LlamaException.class)
        .hasMessageContaining("(limit PT0.3S)");
  }

  @ParameterizedTest(name = "{0} over {1}")
  @MethodSource("faces")
  void aServerThatOnlyPingsIsStoppedByTheTotalDeadline(Faces face, Transports via) throws Exception {
    this.via = via;
    // comments keep the idle limit from firing; only a deadline for the whole call ends this.
    // Lock-step, so that load cannot starve the pings: the server sends one ping per round, and
    // the clock moves on only once the client has read it (the wire trace sees every line).
    java.util.concurrent.Semaphore go = new java.util.concurrent.Semaphore(0);
    server = RawServer.start(c -> {
      c.sseHeaders();
      while (go.tryAcquire(20, TimeUnit.SECONDS) && !c.clientClosed()) {
        c.chunk(": ping\n\n");
      }
    });
    java.util.concurrent.atomic.AtomicInteger pings = new java.util.concurrent.atomic.AtomicInteger();
    WireListener counter =
        new WireListener() {
          @Override
          public void onLine(java.net.URI uri, String line, Duration sinceRequest) {
            if (line.equals(": ping")) {
              pings.incrementAndGet();
            }
          }
        };
    client = builder().idleTimeout(Duration.ofSeconds(1)).totalTimeout(Duration.ofSeconds(5)).wireListener(counter).build();
    Future<Faces.Outcome> f = runner.submit(() -> face.run(client, REQUEST));
    for (int round = 1; !f.isDone(); round++) {
      assertThat(round).as("rounds of 100 ms before the 5 s deadline").isLessThanOrEqualTo(60);
      go.release();
      int sent = round;
      io.github.llamaclient.testing.Await.until("ping " + round + " read by the client", () -> pings.get() >= sent || f.isDone());
      clock.advance(Duration.ofMillis(100)); // never a silence of 1 s: a ping was read in every step
    }
    assertThat(f.get().failure())
        .isInstanceOfSatisfying(
            LlamaTimeoutException.Total.class, e -> assertThat(e.limit()).isEqualTo(Duration.ofSeconds(5)));
    go.release(); // the server's next ping finds the connection closed
    assertThat(server.awaitDisconnect(Duration.ofSeconds(10))).as("connection closed").isNotNull();
  }

  @Test
  void aBodyLeftOpenAfterDoneIsClosedAtOnce() throws Exception {
    // [DONE] arrives, then the server keeps the chunked body open: the caller has its result at
    // once and the connection is closed (llama-server closes a streamed connection anyway)
    server =
        RawServer.start(
            c -> {
              c.sseHeaders();
              c.chunk(RawServer.contentEvent("ok"));
              c.chunk(RawServer.finishEvent());
              c.chunk("data: [DONE]\n\n");
              c.awaitClientClose(Duration.ofSeconds(60));
            });
    client = builder().idleTimeout(LIMIT).build();
    assertThat(client.chat().call(REQUEST).text()).isEqualTo("ok");
    assertThat(server.awaitDisconnect(Duration.ofSeconds(10))).as("connection closed").isNotNull();
  }

  @ParameterizedTest(name = "read on the consuming thread: {0}")
  @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
  void aRequestsOwnResponseTimeoutWinsOverTheClients(boolean readOnConsumingThread) throws Exception {
    CountDownLatch asked = new CountDownLatch(1);
    server = RawServer.start(c -> {
      asked.countDown();
      c.awaitClientClose(Duration.ofSeconds(60));
    });
    client = builder().responseTimeout(Duration.ofMinutes(10)).readOnConsumingThread(readOnConsumingThread).build();
    ChatRequest quick = ChatRequest.builder().user("hi").responseTimeout(Duration.ofSeconds(2)).build();
    Future<Throwable> f = runner.submit(() -> Faces.BLOCKING.run(client, quick).failure());
    assertThat(asked.await(20, TimeUnit.SECONDS)).isTrue();
    while (!f.isDone()) {
      clock.advance(Duration.ofMillis(500)); // far from the client's 10 minutes
      try {
        f.get(5, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        // on
      }
    }
    assertThat(f.get())
        .isInstanceOfSatisfying(
            LlamaTimeoutException.ResponseHeaders.class, e -> assertThat(e.limit()).isEqualTo(Duration.ofSeconds(2)));
  }

  @Test
  void aGetOfTheServersStateDoesNotWaitAsLongAsAPrompt() throws Exception {
    CountDownLatch asked = new CountDownLatch(1);
    server = RawServer.start(c -> {
      asked.countDown();
      c.awaitClientClose(Duration.ofSeconds(60));
    });
    client = builder().responseTimeout(Duration.ofMinutes(10)).build();
    Future<Throwable> f = runner.submit(() -> {
      try {
        client.server().props();
        return null;
      } catch (LlamaException e) {
        return e;
      }
    });
    assertThat(asked.await(20, TimeUnit.SECONDS)).isTrue();
    long advanced = 0;
    while (!f.isDone()) {
      clock.advance(Duration.ofSeconds(5));
      advanced += 5;
      try {
        f.get(5, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        // on
      }
    }
    assertThat(f.get())
        .isInstanceOfSatisfying(
            LlamaTimeoutException.ResponseHeaders.class, e -> assertThat(e.limit()).isEqualTo(Duration.ofSeconds(30)));
    assertThat(advanced).as("seconds of fake time").isLessThan(120);
  }
}
