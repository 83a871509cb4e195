package io.github.llamaclient;

import io.github.llamaclient.internal.exchange.Timer;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.testing.Await;
import io.github.llamaclient.testing.RawServer;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * No thread or connection left behind: 1,000 streams opened and closed early (after their first
 * event, while the server is still generating), over five ways of stopping. Afterwards the server
 * has no open connection, the idle watchdog has nothing scheduled, and the live threads are those
 * there were before, give or take the HTTP client's pool.
 */
@Timeout(120)
class LeakTest {
  private static final ChatRequest REQUEST = ChatRequest.builder().user("hi").build();
  private static final int STREAMS = 1000;

  @Test
  void thousandStreamsClosedEarlyLeaveNothingBehind() throws Exception {
    try (RawServer server =
            RawServer.start(
                c -> {
                  c.sseHeaders();
                  c.chunk(RawServer.contentEvent("first"));
                  c.awaitClientClose(Duration.ofSeconds(60)); // still generating, as far as the client knows
                });
        LlamaClient client = LlamaClient.builder().baseUrl(server.url()).build()) {
      for (int i = 0; i < 20; i++) {
        openAndStop(client, server, i); // warm up: the HTTP client's threads exist from now on
      }
      awaitNoOpenConnection(server);
      List<String> before = clientThreads();
      int scheduledBefore = Timer.scheduled(); // 0 unless another test left a stream open

      for (int i = 0; i < STREAMS; i++) {
        openAndStop(client, server, i);
      }

      awaitNoOpenConnection(server);
      assertThat(server.accepted()).as("one connection per stream, none reused after a cancel").isEqualTo(STREAMS + 20);
      assertThat(Timer.scheduled()).as("idle watchdogs still scheduled").isLessThanOrEqualTo(scheduledBefore);
      List<String> after = clientThreads();
      // the HTTP client's executor is a cached pool: a few more idle threads are fine, a thread
      // per stream is not
      assertThat(after.size()).as("threads before %s, after %s", before, after).isLessThanOrEqualTo(before.size() + 8);
    }
  }

  private static void awaitNoOpenConnection(RawServer server) throws InterruptedException {
    // each stop closed its connection; the server notices each close on a thread of its own
    Await.until("no connection open on the server (" + server.openConnections() + " open)", () -> server.openConnections() == 0);
  }

  /** Threads of the JVM but those of the test server. */
  private static List<String> clientThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> !n.equals("raw-server"))
        .sorted()
        .collect(Collectors.toList());
  }

  private static void openAndStop(LlamaClient client, RawServer server, int i) throws Exception {
    switch (i % 5) {
      case 0:
        try (Stream<String> s = client.generateStream(REQUEST)) {
          Iterator<String> it = s.iterator();
          assertThat(it.next()).isEqualTo("first");
        }
        break;
      case 1:
        try (ChatStream s = client.chat().stream(REQUEST)) {
          assertThat(s.iterator().next()).isInstanceOf(ChatEvent.Content.class);
        }
        break;
      case 2:
        {
          CompletableFuture<String> first = new CompletableFuture<>();
          client
              .chat().textPublisher(REQUEST)
              .subscribe(
                  new Flow.Subscriber<String>() {
                    Flow.Subscription s;

                    @Override
                    public void onSubscribe(Flow.Subscription s) {
                      this.s = s;
                      s.request(1);
                    }

                    @Override
                    public void onNext(String item) {
                      s.cancel();
                      first.complete(item);
                    }

                    @Override
                    public void onError(Throwable t) {
                      first.completeExceptionally(t);
                    }

                    @Override
                    public void onComplete() {}
                  });
          assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("first");
          break;
        }
      case 3:
        {
          CountDownLatch chunk = new CountDownLatch(1);
          StreamHandle<ChatResult> h = client.chat().subscribe(REQUEST, StreamListener.of(s -> chunk.countDown(), r -> {}, e -> {}));
          assertThat(chunk.await(10, TimeUnit.SECONDS)).isTrue();
          h.cancel();
          break;
        }
      default:
        {
          server.clearQueues();
          CompletableFuture<ChatResult> f = client.chat().callAsync(REQUEST);
          assertThat(server.awaitRequest(Duration.ofSeconds(10))).isNotNull();
          f.cancel(true);
        }
    }
  }
}
