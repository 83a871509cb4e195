package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamaclient.testing.RawServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Closing is cancelling: however the consumer stops (closing the Stream or ChatStream, cancelling
 * the subscription, the handle or the future, interrupting the consuming thread), the server sees
 * the connection close while it is still generating, on both transports (the pulled faces read
 * through either; the push faces always through the JDK's client), also with 50 other streams of
 * the same client busy. The server writes a burst of events, then an event every 50 ms for more
 * than a minute, so a disconnect within the test's wait can only come from the client.
 *
 * <p>No test sleeps: a stop waits for the client to have read events (a {@link WireListener}), and
 * "no signal after the cancel" is checked once every signal that could follow the cancel has been
 * delivered: callbacks run on one thread, so a task queued there after the cancel (and after the
 * server saw the connection close) runs after any signal the cancel could still cause.
 */
@Timeout(30)
class CancellationTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final ChatRequest REQUEST = ChatRequest.builder().user("Tell me about AI.").build();

  /** Events the client reads before the slow ones; they are queued when a consumer stops. */
  private static final int BURST = 5;

  private RawServer server;
  private LlamaClient client;
  /** The client's callback executor: one thread, so its tasks run in order. */
  private final ExecutorService callbacks = Executors.newSingleThreadExecutor();
  /** Counts down for each event line the client read. */
  private final CountDownLatch eventsRead = new CountDownLatch(BURST + 2);

  /** What a stop needs besides the client. */
  record Context(LlamaClient client, RawServer server, ExecutorService callbacks, CountDownLatch eventsRead) {
    /**
     * Returns once every signal the cancel could still cause was delivered: the client closed the
     * connection (so no more bytes arrive), then every task queued on the callback thread so far ran.
     */
    void awaitQuiet() throws Exception {
      awaitQuiet(server.awaitRequest(WAIT));
    }

    /** As {@link #awaitQuiet()}, for the connection {@code c} already taken from the server. */
    void awaitQuiet(RawServer.Connection c) throws Exception {
      assertThat(c).isNotNull();
      assertThat(c.awaitClientClose(WAIT)).as("the client closed the connection").isTrue();
      callbacks.submit(() -> {}).get(10, TimeUnit.SECONDS);
    }
  }

  @AfterEach
  void stop() {
    callbacks.shutdownNow();
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private LlamaClientBuilder builder() {
    return builder(Transports.HTTP1);
  }

  /** A client whose pulled faces read through {@code transport} (the push faces always use the JDK's). */
  private LlamaClientBuilder builder(Transports transport) {
    WireListener reads =
        new WireListener() {
          @Override
          public void onLine(java.net.URI uri, String line, Duration sinceRequest) {
            if (line.startsWith("data:") && line.contains("\"content\":\"t")) { // the stopped stream's, not the load's
              eventsRead.countDown();
            }
          }
        };
    return transport.builder(server.url()).callbackExecutor(callbacks).wireListener(reads);
  }

  private Context context() {
    return new Context(client, server, callbacks, eventsRead);
  }

  /** t0 to t4 at once (one write), then t5, t6, ... every 50 ms until the client closes. */
  private void startGenerating(Transports transport) {
    server =
        RawServer.start(
            c -> {
              c.sseHeaders();
              StringBuilder burst = new StringBuilder();
              for (int i = 0; i < BURST; i++) {
                burst.append(RawServer.contentEvent("t" + i + " "));
              }
              c.chunk(burst.toString());
              for (int i = BURST; i < 2000 && !c.clientClosed(); i++) {
                c.chunk(RawServer.contentEvent("t" + i + " "));
                if (c.awaitClientClose(Duration.ofMillis(50))) {
                  return;
                }
              }
            });
    client = builder(transport).build();
  }

  private void startNeverAnswering() {
    startNeverAnswering(Transports.HTTP1);
  }

  private void startNeverAnswering(Transports transport) {
    server = RawServer.start(c -> c.awaitClientClose(Duration.ofSeconds(60)));
    client = builder(transport).build();
  }

  private RawServer.Connection assertServerSawDisconnect() throws InterruptedException {
    RawServer.Connection c = server.awaitDisconnect(WAIT);
    assertThat(c).as("the server saw the client close the connection").isNotNull();
    assertThat(server.openConnections()).isZero();
    return c;
  }

  /** The ways a consumer stops a stream that is generating. */
  enum Stop {
    CLOSE_STREAM {
      @Override
      void run(Context x) {
        LlamaClient client = x.client();
        Stream<String> text = client.generateStream(REQUEST);
        Iterator<String> it = text.iterator();
        assertThat(it.next()).isEqualTo("t0 ");
        assertThat(it.next()).isEqualTo("t1 ");
        text.close();
        assertThatThrownBy(it::hasNext).isInstanceOf(StreamCancelledException.class);
      }
    },
    CLOSE_STREAM_AFTER_LIMIT {
      @Override
      void run(Context x) {
        LlamaClient client = x.client();
        try (Stream<String> text = client.generateStream(REQUEST)) {
          assertThat(text.limit(3)).containsExactly("t0 ", "t1 ", "t2 ");
        }
      }
    },
    CLOSE_CHAT_STREAM {
      @Override
      void run(Context x) {
        LlamaClient client = x.client();
        ChatStream events = client.chat().stream(REQUEST);
        Iterator<ChatEvent> it = events.iterator();
        assertThat(it.next()).isEqualTo(new ChatEvent.Content("t0 "));
        events.close();
        assertThatThrownBy(it::hasNext).isInstanceOf(StreamCancelledException.class);
        assertThatThrownBy(events::result).isInstanceOf(StreamCancelledException.class);
      }
    },
    CANCEL_SUBSCRIPTION {
      @Override
      void run(Context x) throws Exception {
        LlamaClient client = x.client();
        CompletableFuture<String> first = new CompletableFuture<>();
        AtomicReference<Throwable> signalAfterCancel = new AtomicReference<>();
        client
            .chat().textPublisher(REQUEST)
            .subscribe(
                new Flow.Subscriber<String>() {
                  Flow.Subscription s;
                  boolean cancelled;

                  @Override
                  public void onSubscribe(Flow.Subscription s) {
                    this.s = s;
                    s.request(BURST); // demand for the queued events: only the cancel holds them back
                  }

                  @Override
                  public void onNext(String item) {
                    if (cancelled) {
                      signalAfterCancel.set(new AssertionError("onNext after cancel"));
                    }
                    cancelled = true;
                    s.cancel();
                    first.complete(item);
                  }

                  @Override
                  public void onError(Throwable t) {
                    signalAfterCancel.set(t);
                  }

                  @Override
                  public void onComplete() {
                    signalAfterCancel.set(new AssertionError("onComplete after cancel"));
                  }
                });
        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("t0 ");
        x.awaitQuiet(); // t1 to t4 were queued when it cancelled: any signal after the cancel came by now
        assertThat(signalAfterCancel.get()).isNull();
      }
    },
    CANCEL_HANDLE {
      @Override
      void run(Context x) throws Exception {
        LlamaClient client = x.client();
        CountDownLatch chunks = new CountDownLatch(2);
        AtomicReference<Object> callbackAfterCancel = new AtomicReference<>();
        StreamHandle<ChatResult> h =
            client.chat().subscribe(
                REQUEST, StreamListener.of(s -> chunks.countDown(), callbackAfterCancel::set, callbackAfterCancel::set));
        assertThat(chunks.await(10, TimeUnit.SECONDS)).isTrue();
        h.cancel();
        assertThat(h.isDone()).isTrue();
        assertThatThrownBy(() -> h.result().get(10, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .hasCauseInstanceOf(StreamCancelledException.class);
        h.cancel(); // idempotent
        x.awaitQuiet();
        assertThat(callbackAfterCancel.get()).isNull();
      }
    },
    CANCEL_ASYNC_FUTURE {
      @Override
      void run(Context x) throws Exception {
        LlamaClient client = x.client();
        CompletableFuture<ChatResult> f = client.chat().callAsync(REQUEST);
        assertThat(x.eventsRead().await(10, TimeUnit.SECONDS)).as("a few events in").isTrue();
        assertThat(f.cancel(true)).isTrue();
      }
    },
    INTERRUPT_STREAM_ITERATION {
      @Override
      void run(Context x) throws Exception {
        LlamaClient client = x.client();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        CountDownLatch reading = new CountDownLatch(1);
        Thread t =
            new Thread(
                () -> {
                  try (Stream<String> text = client.generateStream(REQUEST)) {
                    text.forEach(s -> reading.countDown());
                  } catch (Throwable e) {
                    thrown.set(e);
                    flag.set(Thread.currentThread().isInterrupted());
                  }
                });
        t.start();
        assertThat(reading.await(10, TimeUnit.SECONDS)).isTrue();
        t.interrupt();
        t.join(10_000);
        assertThat(thrown.get()).isInstanceOf(StreamCancelledException.class);
        assertThat(flag.get()).as("interrupt flag kept").isTrue();
      }
    },
    INTERRUPT_CHAT {
      @Override
      void run(Context x) throws Exception {
        LlamaClient client = x.client();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread t =
            new Thread(
                () -> {
                  try {
                    client.chat().call(REQUEST);
                  } catch (Throwable e) {
                    thrown.set(e);
                    flag.set(Thread.currentThread().isInterrupted());
                  }
                });
        t.start();
        // the consuming thread reads: once it read a few events, it is in chat(), generating
        assertThat(x.eventsRead().await(10, TimeUnit.SECONDS)).as("a few events in").isTrue();
        t.interrupt();
        t.join(10_000);
        assertThat(thrown.get()).isInstanceOf(StreamCancelledException.class);
        assertThat(flag.get()).as("interrupt flag kept").isTrue();
      }
    };

    abstract void run(Context x) throws Exception;

    /** Whether the face always reads through the JDK's client (a push face). */
    boolean pushed() {
      return this == CANCEL_SUBSCRIPTION || this == CANCEL_HANDLE || this == CANCEL_ASYNC_FUTURE;
    }
  }

  /** Every stop with every transport its face reads through. */
  static Stream<Arguments> stops() {
    List<Arguments> out = new ArrayList<>();
    for (Stop s : Stop.values()) {
      for (Transports t : Transports.values()) {
        if (t.distinctFor(s.pushed())) {
          out.add(Arguments.of(s, t));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest
  @MethodSource("stops")
  void stoppingClosesTheConnectionWhileTheServerGenerates(Stop stop, Transports transport) throws Exception {
    startGenerating(transport);
    stop.run(context());
    RawServer.Connection c = assertServerSawDisconnect();
    assertThat(c.requestLine()).isEqualTo("POST /v1/chat/completions HTTP/1.1");
    assertThat(server.accepted()).as("one request, no retry").isEqualTo(1);
  }

  /** Streams kept busy on the same client while one is stopped. */
  private static final int LOAD = 50;
  private static final ChatRequest LOAD_REQUEST = ChatRequest.builder().user("load").build();
  /** Only a guard against a hang: the server waits this long for the close before it writes again. */
  private static final Duration HANG_GUARD = Duration.ofSeconds(20);

  /**
   * Under load (50 streams of the same client busy receiving, the HttpClient's one selector thread
   * and the callback thread shared with them), stopping a stream closes its connection by itself:
   * after its first events the stopped stream's server writes nothing more until it sees the
   * connection close, so a close that waited for the next read, or for anything but the stop, hangs
   * here until the guard. The server writes nothing after the close, and the stop's own checks
   * say the consumer got nothing after it.
   */
  @ParameterizedTest
  @MethodSource("stops")
  @Timeout(90)
  void underLoadTheServerSeesTheCloseBeforeItWritesAgain(Stop stop, Transports transport) throws Exception {
    CompletableFuture<RawServer.Connection> stopped = new CompletableFuture<>();
    CompletableFuture<Boolean> closedBeforeNextEvent = new CompletableFuture<>();
    server =
        RawServer.start(
            c -> {
              if (c.body().contains("\"load\"")) {
                c.sseHeaders();
                for (int i = 0; i < 1_000_000; i++) { // writes on until the client closes
                  c.chunk(RawServer.contentEvent("load "));
                  if (c.awaitClientClose(Duration.ofMillis(2))) {
                    return;
                  }
                }
                return;
              }
              stopped.complete(c);
              StringBuilder first = new StringBuilder(); // enough for every stop: then silence
              for (int i = 0; i < BURST + 5; i++) {
                first.append(RawServer.contentEvent("t" + i + " "));
              }
              try {
                c.sseHeaders();
                c.chunk(first.toString());
              } catch (java.io.IOException e) {
                // the client closed before this burst was written (a stop that needs fewer events
                // than one read brought): the server saw the close before writing again
                closedBeforeNextEvent.complete(true);
                return;
              }
              boolean closed = c.awaitClientClose(HANG_GUARD);
              closedBeforeNextEvent.complete(closed);
              if (!closed) {
                c.chunk(RawServer.contentEvent("late "));
              }
            });
    client = builder(transport).build();
    CountDownLatch loaded = new CountDownLatch(LOAD);
    List<StreamHandle<ChatResult>> load = new ArrayList<>();
    for (int i = 0; i < LOAD; i++) {
      java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean();
      load.add(client.chat().subscribe(LOAD_REQUEST, StreamListener.of(t -> {
        if (first.compareAndSet(false, true)) {
          loaded.countDown();
        }
      }, r -> {}, e -> {})));
    }
    assertThat(loaded.await(30, TimeUnit.SECONDS)).as("every loading stream receives").isTrue();
    server.clearQueues(); // the next request is the stopped stream's
    stop.run(context());
    assertThat(closedBeforeNextEvent.get(HANG_GUARD.toSeconds() + 10, TimeUnit.SECONDS))
        .as("the server saw the close before writing again")
        .isTrue();
    assertThat(stopped.get(1, TimeUnit.SECONDS).requestLine()).isEqualTo("POST /v1/chat/completions HTTP/1.1");
    assertThat(server.accepted()).as("one request per stream, no retry").isEqualTo(LOAD + 1);
    assertThat(load).as("the load went on meanwhile").noneMatch(StreamHandle::isDone);
  }

  @ParameterizedTest
  @EnumSource(Transports.class)
  void closingBeforeTheResponseHeadersClosesTheConnection(Transports transport) throws Exception {
    startNeverAnswering(transport);
    ChatStream events = client.chat().stream(REQUEST);
    assertThat(server.awaitRequest(WAIT)).isNotNull();
    events.close();
    assertServerSawDisconnect();
    assertThatThrownBy(events::result).isInstanceOf(StreamCancelledException.class);
  }

  @Test
  void cancellingTheSubscriptionBeforeTheResponseHeadersClosesTheConnection() throws Exception {
    startNeverAnswering();
    AtomicReference<Flow.Subscription> sub = new AtomicReference<>();
    AtomicReference<Object> signal = new AtomicReference<>();
    client
        .chat().publisher(REQUEST)
        .subscribe(
            new Flow.Subscriber<ChatEvent>() {
              @Override
              public void onSubscribe(Flow.Subscription s) {
                sub.set(s);
                s.request(10);
              }

              @Override
              public void onNext(ChatEvent item) {
                signal.set(item);
              }

              @Override
              public void onError(Throwable t) {
                signal.set(t);
              }

              @Override
              public void onComplete() {
                signal.set("complete");
              }
            });
    RawServer.Connection c = server.awaitRequest(WAIT);
    assertThat(c).isNotNull();
    sub.get().cancel();
    context().awaitQuiet(c); // the cancel's own failure, if it were delivered, came by now
    assertThat(signal.get()).as("no signal after cancel").isNull();
    assertServerSawDisconnect();
  }

  @Test
  void cancellingTheAsyncFutureBeforeTheResponseHeadersClosesTheConnection() throws Exception {
    startNeverAnswering();
    CompletableFuture<ChatResult> f = client.chat().callAsync(REQUEST);
    assertThat(server.awaitRequest(WAIT)).isNotNull();
    f.cancel(true);
    assertServerSawDisconnect();
  }

  @ParameterizedTest
  @EnumSource(Transports.class)
  void interruptingChatBeforeTheResponseHeadersClosesTheConnection(Transports transport) throws Exception {
    startNeverAnswering(transport);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread t =
        new Thread(
            () -> {
              try {
                client.chat().call(REQUEST);
              } catch (Throwable e) {
                thrown.set(e);
              }
            });
    t.start();
    assertThat(server.awaitRequest(WAIT)).isNotNull();
    t.interrupt();
    t.join(10_000);
    assertThat(thrown.get()).isInstanceOf(StreamCancelledException.class);
    assertServerSawDisconnect();
  }

  @Test
  void closingFromAnotherThreadEndsTheIterationAtOnce() throws Exception {
    // the server writes 100 events at once; the consumer takes one, then another thread closes:
    // the events already queued are dropped, the iterating thread sees the cancellation next
    server =
        RawServer.start(
            c -> {
              c.sseHeaders();
              StringBuilder all = new StringBuilder();
              for (int i = 0; i < 100; i++) {
                all.append(RawServer.contentEvent("t" + i + " "));
              }
              int size = all.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
              c.write(Integer.toHexString(size) + "\r\n" + all + "\r\n"); // one write: read together
              c.awaitClientClose(Duration.ofSeconds(60));
            });
    client = builder().build();
    ChatStream events = client.chat().stream(REQUEST);
    Iterator<ChatEvent> it = events.iterator();
    assertThat(it.next()).isEqualTo(new ChatEvent.Content("t0 "));
    // the read that brought t0 brought the events after it: they are queued, not yet taken
    assertThat(eventsRead.await(10, TimeUnit.SECONDS)).as("events read past the one taken").isTrue();
    Thread closer = new Thread(events::close);
    closer.start();
    closer.join(10_000);
    assertThatThrownBy(it::hasNext).isInstanceOf(StreamCancelledException.class);
    assertServerSawDisconnect();
  }

  @Test
  void closingAfterCompletionIsHarmless() throws Exception {
    server = RawServer.start(c -> c.slowEvents(Duration.ofMillis(1), 3));
    client = LlamaClient.builder().baseUrl(server.url()).build();
    ChatStream events = client.chat().stream(REQUEST);
    ChatResult r = events.result();
    events.close();
    assertThat(r.text()).isEqualTo("t0 t1 t2 ");
    assertThat(events.result()).isSameAs(r);
  }
}
