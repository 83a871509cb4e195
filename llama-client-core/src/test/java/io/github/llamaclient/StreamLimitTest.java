package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamaclient.testing.Await;
import io.github.llamaclient.testing.FakeClock;
import io.github.llamaclient.testing.Transcript;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client-side limit on concurrent streams: FIFO wait, bounded queue, queue timeout, no leaked places. */
@Timeout(60)
class StreamLimitTest {
  private MockWebServer server;
  private LlamaClient client;
  private static final ChatRequest REQUEST = ChatRequest.builder().user("Hi").build();

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    server.start();
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    server.close();
  }

  /** A replay whose headers come only after a while: a stream that stays busy until closed. */
  private static MockResponse slow() {
    return Transcript.load("chat-stream-basic").response().newBuilder().headersDelay(3, TimeUnit.SECONDS).build();
  }

  private LlamaClientBuilder builder() {
    return LlamaClient.builder().baseUrl(server.url("/").uri());
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    Await.until("the stream limiter's state", condition);
  }

  @Test
  void extraStreamWaitsAndStartsWhenOneCloses() throws Exception {
    client = builder().maxConcurrentStreams(2).build();
    server.enqueue(slow());
    server.enqueue(slow());
    Transcript basic = Transcript.load("chat-stream-basic");
    server.enqueue(basic.response());
    ChatStream a = client.chat().stream(REQUEST);
    ChatStream b = client.chat().stream(REQUEST);
    ChatStream c = client.chat().stream(REQUEST); // returns at once: nobody blocks
    await(() -> server.getRequestCount() == 2);
    StreamLimiter limiter = client.limiter();
    // c is queued: only a place freed by a or b takes it out of the queue, so it cannot have sent
    assertThat(limiter.running()).isEqualTo(2);
    assertThat(limiter.queued()).isEqualTo(1);
    assertThat(server.getRequestCount()).isEqualTo(2);
    a.close();
    String text = c.events().filter(e -> e instanceof ChatEvent.Content).map(e -> ((ChatEvent.Content) e).text()).collect(Collectors.joining());
    assertThat(text).isEqualTo(basic.expectedContent());
    assertThat(server.getRequestCount()).isEqualTo(3);
    b.close();
    await(() -> limiter.running() == 0 && limiter.queued() == 0);
  }

  @Test
  void waitingIsFirstInFirstOut() throws Exception {
    client = builder().maxConcurrentStreams(1).build();
    server.enqueue(slow());
    ChatStream first = client.chat().stream(REQUEST);
    await(() -> server.getRequestCount() == 1);
    List<ChatStream> waiting = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      waiting.add(client.chat().stream(ChatRequest.builder().user("n" + i).build()));
    }
    for (int i = 0; i < 3; i++) {
      server.enqueue(Transcript.load("chat-stream-basic").response());
    }
    first.close();
    for (ChatStream s : waiting) {
      s.result();
    }
    server.takeRequest();
    for (int i = 0; i < 3; i++) {
      assertThat(server.takeRequest().getBody().utf8()).contains("\"n" + i + "\"");
    }
  }

  @Test
  void fullQueueIsATypedRejectionNotAHang() throws Exception {
    client = builder().maxConcurrentStreams(1).maxQueuedStreams(1).build();
    server.enqueue(slow());
    ChatStream a = client.chat().stream(REQUEST);
    ChatStream b = client.chat().stream(REQUEST);
    ChatStream c = client.chat().stream(REQUEST);
    assertThatThrownBy(c::result)
        .isInstanceOfSatisfying(
            TooManyStreamsException.class,
            e -> {
              assertThat(e.maxConcurrent()).isEqualTo(1);
              assertThat(e.maxQueued()).isEqualTo(1);
            });
    // the publisher face gets the same rejection through onError
    java.util.concurrent.CompletableFuture<Throwable> error = new java.util.concurrent.CompletableFuture<>();
    client.chat().subscribe(REQUEST, StreamListener.ofEvents(e -> {}, r -> {}, error::complete));
    assertThat(error.get(5, TimeUnit.SECONDS)).isInstanceOf(TooManyStreamsException.class);
    b.close(); // cancel while queued: leaves the queue
    a.close();
    StreamLimiter limiter = client.limiter();
    await(() -> limiter.running() == 0 && limiter.queued() == 0);
    assertThat(server.getRequestCount()).isLessThanOrEqualTo(1);
  }

  @Test
  void queueWaitTimesOutWithItsOwnType() throws Exception {
    FakeClock clock = new FakeClock();
    client = builder().clock(clock).maxConcurrentStreams(1).queueTimeout(Duration.ofMillis(200)).build();
    server.enqueue(slow());
    ChatStream a = client.chat().stream(REQUEST);
    ChatStream b = client.chat().stream(REQUEST);
    StreamLimiter waiting = client.limiter();
    assertThat(waiting.queued()).as("b waits for a's place").isEqualTo(1);
    clock.advance(Duration.ofMillis(199));
    assertThat(waiting.queued()).as("not yet timed out").isEqualTo(1);
    clock.advance(Duration.ofMillis(1)); // the queue timer runs now, on this thread
    assertThat(waiting.queued()).as("timed out, b left the queue").isZero();
    assertThatThrownBy(b::result)
        .isInstanceOfSatisfying(
            LlamaTimeoutException.QueueWait.class, e -> assertThat(e.limit()).isEqualTo(Duration.ofMillis(200)));
    a.close();
    StreamLimiter limiter = client.limiter();
    await(() -> limiter.running() == 0 && limiter.queued() == 0);
  }

  @Test
  void concurrencyFromServerSlotsReadsPropsOnce() throws Exception {
    client = builder().concurrencyFromServerSlots().build();
    server.enqueue(Transcript.load("props").response()); // total_slots: 2
    server.enqueue(slow());
    server.enqueue(slow());
    ChatStream a = client.chat().stream(REQUEST);
    ChatStream b = client.chat().stream(REQUEST);
    ChatStream c = client.chat().stream(REQUEST);
    await(() -> server.getRequestCount() == 3);
    assertThat(server.takeRequest().getTarget()).isEqualTo("/props");
    assertThat(client.limiter().queued()).isEqualTo(1);
    c.close();
    a.close();
    b.close();
    StreamLimiter limiter = client.limiter();
    await(() -> limiter.running() == 0 && limiter.queued() == 0);
  }

  @Test
  void noPlaceLeaksAfterManyCancelsAndFailures() throws Exception {
    client = builder().maxConcurrentStreams(3).maxQueuedStreams(1000).build();
    AtomicInteger n = new AtomicInteger();
    Transcript ok = Transcript.load("chat-stream-basic");
    Transcript error = Transcript.load("chat-error-context-exceeded");
    Transcript cut = Transcript.load("chat-stream-cut-mid-stream");
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            switch (n.getAndIncrement() % 3) {
              case 0:
                return error.response();
              case 1:
                return cut.response();
              default:
                return ok.response();
            }
          }
        });
    int completed = 0;
    int failed = 0;
    for (int batch = 0; batch < 20; batch++) {
      List<ChatStream> streams = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        streams.add(client.chat().stream(REQUEST));
      }
      for (int i = 0; i < 10; i++) {
        ChatStream s = streams.get(i);
        if (i % 4 == 0) {
          s.close(); // queued or running
          continue;
        }
        try {
          s.result();
          completed++;
        } catch (LlamaException e) {
          failed++;
        }
      }
    }
    StreamLimiter limiter = client.limiter();
    await(() -> limiter.running() == 0 && limiter.queued() == 0);
    // and the client lets go of every ended exchange (the limiter's hook once replaced the
    // client's, which kept every exchange of a limited client, with its buffers, for good)
    await(() -> client.openExchanges() == 0);
    assertThat(completed).isPositive();
    assertThat(failed).isPositive();
    // still usable at full width afterwards
    server.setDispatcher(new mockwebserver3.QueueDispatcher());
    for (int i = 0; i < 3; i++) {
      server.enqueue(slow());
    }
    List<ChatStream> three = List.of(client.chat().stream(REQUEST), client.chat().stream(REQUEST), client.chat().stream(REQUEST));
    await(() -> limiter.running() == 3 && limiter.queued() == 0);
    three.forEach(ChatStream::close);
    await(() -> limiter.running() == 0);
  }
}
