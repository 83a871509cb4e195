package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamaclient.testing.RawServer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The client's own delivery pool ({@link LlamaClientBuilder#callbackThreads(int)}): a fixed number
 * of threads, streams taking turns on them, each stream's signals serial, in order, with exactly
 * one terminal signal.
 */
class DeliveryPoolTest {

  /** A FIFO executor the test runs by hand: one "thread", every task in the order it was queued. */
  private static final class ManualPool implements PushSink.Queueing {
    final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    int ran;

    @Override
    public void execute(Runnable task) {
      tasks.add(task);
    }

    @Override
    public boolean othersWaiting() {
      return !tasks.isEmpty();
    }

    void runAll() {
      for (Runnable t; (t = tasks.poll()) != null; ) {
        ran++;
        t.run();
      }
    }
  }

  /** Notes every signal, named by its stream, in one shared log. */
  private static final class Logging implements Flow.Subscriber<String> {
    final String name;
    final List<String> log;

    Logging(String name, List<String> log) {
      this.name = name;
      this.log = log;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String item) {
      log.add(name + ":" + item);
    }

    @Override
    public void onError(Throwable t) {
      log.add(name + ":error");
    }

    @Override
    public void onComplete() {
      log.add(name + ":complete");
    }
  }

  private static PushSink<String, String> sink(Logging subscriber, ManualPool pool) {
    PushSink<String, String> s =
        new PushSink<>(subscriber, e -> ((ChatEvent.Content) e).text(), r -> null, pool, true, null, false);
    subscriber.onSubscribe(s);
    return s;
  }

  @Test
  void aBurstOnOneStreamDelaysAnotherByAtMostOneBatch() {
    ManualPool pool = new ManualPool();
    List<String> log = new ArrayList<>();
    PushSink<String, String> burst = sink(new Logging("a", log), pool);
    PushSink<String, String> quiet = sink(new Logging("b", log), pool);
    for (int i = 0; i < 1000; i++) {
      burst.event(new ChatEvent.Content(Integer.toString(i)));
    }
    burst.flush(); // one read of 1000 events: one delivery task queued
    quiet.event(new ChatEvent.Content("x"));
    quiet.flush(); // queued behind the burst's task
    burst.complete("done");
    quiet.complete("done");

    pool.runAll();

    assertThat(log.indexOf("b:x")).as("the other stream's event waited for one batch only").isEqualTo(PushSink.BATCH);
    List<String> a = new ArrayList<>();
    for (String s : log) {
      if (s.startsWith("a:")) {
        a.add(s.substring(2));
      }
    }
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      expected.add(Integer.toString(i));
    }
    expected.add("complete");
    assertThat(a).as("the burst's events in order, then exactly one terminal signal").isEqualTo(expected);
    assertThat(log).filteredOn(s -> s.startsWith("b:")).containsExactly("b:x", "b:complete");
  }

  @Test
  void aBurstWithNobodyWaitingKeepsItsThread() {
    ManualPool pool = new ManualPool();
    List<String> log = new ArrayList<>();
    PushSink<String, String> burst = sink(new Logging("a", log), pool);
    for (int i = 0; i < 10 * PushSink.BATCH; i++) {
      burst.event(new ChatEvent.Content(Integer.toString(i)));
    }
    burst.flush();
    burst.complete("done");

    pool.runAll();

    assertThat(log).hasSize(10 * PushSink.BATCH + 1).endsWith("a:complete");
    // one task (queued by the first item) delivers them all: with no other task waiting, queueing
    // itself again after every batch would only wake another pool thread each time
    assertThat(pool.ran).as("delivery tasks run").isEqualTo(1);
  }

  @Test
  void aTaskThatGoesOnSettlesItsCountsAfterEachBatchSoTheReadingResumes() {
    ManualPool pool = new ManualPool();
    List<Boolean> wantedMore = new ArrayList<>();
    AtomicReference<PushSink<String, String>> sink = new AtomicReference<>();
    Flow.Subscriber<String> subscriber =
        new Flow.Subscriber<>() {
          @Override
          public void onSubscribe(Flow.Subscription s) {
            s.request(Long.MAX_VALUE);
          }

          @Override
          public void onNext(String item) {
            wantedMore.add(sink.get().wantsMore());
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onComplete() {}
        };
    PushSink<String, String> s = new PushSink<>(subscriber, e -> ((ChatEvent.Content) e).text(), r -> null, pool, true, null, true);
    sink.set(s);
    subscriber.onSubscribe(s);
    int events = PushSink.READ_AHEAD + PushSink.BATCH;
    for (int i = 0; i < events; i++) {
      s.event(new ChatEvent.Content("t"));
    }
    s.flush();
    assertThat(s.wantsMore()).as("read ahead in full: the reading pauses").isFalse();

    pool.runAll();

    assertThat(pool.ran).as("one task, nobody else waiting").isEqualTo(1);
    // after two batches, fewer than READ_AHEAD items wait: the reading may go on while this task
    // still delivers the rest (else reading and delivering take turns, 256 items at a time)
    assertThat(wantedMore.get(2 * PushSink.BATCH)).as("after two batches").isTrue();
    assertThat(wantedMore.get(PushSink.BATCH - 1)).as("within the first batch").isFalse();
  }

  @Test
  void theFirstItemIsHandedOnAtOnceAndTheRestAtTheEndOfEachRead() {
    ManualPool pool = new ManualPool();
    List<String> log = new ArrayList<>();
    PushSink<String, String> s = sink(new Logging("a", log), pool);

    s.event(new ChatEvent.Content("1"));
    assertThat(pool.tasks).as("the stream's first item is handed on before its read is decoded to its end").hasSize(1);
    pool.runAll(); // the delivery thread runs while the reader decodes the rest of the read
    assertThat(log).containsExactly("a:1");

    s.event(new ChatEvent.Content("2"));
    s.event(new ChatEvent.Content("3"));
    assertThat(pool.tasks).as("the read's other items wait for its end: one hand-off per read, not per item").isEmpty();
    s.flush();
    assertThat(pool.tasks).hasSize(1);
    pool.runAll();
    assertThat(log).containsExactly("a:1", "a:2", "a:3");

    s.event(new ChatEvent.Content("4")); // the next read: at its end, as every read after the first item
    assertThat(pool.tasks).as("one hand-off per read").isEmpty();
    s.flush();
    assertThat(pool.tasks).hasSize(1);
    s.complete("done");
    pool.runAll();
    assertThat(log).containsExactly("a:1", "a:2", "a:3", "a:4", "a:complete");
  }

  @Test
  void theThreadCountIsNeverBelowOne() {
    assertThatThrownBy(() -> LlamaClient.builder().callbackThreads(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("callbackThreads must be at least 1, was 0");
  }

  @Test
  void twoHundredStreamsShareTheConfiguredThreadsAndASlowListenerHoldsOnlyItsOwnStream() throws Exception {
    int streams = 200;
    int threads = 2;
    RawServer server =
        RawServer.start(
            c -> {
              c.sseHeaders();
              for (int i = 0; i < 5; i++) {
                c.chunk(RawServer.contentEvent("t" + i));
              }
              c.chunk(RawServer.finishEvent());
              c.chunk("data: [DONE]\n\n");
              c.endChunks();
              c.close();
            });
    CountDownLatch othersDone = new CountDownLatch(streams - 1);
    CountDownLatch slowReleased = new CountDownLatch(1);
    CountDownLatch slowDone = new CountDownLatch(1);
    Set<String> deliveringThreads = ConcurrentHashMap.newKeySet();
    Map<Integer, AtomicInteger> terminals = new ConcurrentHashMap<>();
    Map<Integer, StringBuilder> texts = new ConcurrentHashMap<>();
    try (LlamaClient client = LlamaClient.builder().baseUrl(server.url()).callbackThreads(threads).pushReaderThreads(1).build()) {
      ChatRequest request = ChatRequest.builder().user("hi").build();
      for (int i = 0; i < streams; i++) {
        int n = i;
        terminals.put(n, new AtomicInteger());
        texts.put(n, new StringBuilder());
        client
            .chat()
            .subscribe(
                request,
                StreamListener.of(
                    piece -> {
                      deliveringThreads.add(Thread.currentThread().getName());
                      texts.get(n).append(piece);
                      if (n == 0) {
                        awaitOrFail(slowReleased); // the slow listener: holds one thread until all others ended
                      }
                    },
                    result -> {
                      terminals.get(n).incrementAndGet();
                      (n == 0 ? slowDone : othersDone).countDown();
                    },
                    error -> {
                      terminals.get(n).incrementAndGet();
                      (n == 0 ? slowDone : othersDone).countDown();
                    }));
      }
      assertThat(othersDone.await(60, TimeUnit.SECONDS))
          .as("199 streams completed while one listener held a thread")
          .isTrue();
      String prefix =
          deliveringThreads.stream().filter(n -> n.contains("-callback-")).findFirst().orElseThrow().replaceAll("\\d+$", "");
      long live = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix)).count();
      slowReleased.countDown();
      assertThat(slowDone.await(30, TimeUnit.SECONDS)).isTrue();

      assertThat(deliveringThreads).allSatisfy(n -> assertThat(n).matches("llama-client-\\d+-(callback|reader)-\\d+"));
      assertThat(deliveringThreads).filteredOn(n -> n.contains("-callback-")).as("callbacks on the pool's threads").hasSizeLessThanOrEqualTo(threads);
      assertThat(deliveringThreads)
          .filteredOn(n -> n.contains("-reader-"))
          .as("callbacks on the reader's two threads, each after it handed the reading over")
          .hasSizeLessThanOrEqualTo(2);
      assertThat(live).as("the pool's threads alive under 200 streams").isLessThanOrEqualTo(threads);
      for (int i = 0; i < streams; i++) {
        assertThat(terminals.get(i)).as("terminal signals of stream " + i).hasValue(1);
        assertThat(texts.get(i)).as("text of stream " + i).hasToString("t0t1t2t3t4");
      }
    } finally {
      server.close();
    }
  }

  private static void awaitOrFail(CountDownLatch latch) {
    try {
      if (!latch.await(60, TimeUnit.SECONDS)) {
        throw new AssertionError("never released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
