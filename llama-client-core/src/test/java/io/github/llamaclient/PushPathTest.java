package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.testing.RawServer;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import io.github.llamaclient.testing.Await;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Which transport the push faces read through ({@link LlamaClientBuilder#pushOnVirtualThreads}):
 * our HTTP/1.1 reader, on the client's few reader threads by default, or on one virtual thread per
 * stream with the setting on where the JDK has them (JDK 21+); with {@code
 * readOnConsumingThread(false)}, {@code java.net.http}.
 * The rest of their contract is the same suites as every face's (replay, cancellation, timeouts,
 * the TCK), run over both paths.
 */
class PushPathTest {

  enum Setting {
    DEFAULT,
    VIRTUAL,
    CONSUMING_THREAD_OFF
  }

  @ParameterizedTest
  @EnumSource(Setting.class)
  void thePushFacesReadOverOurTransportOnReaderThreadsOrVirtualThreads(Setting setting) throws Exception {
    RawServer server =
        RawServer.start(
            c -> {
              c.sseHeaders();
              c.chunk(RawServer.contentEvent("a"));
              c.chunk(RawServer.finishEvent());
              c.chunk("data: [DONE]\n\n");
              c.endChunks();
              c.close();
            });
    Set<String> readers = ConcurrentHashMap.newKeySet();
    WireListener reads =
        new WireListener() {
          @Override
          public void onLine(URI uri, String line, Duration sinceRequest) {
            readers.add(Thread.currentThread().getName()); // the thread that reads the connection
          }
        };
    LlamaClientBuilder b = LlamaClient.builder().baseUrl(server.url()).wireListener(reads);
    if (setting == Setting.VIRTUAL) {
      b.pushOnVirtualThreads(true);
    } else if (setting == Setting.CONSUMING_THREAD_OFF) {
      b.readOnConsumingThread(false);
    }
    try (LlamaClient client = b.build()) {
      ChatResult r = client.chat().callAsync(ChatRequest.builder().user("hi").build()).get(30, TimeUnit.SECONDS);
      assertThat(r.text()).isEqualTo("a");
      RawServer.Connection c = server.awaitRequest(Duration.ofSeconds(10));
      assertThat(c).isNotNull();
      assertThat(readers).isNotEmpty();
      if (setting == Setting.CONSUMING_THREAD_OFF) {
        assertThat(c.headers().get("user-agent")).as("sent by java.net.http").startsWith("Java-http-client");
        assertThat(readers).allSatisfy(n -> assertThat(n).doesNotContain("-push-").doesNotContain("-reader-"));
      } else {
        assertThat(c.headers()).as("sent by our HTTP/1.1 transport").containsEntry("user-agent", "llama-client");
        String kind = setting == Setting.VIRTUAL && VirtualThreads.available() ? "push" : "reader";
        assertThat(readers).allSatisfy(n -> assertThat(n).matches("llama-client-\\d+-" + kind + "-\\d+"));
      }
    } finally {
      server.close();
    }
  }

  @ParameterizedTest(name = "on virtual threads: {0}")
  @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
  void aListenerThatFallsBehindPausesTheReadingThread(boolean virtual) throws Exception {
    Assumptions.assumeTrue(!virtual || VirtualThreads.available(), "the push faces read on virtual threads from JDK 21 on");
    int events = 5000;
    RawServer server =
        RawServer.start(
            c -> {
              c.sseHeaders();
              for (int i = 0; i < events; i++) {
                c.chunk(RawServer.contentEvent("t"));
              }
              c.chunk(RawServer.finishEvent());
              c.chunk("data: [DONE]\n\n");
              c.endChunks();
              c.close();
            });
    AtomicInteger read = new AtomicInteger();
    AtomicInteger delivered = new AtomicInteger();
    AtomicInteger widestGap = new AtomicInteger();
    AtomicReference<Thread> reader = new AtomicReference<>();
    CountDownLatch release = new CountDownLatch(1);
    WireListener reads =
        new WireListener() {
          @Override
          public void onLine(URI uri, String line, Duration sinceRequest) {
            reader.set(Thread.currentThread());
            if (line.startsWith("data:")) {
              int gap = read.incrementAndGet() - delivered.get();
              widestGap.accumulateAndGet(gap, Math::max);
            }
          }
        };
    try (LlamaClient client = LlamaClient.builder().baseUrl(server.url()).wireListener(reads).pushOnVirtualThreads(virtual).build()) {
      CountDownLatch done = new CountDownLatch(1);
      client
          .chat()
          .subscribe(
              ChatRequest.builder().user("hi").build(),
              StreamListener.of(
                  piece -> {
                    if (delivered.incrementAndGet() == 1) {
                      try { // the listener falls behind: it holds its first piece until the reader stops
                        assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    }
                  },
                  r -> done.countDown(),
                  e -> done.countDown()));
      if (virtual) {
        Await.until("the reading thread parked for the listener (or, broken, read everything)", () -> parkedOrEnded(reader.get()));
      } else { // the reader thread serves other streams: this one's reading pauses instead
        Await.until(
            "the stream's reading paused for the listener (or, broken, it read everything)",
            () -> client.pausedPushReads() == 1 || read.get() >= events);
      }
      release.countDown();
      assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(delivered).hasValue(events);
      // one read brings at most a full buffer of events (each is more than its data line's bytes)
      int buffer = virtual ? io.github.llamaclient.internal.http1.Http1Socket.BUFFER : io.github.llamaclient.internal.http1.Http1Socket.NIO_BUFFER;
      int oneRead = buffer / RawServer.contentEvent("t").length() + 1;
      assertThat(widestGap.get())
          .as("events read ahead of the listener: at most the read-ahead and one read's worth")
          .isLessThanOrEqualTo(PushSink.READ_AHEAD + oneRead)
          .isLessThan(events / 4);
    } finally {
      server.close();
    }
  }

  /** Whether the reading thread is parked in the sink (not in a socket read), or has ended. */
  private static boolean parkedOrEnded(Thread t) {
    if (t == null) {
      return false;
    }
    if (t.getState() == Thread.State.TERMINATED) {
      return true;
    }
    if (t.getState() != Thread.State.WAITING) {
      return false;
    }
    for (StackTraceElement e : t.getStackTrace()) {
      if (e.getMethodName().equals("pumpLoop")) {
        return true;
      }
      if (e.getClassName().contains("Socket") || e.getClassName().contains("Http1")) {
        return false; // waiting for the server
      }
    }
    return false;
  }
}
