package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.testing.KeepAliveServer;
import io.github.llamaclient.testing.RawServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
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

  @Test
  void pullConsumerThatKeepsPausingTheExchangeGetsEverythingInOrder() throws Exception {
    try (RawServer server = fastServer();
        LlamaClient client = LlamaClient.builder().baseUrl(server.url()).idleTimeout(Duration.ofSeconds(5)).build()) {
      for (int round = 0; round < 10; round++) {
        StringBuilder sb = new StringBuilder();
        try (Stream<String> s = client.generateStream(REQUEST)) {
          Iterator<String> it = s.iterator();
          int n = 0;
          while (it.hasNext()) {
            sb.append(it.next());
            if (++n % 500 == 0) {
              Thread.sleep(20); // let the queue fill past its high-water mark: the exchange pauses
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
            .generatePublisher(REQUEST)
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
      for (int round = 0; round < 50; round++) {
        ChatStream events = client.stream(REQUEST);
        int closeAfter = ThreadLocalRandom.current().nextInt(EVENTS / 2);
        CompletableFuture<Integer> taken = new CompletableFuture<>();
        Thread reader =
            new Thread(
                () -> {
                  int n = 0;
                  try {
                    for (ChatEvent e : events) {
                      n++;
                    }
                    taken.complete(n);
                  } catch (StreamCancelledException e) {
                    taken.complete(n);
                  } catch (Throwable t) {
                    taken.completeExceptionally(t);
                  }
                });
        reader.start();
        Thread.sleep(closeAfter % 5);
        events.close();
        // the reader ends: at once with the cancellation, or with a stream that had completed
        assertThat(taken.get(10, TimeUnit.SECONDS)).isBetween(0, EVENTS + 1);
        reader.join(5000);
      }
    }
  }
}
