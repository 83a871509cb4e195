package io.github.llamaclient.internal.exchange;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.LlamaConnectException;
import io.github.llamaclient.LlamaException;
import io.github.llamaclient.LlamaHttpException;
import io.github.llamaclient.LlamaProtocolException;
import io.github.llamaclient.LlamaStreamException;
import io.github.llamaclient.LlamaTimeoutException;
import io.github.llamaclient.ResponseTooLargeException;
import io.github.llamaclient.StreamCancelledException;
import io.github.llamaclient.StreamInterruptedException;
import io.github.llamaclient.testing.FakeClock;
import io.github.llamaclient.testing.MockTransport.MockCall;
import io.github.llamaclient.testing.MockTransport.Mode;
import io.github.llamaclient.testing.MockTransport;
import io.github.llamaclient.testing.Transcript;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The exchange state machine alone: a {@link MockTransport} instead of sockets, a {@link FakeClock}
 * instead of time. Each contract is checked on both transport modes where it applies to both;
 * the timeouts and push flow control are in {@link ExchangeTimeoutTest}.
 */
class ExchangeTest extends ExchangeFixture {
  // ------------------------------------------------------------------ streams and releases

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aRecordedStreamInReadsOfAnySizeEndsAtDoneAndReleasesItsConnectionNotReusable(Mode mode) throws Exception {
    Transcript tr = Transcript.load("chat-stream-basic");
    for (int size : new int[] {1, 7, 100, tr.body().length}) {
      MockTransport t = new MockTransport(mode);
      TestSink<ChatResult> sink = new TestSink<>();
      Exchange<ChatResult> x = streaming(t, sink);
      t.call(0).sseHead().bodyEvery(tr.body(), size).end();
      x.start();
      pump(x, t);
      assertThat(sink.failure).as("reads of %s bytes", size).isNull();
      assertThat(sink.result.text()).isEqualTo(tr.expectedContent());
      assertThat(sink.text()).isEqualTo(tr.expectedContent());
      assertThat(sink.terminals.get()).isEqualTo(1);
      MockCall c = t.call(0);
      assertThat(c.releases()).as("released once at [DONE], never kept: the server closes it").containsExactly(false);
      assertThat(c.aborts()).isZero();
      assertThat(t.mayReuse()).containsExactly(true);
      assertThat(clock.pending()).as("no watchdog left armed").isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aCollectedBodyReleasesItsConnectionReusableOnlyAfterItsEnd(Mode mode) throws Exception {
    MockTransport t = new MockTransport(mode);
    TestSink<Exchange.Collected> sink = new TestSink<>();
    Exchange<Exchange.Collected> x = collecting(t, post(false, true), sink);
    byte[] body = ascii("{\"tokens\":[1,2,3]}");
    MockCall c = t.call(0).head(200, "Content-Type", JSON).body(body, 3, 5);
    x.start();
    pump(x, t);
    assertThat(c.releases()).isEmpty();
    assertThat(sink.terminals.get()).isZero();
    c.end();
    pump(x, t);
    assertThat(sink.result.body()).isEqualTo(body);
    assertThat(sink.result.status()).isEqualTo(200);
    assertThat(c.releases()).containsExactly(true);
    assertThat(c.aborts()).isZero();
    assertThat(clock.pending()).as("no watchdog left armed").isZero();
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void anEventCutAtTheEndOfInputFailsWithTheTextSoFar(Mode mode) throws Exception {
    byte[] body = basicBody();
    String text = new String(body, UTF_8);
    int cut = -1;
    for (int i = 0; i < 6; i++) {
      cut = text.indexOf("data: ", cut + 1);
    }
    cut += 40; // inside the sixth event
    StringBuilder expected = new StringBuilder();
    ObjectMapper json = new ObjectMapper();
    for (String event : text.substring(0, cut).split("\n\n")) {
      if (text.substring(0, cut).indexOf(event + "\n\n") >= 0) { // complete events only
        JsonNode content = json.readTree(event.substring(6)).path("choices").path(0).path("delta").path("content");
        expected.append(content.isTextual() ? content.asText() : "");
      }
    }
    assertThat(expected.toString()).isNotEmpty();
    MockTransport t = new MockTransport(mode);
    TestSink<ChatResult> sink = new TestSink<>();
    Exchange<ChatResult> x = streaming(t, sink);
    t.call(0).sseHead().body(java.util.Arrays.copyOf(body, cut), 50).end();
    x.start();
    pump(x, t);
    assertThat(sink.failure).isInstanceOf(StreamInterruptedException.class).hasMessageContaining("in the middle of an SSE event");
    assertThat(((StreamInterruptedException) sink.failure).partialText()).isEqualTo(expected.toString());
    assertThat(sink.text()).isEqualTo(expected.toString());
    assertThat(t.call(0).aborts()).isEqualTo(1);
    assertThat(t.call(0).releases()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void recordedStreamsThatEndWithoutDoneFailWithTheTextSoFar(Mode mode) throws Exception {
    for (String scenario : List.of("chat-stream-error-mid-stream", "chat-stream-cut-mid-stream")) {
      Transcript tr = Transcript.load(scenario);
      MockTransport t = new MockTransport(mode);
      TestSink<ChatResult> sink = new TestSink<>();
      Exchange<ChatResult> x = streaming(t, sink);
      t.call(0).sseHead().bodyEvery(tr.body(), 333).end();
      x.start();
      pump(x, t);
      assertThat(sink.text()).as(scenario).isEqualTo(tr.expectedContent()).isNotEmpty();
      assertThat(sink.terminals.get()).isEqualTo(1);
      assertThat(t.call(0).aborts()).isEqualTo(1);
      if (scenario.contains("error")) {
        assertThat(sink.failure).isInstanceOf(LlamaStreamException.class);
        LlamaStreamException e = (LlamaStreamException) sink.failure;
        assertThat(e.serverMessage()).isEqualTo("Compute error.");
        assertThat(e.partialText()).isEqualTo(tr.expectedContent());
      } else {
        assertThat(sink.failure).isInstanceOf(StreamInterruptedException.class);
        assertThat(((StreamInterruptedException) sink.failure).partialText()).isEqualTo(tr.expectedContent());
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aCollectedBodyLargerThanItsBoundFailsAndIsNotKept(Mode mode) throws Exception {
    for (int size : new int[] {16, 17}) {
      MockTransport t = new MockTransport(mode);
      TestSink<Exchange.Collected> sink = new TestSink<>();
      Exchange<Exchange.Collected> x = Exchange.collecting(engine(t, null), post(false, true), t, 16, c -> c, sink);
      byte[] body = new byte[size];
      java.util.Arrays.fill(body, (byte) '7');
      MockCall c = t.call(0).head(200, "Content-Type", JSON).body(body, 10).end();
      x.start();
      pump(x, t);
      if (size == 16) {
        assertThat(sink.result.body()).isEqualTo(body);
        assertThat(c.releases()).containsExactly(true);
      } else {
        assertThat(sink.failure).isInstanceOf(ResponseTooLargeException.class);
        assertThat(c.releases()).isEmpty();
        assertThat(c.aborts()).isEqualTo(1);
      }
    }
  }

  @Test
  void anInterruptedPulledStepCancelsTheExchange() throws Exception {
    MockTransport t = new MockTransport(Mode.PULLED);
    TestSink<ChatResult> sink = new TestSink<>();
    Exchange<ChatResult> x = streaming(t, sink);
    MockCall c =
        t.call(0)
            .sseHead()
            .then(
                r -> {
                  throw new InterruptedException("interrupted in a read");
                })
            .body(basicBody());
    x.start();
    x.pump();
    assertThatThrownBy(x::pump).isInstanceOf(InterruptedException.class);
    assertThat(x.isCancelled()).isTrue();
    assertThat(sink.failure).isInstanceOf(StreamCancelledException.class);
    assertThat(c.aborts()).isEqualTo(1);
    assertThat(x.pump()).isFalse();
    assertThat(c.scriptLeft()).isEqualTo(1);
  }

  @Test
  void theTerminationHookRunsOnceWhateverEnds() throws Exception {
    for (int how = 0; how < 4; how++) {
      MockTransport t = new MockTransport(Mode.PUSHED);
      TestSink<Exchange.Collected> sink = new TestSink<>();
      Exchange<Exchange.Collected> x = collecting(t, post(false, false), sink);
      AtomicInteger hooks = new AtomicInteger();
      x.onTerminate(hooks::incrementAndGet);
      if (how == 3) {
        x.reject(new LlamaException("the client is closed"));
      }
      x.start();
      MockCall c = t.call(0);
      switch (how) {
        case 0 -> c.head(200, "Content-Type", JSON).body("{}").end();
        case 1 -> c.fail(new ConnectException("refused"), false);
        case 2 -> x.cancel();
        default -> {}
      }
      x.cancel();
      c.then(r -> r.failed(new IOException("late"), false));
      x.reject(new LlamaException("late"));
      assertThat(hooks.get()).as("case %s", how).isEqualTo(1);
      assertThat(sink.terminals.get()).isEqualTo(1);
      assertThat(x.isDone()).isTrue();
      assertThat(t.attempts()).isEqualTo(how == 3 ? 0 : 1);
    }
  }

  // ------------------------------------------------------------------ cancel

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aCancelClosesTheConnectionFirstBeforeItsFailureIsMadeAndTheHooksRun(Mode mode) throws Exception {
    MockTransport t = new MockTransport(mode);
    TestSink<ChatResult> sink = new TestSink<>();
    List<Integer> abortsSeen = new ArrayList<>();
    Engine e =
        new Engine(clock, Duration.ofSeconds(5), RESPONSE, IDLE, null, 64 * 1024, null, t, t, Secrets.NONE,
            f -> {
              abortsSeen.add(t.call(0).aborts()); // the failure is redacted: the close already ran
              return f;
            });
    Exchange<ChatResult> x =
        Exchange.streaming(e, post(true, false), t, new io.github.llamaclient.internal.json.ChatChunkDecoder(1 << 20), sink);
    x.onTerminate(() -> abortsSeen.add(t.call(0).aborts())); // the limiter's hook
    t.call(0).sseHead().body(java.util.Arrays.copyOf(basicBody(), 2000), 700);
    x.start();
    pump(x, t);
    x.cancel();
    assertThat(abortsSeen).as("aborts seen when the failure was made, then when the hook ran").containsExactly(1, 1);
    assertThat(sink.failure).isInstanceOf(StreamCancelledException.class);
    assertThat(sink.terminals.get()).isEqualTo(1);
    x.cancel();
    assertThat(t.call(0).aborts()).isEqualTo(1);
    assertThat(sink.terminals.get()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void afterCancelTheCallIsAbortedAndNothingMoreReachesTheSink(Mode mode) throws Exception {
    byte[] body = basicBody();
    MockTransport t = new MockTransport(mode);
    TestSink<ChatResult> sink = new TestSink<>();
    Exchange<ChatResult> x = streaming(t, sink);
    MockCall c = t.call(0).sseHead().body(java.util.Arrays.copyOf(body, 2000), 700);
    x.start();
    pump(x, t);
    int events = sink.events.size();
    int demands = c.demands();
    assertThat(events).isPositive();
    x.cancel();
    assertThat(x.isCancelled()).isTrue();
    assertThat(sink.failure).isInstanceOf(StreamCancelledException.class);
    assertThat(c.aborts()).isEqualTo(1);
    assertThat(c.releases()).isEmpty();
    // a transport that goes on anyway: the rest of the body, its end, a failure, a resume
    x.body(body, 2000, body.length - 2000);
    x.delivered();
    x.end();
    x.failed(new IOException("reset"), false);
    sink.consume();
    x.cancel();
    assertThat(x.pump()).isFalse();
    assertThat(sink.events).hasSize(events);
    assertThat(sink.terminals.get()).isEqualTo(1);
    assertThat(sink.late.get()).isZero();
    assertThat(c.demands()).isEqualTo(demands);
    assertThat(c.aborts()).isEqualTo(1);
    assertThat(t.attempts()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aCancelFromTheSinksOwnCallbackStopsEventsAtOnce(Mode mode) throws Exception {
    // each chunk of this recording decodes into two events: its text and its timings
    Transcript tr = Transcript.load("chat-stream-timings-per-token");
    for (int at = 1; at <= 4; at++) {
      MockTransport t = new MockTransport(mode);
      TestSink<ChatResult> sink = new TestSink<>();
      sink.cancelAtEvent = at;
      Exchange<ChatResult> x = streaming(t, sink);
      t.call(0).sseHead().body(tr.body()).end();
      x.start();
      pump(x, t);
      assertThat(sink.failure).isInstanceOf(StreamCancelledException.class);
      assertThat(sink.late.get()).as("events after the cancel in event %s: %s", at, sink.events).isZero();
      assertThat(sink.events).hasSize(at);
      assertThat(t.call(0).aborts()).isEqualTo(1);
    }
  }

  @Test
  void aCancelFromAnotherThreadEndsAPulledStepBlockedInIo() throws Exception {
    MockTransport t = new MockTransport(Mode.PULLED);
    TestSink<ChatResult> sink = new TestSink<>();
    Exchange<ChatResult> x = streaming(t, sink);
    MockCall c = t.call(0).sseHead().blockedUntilClosed().body(basicBody());
    x.start();
    Thread consumer = new Thread(() -> {
      try {
        pump(x, t);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    consumer.start();
    c.awaitBlocked(Duration.ofSeconds(30));
    x.cancel();
    consumer.join(30_000);
    assertThat(consumer.isAlive()).isFalse();
    assertThat(c.aborts()).isEqualTo(1);
    assertThat(sink.failure).isInstanceOf(StreamCancelledException.class);
    assertThat(sink.events).isEmpty();
    assertThat(c.scriptLeft()).as("no step after the cancel").isEqualTo(1);
  }

  @Test
  void aPulledExchangeSendsOnlyWhenItsConsumerStepsAPushedOneAtStart() {
    MockTransport pulled = new MockTransport(Mode.PULLED);
    TestSink<ChatResult> ps = new TestSink<>();
    Exchange<ChatResult> px = streaming(pulled, ps);
    MockCall c = pulled.call(0).sseHead();
    px.start();
    assertThat(ps.startables.get()).isEqualTo(1);
    assertThat(pulled.attempts()).isZero();
    assertThat(px.pumpable()).isTrue();
    px.sendNow();
    assertThat(pulled.attempts()).isEqualTo(1);
    assertThat(c.steps()).isEqualTo(1);
    assertThat(c.begins()).isEqualTo(1);

    MockTransport pushed = new MockTransport(Mode.PUSHED);
    TestSink<ChatResult> qs = new TestSink<>();
    Exchange<ChatResult> qx = streaming(pushed, qs);
    qx.start();
    qx.sendNow();
    assertThat(qs.startables.get()).isZero();
    assertThat(pushed.attempts()).isEqualTo(1);
    assertThat(pushed.call(0).begins()).isEqualTo(1);
    assertThat(pushed.call(0).mayReuse()).isTrue();
  }

  @Test
  void aCancelBeforeStartOpensNothing() {
    MockTransport t = new MockTransport(Mode.PUSHED);
    TestSink<ChatResult> sink = new TestSink<>();
    Exchange<ChatResult> x = streaming(t, sink);
    x.cancel();
    x.start();
    assertThat(t.attempts()).isZero();
    assertThat(sink.failure).isInstanceOf(StreamCancelledException.class);
    assertThat(clock.pending()).isZero();
  }

  // ------------------------------------------------------------------ races

  /**
   * Four threads end one exchange at once: the body's end, a cancel, a connection failure (pushed;
   * pulled: a second cancel, since a pulled failure comes from the same step as the end) and the
   * total deadline on the clock. Whoever wins, the sink hears once, the hook runs once and the call
   * is closed once (released reusable after a completion, aborted otherwise).
   */
  @ParameterizedTest
  @EnumSource(Mode.class)
  void exactlyOneTerminalSignalWhenEndCancelFailureAndTimeoutRace(Mode mode) throws Exception {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      for (int i = 0; i < 300; i++) {
        FakeClock time = new FakeClock();
        MockTransport t = new MockTransport(mode);
        TestSink<Exchange.Collected> sink = new TestSink<>();
        Engine engine = new Engine(time, Duration.ofSeconds(5), RESPONSE, IDLE, IDLE, 1024, null, t, t, Secrets.NONE, UnaryOperator.identity());
        Exchange<Exchange.Collected> x = Exchange.collecting(engine, post(false, false), t, 1024, c -> c, sink);
        AtomicInteger hooks = new AtomicInteger();
        x.onTerminate(hooks::incrementAndGet);
        MockCall c = t.call(0).head(200, "Content-Type", JSON).body("{\"n\":1}");
        x.start();
        pump(x, t);
        java.util.concurrent.CyclicBarrier go = new java.util.concurrent.CyclicBarrier(4);
        List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
        if (mode == Mode.PUSHED) {
          fs.add(pool.submit(() -> race(go, c::end)));
          fs.add(pool.submit(() -> race(go, () -> c.fail(new IOException("reset"), false))));
        } else {
          c.end();
          fs.add(pool.submit(() -> race(go, () -> {
            try {
              x.pump();
            } catch (InterruptedException e) {
              throw new IllegalStateException(e);
            }
          })));
          fs.add(pool.submit(() -> race(go, x::cancel)));
        }
        fs.add(pool.submit(() -> race(go, x::cancel)));
        fs.add(pool.submit(() -> race(go, () -> time.advance(IDLE))));
        for (java.util.concurrent.Future<?> f : fs) {
          f.get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        assertThat(sink.terminals.get()).as("round %s", i).isEqualTo(1);
        assertThat(sink.late.get()).isZero();
        assertThat(hooks.get()).isEqualTo(1);
        assertThat(c.aborts() + c.releases().size()).as("closed once").isEqualTo(1);
        if (sink.result != null) {
          assertThat(sink.failure).isNull();
          assertThat(c.releases()).containsExactly(true);
        } else {
          assertThat(sink.failure).isInstanceOfAny(StreamCancelledException.class, StreamInterruptedException.class, LlamaTimeoutException.Total.class);
          assertThat(c.aborts()).isEqualTo(1);
        }
        assertThat(x.isDone()).isTrue();
        assertThat(time.pending()).as("no watchdog left armed").isZero();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static Void race(java.util.concurrent.CyclicBarrier go, Runnable r) throws Exception {
    go.await(30, java.util.concurrent.TimeUnit.SECONDS);
    r.run();
    return null;
  }

  // ------------------------------------------------------------------ the retry rule

  @ParameterizedTest
  @EnumSource(Mode.class)
  void anIdempotentRequestIsSentOnceMoreOnANewConnectionWhenNoHeadCame(Mode mode) throws Exception {
    MockTransport t = new MockTransport(mode);
    TestSink<Exchange.Collected> sink = new TestSink<>();
    Exchange<Exchange.Collected> x = collecting(t, post(false, true), sink);
    t.call(0).fail(new IOException("connection reset"), false);
    t.call(1).head(200, "Content-Type", JSON).body("{}").end();
    x.start();
    pump(x, t);
    assertThat(sink.failure).isNull();
    assertThat(sink.result.body()).isEqualTo(ascii("{}"));
    assertThat(t.mayReuse()).containsExactly(true, false);
    assertThat(t.requests()).hasSize(2).allMatch(r -> r == t.requests().get(0));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void anIdempotentRequestIsNeverSentTwiceAgain(Mode mode) throws Exception {
    MockTransport t = new MockTransport(mode);
    TestSink<Exchange.Collected> sink = new TestSink<>();
    Exchange<Exchange.Collected> x = collecting(t, post(false, true), sink);
    t.call(0).fail(new IOException("connection reset"), true);
    t.call(1).fail(new ConnectException("refused"), true);
    t.call(2).head(200).end();
    x.start();
    pump(x, t);
    assertThat(t.attempts()).isEqualTo(2);
    assertThat(sink.failure).isInstanceOf(LlamaConnectException.class);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void noRequestIsSentAgainAfterAHead(Mode mode) throws Exception {
    MockTransport t = new MockTransport(mode);
    TestSink<Exchange.Collected> sink = new TestSink<>();
    Exchange<Exchange.Collected> x = collecting(t, post(false, true), sink);
    t.call(0).head(200, "Content-Type", JSON).fail(new IOException("connection reset"), true);
    t.call(1).head(200).end();
    x.start();
    pump(x, t);
    assertThat(t.attempts()).isEqualTo(1);
    assertThat(sink.failure).isInstanceOf(StreamInterruptedException.class).hasMessageContaining("broke");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aNonIdempotentRequestIsSentAgainOnlyWithTheStaleFactWithinOneSecond(Mode mode) throws Exception {
    // {stale, milliseconds after the send, sent again}
    long[][] cases = {{0, 0, 0}, {1, 0, 1}, {1, 999, 1}, {1, 1000, 0}, {1, 5000, 0}};
    for (long[] k : cases) {
      MockTransport t = new MockTransport(mode);
      TestSink<Exchange.Collected> sink = new TestSink<>();
      Exchange<Exchange.Collected> x = collecting(t, post(false, false), sink);
      t.call(0).busyFor(clock, Duration.ofMillis(k[1])).fail(new IOException("connection reset"), k[0] == 1);
      t.call(1).head(200, "Content-Type", JSON).body("{}").end();
      x.start();
      pump(x, t);
      String what = "stale " + k[0] + " after " + k[1] + " ms";
      if (k[2] == 1) {
        assertThat(t.mayReuse()).as(what).containsExactly(true, false);
        assertThat(sink.result).as(what).isNotNull();
      } else {
        assertThat(t.attempts()).as(what).isEqualTo(1);
        assertThat(sink.failure).as(what).isInstanceOf(StreamInterruptedException.class).hasMessageContaining("closed before any response");
      }
    }
  }

  // ------------------------------------------------------------------ status and content type

  @ParameterizedTest
  @EnumSource(Mode.class)
  void anErrorStatusCollectsItsBodyAndFailsWithTheServersMessage(Mode mode) throws Exception {
    MockTransport t = new MockTransport(mode);
    TestSink<ChatResult> sink = new TestSink<>();
    Exchange<ChatResult> x = streaming(t, sink);
    byte[] error = ascii("{\"error\":{\"code\":500,\"message\":\"boom\",\"type\":\"server_error\"}}");
    t.call(0).head(500, "Content-Type", JSON).body(error, 1, 10, 20).end();
    x.start();
    pump(x, t);
    assertThat(sink.failure).isInstanceOf(LlamaHttpException.class);
    LlamaHttpException e = (LlamaHttpException) sink.failure;
    assertThat(e.statusCode()).isEqualTo(500);
    assertThat(e.serverMessage()).isEqualTo("boom");
    assertThat(e.errorType()).isEqualTo("server_error");
    assertThat(e.body()).isEqualTo(new String(error, UTF_8));
    assertThat(sink.events).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void anErrorBodyThatNeverEndsIsCutAtItsLimit(Mode mode) throws Exception {
    MockTransport t = new MockTransport(mode);
    TestSink<ChatResult> sink = new TestSink<>();
    Exchange<ChatResult> x = streaming(t, sink);
    byte[] kb = new byte[1000];
    java.util.Arrays.fill(kb, (byte) 'x');
    AtomicInteger readsBeforeFailure = new AtomicInteger();
    MockCall c = t.call(0).head(503);
    for (int i = 0; i < 200; i++) {
      c.then(
          r -> {
            if (sink.terminals.get() == 0) {
              readsBeforeFailure.incrementAndGet();
            }
            r.body(kb, 0, kb.length);
            r.delivered();
          });
    }
    x.start();
    pump(x, t);
    assertThat(sink.failure).isInstanceOf(LlamaHttpException.class);
    assertThat(((LlamaHttpException) sink.failure).body()).startsWith("xxxx");
    assertThat(readsBeforeFailure.get()).as("failed by the read that reached 64 KiB, without an end").isEqualTo(66);
    assertThat(c.aborts()).isEqualTo(1);
    assertThat(sink.terminals.get()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aRedirectFailsOnItsHeadWithItsLocation(Mode mode) throws Exception {
    MockTransport t = new MockTransport(mode);
    TestSink<ChatResult> sink = new TestSink<>();
    Exchange<ChatResult> x = streaming(t, sink);
    MockCall c = t.call(0).head(302, "Location", "http://elsewhere.test/x").body("moved").end();
    x.start();
    pump(x, t);
    assertThat(sink.failure).isInstanceOf(LlamaHttpException.class);
    LlamaHttpException e = (LlamaHttpException) sink.failure;
    assertThat(e.statusCode()).isEqualTo(302);
    assertThat(e.location()).isEqualTo("http://elsewhere.test/x");
    assertThat(c.aborts()).isEqualTo(1);
    assertThat(c.demands()).isZero();
    assertThat(t.attempts()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aStatusThatIsNoStatusIsAProtocolError(Mode mode) throws Exception {
    MockTransport t = new MockTransport(mode);
    TestSink<ChatResult> sink = new TestSink<>();
    Exchange<ChatResult> x = streaming(t, sink);
    t.call(0).head(600, "Content-Type", "text/event-stream").body(basicBody()).end();
    x.start();
    pump(x, t);
    assertThat(sink.failure).isInstanceOf(LlamaProtocolException.class);
    assertThat(((LlamaProtocolException) sink.failure).offendingLine()).isEqualTo("600");
    assertThat(sink.events).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aStreamOfTheWrongContentTypeFailsWithAPreview(Mode mode) throws Exception {
    MockTransport t = new MockTransport(mode);
    TestSink<ChatResult> sink = new TestSink<>();
    Exchange<ChatResult> x = streaming(t, sink);
    t.call(0).head(200, "Content-Type", "text/html").body(ascii("<html>a proxy says hello</html>"), 9).end();
    x.start();
    pump(x, t);
    assertThat(sink.failure).isInstanceOf(LlamaProtocolException.class).hasMessageContaining("text/html");
    assertThat(((LlamaProtocolException) sink.failure).offendingLine()).contains("a proxy says hello");
    assertThat(sink.events).isEmpty();
  }
}
