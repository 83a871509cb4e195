package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamaclient.testing.Await;
import io.github.llamaclient.testing.KeepAliveServer;
import io.github.llamaclient.testing.RawServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine under pressure: a fast server and consumers that pause and resume it many times (a
 * lost wake-up would hang the test), a consumer that closes from another thread while one thread
 * iterates, and the single retry of a request sent on a connection the server had closed.
 */
@Timeout(60)
class FlowControlTest {
  private static final ChatRequest REQUEST = ChatRequest.builder().user("hi").build();
  private static final int EVENTS = 3000;

  private static RawServer fastServer() {
    return RawServer.start(
        c -> {
          c.sseHeaders();
          StringBuilder batch = new StringBuilder();
          for (int i = 0; i < EVENTS; i++) {
            batch.append(RawServer.contentEvent(i + ","));
            if (batch.length() > 16_000) {
              c.chunk(batch.toString());
              batch.setLength(0);
            }
          }
          batch.append(RawServer.finishEvent()).append("data: [DONE]\n\n");
          c.chunk(batch.toString());
          c.endChunks();
          c.close();
        });
  }

  private static String expected() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < EVENTS; i++) {
      sb.append(i).append(',');
    }
    return sb.toString();
  }

  /**
   * Pulled from a pushed exchange (the HttpClient reads): every 500 events the consumer stops until
   * the exchange has read about {@link PullSink#HIGH_WATER} events past what was taken, so it
   * pauses, and the next take resumes it. Read on the consuming thread, nothing pauses: the same stream plainly.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void pullConsumerThatKeepsPausingTheExchangeGetsEverythingInOrder(boolean readOnConsumingThread) throws Exception {
    AtomicInteger lines = new AtomicInteger();
    WireListener counting =
        new WireListener() {
          @Override
          public void onLine(java.net.URI uri, String line, Duration sinceRequest) {
            if (line.startsWith("data:")) {
              lines.incrementAndGet();
            }
          }
        };
    int allLines = EVENTS + 2; // the contents, the finish, [DONE]
    try (RawServer server = fastServer();
        LlamaClient client =
            LlamaClient.builder()
                .baseUrl(server.url())
                .idleTimeout(Duration.ofSeconds(5))
                .readOnConsumingThread(readOnConsumingThread)
                .wireListener(counting)
                .build()) {
      for (int round = 0; round < 10; round++) {
        StringBuilder sb = new StringBuilder();
        lines.set(0);
        try (Stream<String> s = client.generateStream(REQUEST)) {
          Iterator<String> it = s.iterator();
          int n = 0;
          while (it.hasNext()) {
            sb.append(it.next());
            if (++n % 500 == 0 && !readOnConsumingThread) {
              // the queue fills to its high-water mark: the exchange pauses until the next take
              // (the sink learns what was taken every 64 events, so it may pause up to 64 early)
              int past = Math.min(n - 64 + PullSink.HIGH_WATER, allLines);
              Await.until("read " + past + " events, took " + n, () -> lines.get() >= past);
            }
          }
        }
        assertThat(sb).hasToString(expected());
      }
    }
  }

  @Test
  void publisherConsumerRequestingFromOtherThreadsGetsEverythingInOrder() throws Exception {
    ExecutorService requesters = Executors.newFixedThreadPool(2);
    try (RawServer server = fastServer();
        LlamaClient client = LlamaClient.builder().baseUrl(server.url()).idleTimeout(Duration.ofSeconds(5)).build()) {
      for (int round = 0; round < 10; round++) {
        StringBuilder sb = new StringBuilder();
        CompletableFuture<Void> done = new CompletableFuture<>();
        AtomicInteger outstanding = new AtomicInteger();
        AtomicInteger inOnNext = new AtomicInteger();
        client
            .chat().textPublisher(REQUEST)
            .subscribe(
                new Flow.Subscriber<String>() {
                  Flow.Subscription s;

                  @Override
                  public void onSubscribe(Flow.Subscription s) {
                    this.s = s;
                    more();
                  }

                  void more() {
                    int n = 1 + ThreadLocalRandom.current().nextInt(7);
                    outstanding.addAndGet(n);
                    requesters.execute(() -> s.request(n)); // demand arrives on another thread
                  }

                  @Override
                  public void onNext(String item) {
                    if (inOnNext.incrementAndGet() != 1) {
                      done.completeExceptionally(new AssertionError("concurrent onNext"));
                    }
                    if (outstanding.decrementAndGet() < 0) {
                      done.completeExceptionally(new AssertionError("more items than requested"));
                    }
                    sb.append(item);
                    if (outstanding.get() == 0) {
                      more();
                    }
                    inOnNext.decrementAndGet();
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.completeExceptionally(t);
                  }

                  @Override
                  public void onComplete() {
                    done.complete(null);
                  }
                });
        done.get(30, TimeUnit.SECONDS);
        assertThat(sb).hasToString(expected());
      }
    } finally {
      requesters.shutdownNow();
    }
  }

  @Test
  void closingFromAnotherThreadWhileIteratingNeverHangs() throws Exception {
    try (RawServer server = fastServer();
        LlamaClient client = LlamaClient.builder().baseUrl(server.url()).build()) {
      int all;
      try (ChatStream whole = client.chat().stream(REQUEST)) {
        all = (int) whole.events().count();
      }
      assertThat(all).as("the events of a whole stream").isGreaterThan(EVENTS);
      for (int round = 0; round < 50; round++) {
        ChatStream events = client.chat().stream(REQUEST);
        int closeAfter = ThreadLocalRandom.current().nextInt(EVENTS / 2);
        CountDownLatch tookEnough = new CountDownLatch(closeAfter);
        CompletableFuture<Boolean> cancelled = new CompletableFuture<>();
        AtomicInteger taken = new AtomicInteger();
        Thread reader =
            new Thread(
                () -> {
                  try {
                    for (ChatEvent e : events) {
                      taken.incrementAndGet();
                      tookEnough.countDown();
                    }
                    cancelled.complete(false);
                  } catch (StreamCancelledException e) {
                    cancelled.complete(true);
                  } catch (Throwable t) {
                    cancelled.completeExceptionally(t);
                  }
                });
        reader.start();
        assertThat(tookEnough.await(10, TimeUnit.SECONDS)).as("the reader took %d events", closeAfter).isTrue();
        events.close();
        // the reader ends: with the cancellation, or (when the stream had completed before the
        // close) with every event; never silently with a part of them
        boolean wasCancelled = cancelled.get(10, TimeUnit.SECONDS);
        reader.join(5000);
        assertThat(taken.get()).as("events taken").isGreaterThanOrEqualTo(closeAfter);
        if (wasCancelled) {
          assertThat(taken.get()).as("events taken before the cancellation").isLessThanOrEqualTo(all);
          try {
            // closed after the exchange had completed: the result stays, whole
            assertThat(events.result().text()).isEqualTo(expected());
          } catch (StreamCancelledException e) {
            // closed while the exchange was running: the usual case
          }
        } else {
          assertThat(taken.get()).as("a stream that ended without the cancellation had all its events").isEqualTo(all);
          assertThat(events.result().text()).isEqualTo(expected());
        }
      }
    }
  }
}
