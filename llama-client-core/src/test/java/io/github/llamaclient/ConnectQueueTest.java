package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.testing.Await;
import io.github.llamaclient.testing.FakeClock;
import io.github.llamaclient.testing.FullAcceptQueue;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link LlamaClientBuilder#maxConcurrentConnects(int)}: a connect beyond the limit waits its turn
 * instead of joining a flood, on every face and both transports. The server is a loopback listener
 * whose accept queue is full, so a connect to it stays in progress (Linux drops the SYNs) for as
 * long as the test wants; time is a {@link FakeClock}.
 */
@Timeout(60)
class ConnectQueueTest {
  private static final ChatRequest REQUEST = ChatRequest.builder().user("hi").build();
  /** The stream that holds the one place: its own response limit, far beyond the test's. */
  private static final ChatRequest HOLDER = ChatRequest.builder().user("hi").responseTimeout(Duration.ofHours(1)).build();
  private static final Duration RESPONSE_LIMIT = Duration.ofSeconds(10);

  private final FakeClock clock = new FakeClock();
  private final ExecutorService runner = Executors.newCachedThreadPool();
  /** Filled once for the class: the connects the tests cancel never reach its accept queue. */
  private static FullAcceptQueue full;
  private LlamaClient client;

  @BeforeAll
  static void fillTheAcceptQueue() throws IOException {
    full = new FullAcceptQueue();
  }

  @AfterEach
  void stop() {
    runner.shutdownNow();
    if (client != null) {
      client.close();
    }
  }

  @AfterAll
  static void emptyTheAcceptQueue() throws IOException {
    full.close();
  }

  private LlamaClient client(Transports transport) {
    return transport
        .builder(java.net.URI.create("http://127.0.0.1:" + full.port()))
        .clock(clock)
        .maxConcurrentConnects(1)
        .connectTimeout(Duration.ofMinutes(10)) // the kernel's or the JDK's timer: never reached here
        .responseTimeout(RESPONSE_LIMIT)
        .build();
  }

  @ParameterizedTest(name = "{0} over {1}")
  @MethodSource("io.github.llamaclient.Transports#faces")
  void aConnectBeyondTheLimitWaitsAndTheResponseLimitEndsTheWaitWithAQueueWait(Faces face, Transports transport) throws Exception {
    client = client(transport);
    StreamHandle<ChatResult> holder = client.chat().subscribe(HOLDER, StreamListener.of(s -> {}, r -> {}, e -> {}));
    try {
      Await.until("the first connect in progress", () -> client.connectsInProgress() == 1);

      Future<Faces.Outcome> waiting = runner.submit(() -> face.run(client, REQUEST));
      Await.until("the second connect waiting", () -> client.connectsWaiting() == 1);
      Faces.Outcome o = clock.advanceUntilDone(waiting, Duration.ofSeconds(1));

      assertThat(o.failure())
          .isInstanceOfSatisfying(
              LlamaTimeoutException.QueueWait.class,
              e -> {
                assertThat(e.limit()).isEqualTo(RESPONSE_LIMIT);
                assertThat(e.getMessage())
                    .contains(
                        "queue timeout",
                        "a place to connect to 127.0.0.1:" + full.port(),
                        "1 connect in progress",
                        "maxConcurrentConnects",
                        "/v1/chat/completions");
              });
      assertThat(client.connectsWaiting()).isZero();
      assertThat(client.connectsInProgress()).as("the holder still connects").isEqualTo(1);
    } finally {
      holder.cancel();
    }
  }

  @ParameterizedTest(name = "{0} over {1}")
  @MethodSource("io.github.llamaclient.Transports#faces")
  void aConnectThatEndsGivesItsPlaceToTheOneWaiting(Faces face, Transports transport) throws Exception {
    client = client(transport);
    StreamHandle<ChatResult> holder = client.chat().subscribe(HOLDER, StreamListener.of(s -> {}, r -> {}, e -> {}));
    Await.until("the first connect in progress", () -> client.connectsInProgress() == 1);
    Future<Faces.Outcome> next = runner.submit(() -> face.run(client, REQUEST));
    Await.until("the second connect waiting", () -> client.connectsWaiting() == 1);

    holder.cancel(); // its connect ends: the place passes on
    Await.until("the waiting connect admitted", () -> client.connectsWaiting() == 0);
    assertThat(client.connectsInProgress()).isEqualTo(1);

    // now it connects itself, to a server that never accepts: the response limit ends that, as a
    // response timeout, not a wait for a place
    Faces.Outcome o = clock.advanceUntilDone(next, Duration.ofSeconds(1));
    assertThat(o.failure()).isInstanceOf(LlamaTimeoutException.ResponseHeaders.class);
    Await.until("the place given back", () -> client.connectsInProgress() == 0);
  }

  @ParameterizedTest
  @EnumSource(Transports.class)
  void aStreamCancelledWhileItWaitsLeavesTheQueue(Transports transport) throws Exception {
    client = client(transport);
    StreamHandle<ChatResult> holder = client.chat().subscribe(HOLDER, StreamListener.of(s -> {}, r -> {}, e -> {}));
    try {
      Await.until("the first connect in progress", () -> client.connectsInProgress() == 1);
      StreamHandle<ChatResult> second = client.chat().subscribe(REQUEST, StreamListener.of(s -> {}, r -> {}, e -> {}));
      Await.until("the second connect waiting", () -> client.connectsWaiting() == 1);
      second.cancel();
      Await.until("the cancelled connect gone from the queue", () -> client.connectsWaiting() == 0);
      assertThat(client.connectsInProgress()).isEqualTo(1);
    } finally {
      holder.cancel();
    }
    Await.until("the holder's place given back", () -> client.connectsInProgress() == 0);
  }
}
