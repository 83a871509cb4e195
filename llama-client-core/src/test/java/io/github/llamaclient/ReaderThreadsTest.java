package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.internal.http1.NioTransport;
import io.github.llamaclient.testing.Await;
import io.github.llamaclient.testing.RawServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The push faces on the reader threads ({@link LlamaClientBuilder#pushReaderThreads(int)}): a few
 * selector threads read every push stream of a client, however many there are. What is particular
 * to them is here; the contracts they share with every other path are the suites run over {@link
 * Transports#HTTP1} (replay, cancellation, timeouts, the connect limit, the TCK).
 */
@Timeout(60)
class ReaderThreadsTest {

  private static LlamaClientBuilder readers(URI url, int threads) {
    return LlamaClient.builder().baseUrl(url).pushOnVirtualThreads(false).pushReaderThreads(threads);
  }

  @Test
  void fortyStreamsOpenAtOnceAreReadByTwoThreads() throws Exception {
    int streams = 40;
    CountDownLatch allAsked = new CountDownLatch(streams);
    RawServer server =
        RawServer.start(
            c -> {
              c.sseHeaders();
              allAsked.countDown(); // every stream is open before any sends a token
              assertThat(allAsked.await(30, TimeUnit.SECONDS)).isTrue();
              for (int i = 0; i < 20; i++) {
                c.chunk(RawServer.contentEvent("t"));
              }
              c.chunk(RawServer.finishEvent());
              c.chunk("data: [DONE]\n\n");
              c.endChunks();
              c.close();
            });
    Set<String> reading = ConcurrentHashMap.newKeySet();
    WireListener wire =
        new WireListener() {
          @Override
          public void onLine(URI uri, String line, Duration sinceRequest) {
            reading.add(Thread.currentThread().getName());
          }
        };
    try (LlamaClient client = readers(server.url(), 2).wireListener(wire).build()) {
      List<CompletableFuture<ChatResult>> results = new ArrayList<>();
      for (int i = 0; i < streams; i++) {
        results.add(client.chat().callAsync(ChatRequest.builder().user("hi " + i).build()));
      }
      for (CompletableFuture<ChatResult> r : results) {
        assertThat(r.get(30, TimeUnit.SECONDS).text()).isEqualTo("t".repeat(20));
      }
      assertThat(reading).as("the threads that read the 40 connections").hasSizeBetween(1, 4);
      assertThat(reading).allSatisfy(n -> assertThat(n).matches("llama-client-\\d+-reader-[1-4]"));
      String prefix = reading.iterator().next().replaceAll("\\d+$", "");
      assertThat(liveThreads(prefix)).as("reader threads alive: two readers, two threads each").hasSize(4);
      assertThat(server.accepted()).isEqualTo(streams);
    } finally {
      server.close();
    }
    String prefix = reading.iterator().next().replaceAll("\\d+$", "");
    Await.until("the reader threads ended with the client", () -> liveThreads(prefix).isEmpty());
  }

  /** The live threads whose name starts with the prefix. */
  private static List<Thread> liveThreads(String prefix) {
    List<Thread> out = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith(prefix) && t.isAlive()) {
        out.add(t);
      }
    }
    return out;
  }

  @Test
  void aReaderThreadDeliversWhatItReadWhileItsOtherThreadReadsOn() throws Exception {
    RawServer server =
        RawServer.start(
            c -> {
              c.sseHeaders();
              for (int i = 0; i < 3; i++) {
                c.chunk(RawServer.contentEvent("t"));
              }
              c.chunk(RawServer.finishEvent());
              c.chunk("data: [DONE]\n\n");
              c.endChunks();
              c.close();
            });
    ChatRequest request = ChatRequest.builder().user("hi").build();
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch slowEnded = new CountDownLatch(1);
    AtomicReference<String> slowThread = new AtomicReference<>();
    try (LlamaClient client = readers(server.url(), 1).callbackThreads(1).build()) {
      NioTransport nio = (NioTransport) client.engine().pushed();
      assertThat(client.chat().callAsync(request).get(30, TimeUnit.SECONDS).text()).isEqualTo("ttt"); // starts the reader
      Await.until("the reader's other thread waits idle for its turn", () -> nio.idleReaders() == 1);

      client
          .chat()
          .subscribe(
              request,
              StreamListener.of(
                  piece -> {
                    if (slowThread.compareAndSet(null, Thread.currentThread().getName())) {
                      entered.countDown();
                      try {
                        release.await(30, TimeUnit.SECONDS); // a listener that blocks
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    }
                  },
                  result -> slowEnded.countDown(),
                  error -> slowEnded.countDown()));
      assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(slowThread.get())
          .as("the first token is delivered by the reader thread that read it, not handed to the pool")
          .matches("llama-client-\\d+-reader-[12]");

      assertThat(client.chat().callAsync(request).get(30, TimeUnit.SECONDS).text())
          .as("another stream of the same reader, read by its other thread while the listener blocks")
          .isEqualTo("ttt");
      release.countDown();
      assertThat(slowEnded.await(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      release.countDown();
      server.close();
    }
  }

  @Test
  void noReaderThreadStartsBeforeThePushFacesAreUsed() throws Exception {
    try (LlamaClient client = readers(URI.create("http://127.0.0.1:9"), 3).build()) {
      NioTransport nio = (NioTransport) client.engine().pushed();
      assertThat(nio.started()).isZero();
    }
  }

  @Test
  void aRequestLargerThanTheSocketBuffersIsWrittenAsTheServerTakesIt() throws Exception {
    String big = "x".repeat(24 * 1024 * 1024); // far more than loopback's socket buffers hold
    RawServer server =
        RawServer.start(
            c -> {
              c.sseHeaders();
              c.chunk(RawServer.contentEvent(String.valueOf(c.body().length())));
              c.chunk(RawServer.finishEvent());
              c.chunk("data: [DONE]\n\n");
              c.endChunks();
              c.close();
            });
    try (LlamaClient client = readers(server.url(), 1).checkModalities(false).build()) {
      ChatResult r = client.chat().callAsync(ChatRequest.builder().user(big).build()).get(30, TimeUnit.SECONDS);
      assertThat(Integer.parseInt(r.text())).as("the request body's length as the server read it").isGreaterThan(big.length());
    } finally {
      server.close();
    }
  }

  @Test
  void closingTheClientEndsAStreamTheServerKeepsOpen() throws Exception {
    RawServer server =
        RawServer.start(
            c -> {
              c.sseHeaders();
              c.chunk(RawServer.contentEvent("a"));
              c.awaitClientClose(Duration.ofSeconds(30));
            });
    LlamaClient client = readers(server.url(), 1).build();
    CompletableFuture<ChatResult> r;
    try {
      r = client.chat().callAsync(ChatRequest.builder().user("hi").build());
      assertThat(server.awaitRequest(Duration.ofSeconds(10))).isNotNull();
    } finally {
      client.close();
    }
    assertThat(server.awaitDisconnect(Duration.ofSeconds(10))).as("the server saw the close").isNotNull();
    assertThat(r).failsWithin(Duration.ofSeconds(10));
    server.close();
  }
}
