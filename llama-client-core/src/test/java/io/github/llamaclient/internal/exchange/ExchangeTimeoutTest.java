package io.github.llamaclient.internal.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.ChatResult;
import io.github.llamaclient.LlamaTimeoutException;
import io.github.llamaclient.internal.json.ChatChunkDecoder;
import io.github.llamaclient.testing.FakeClock;
import io.github.llamaclient.testing.MockTransport;
import io.github.llamaclient.testing.MockTransport.MockCall;
import io.github.llamaclient.testing.MockTransport.Mode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The exchange's limits on a {@link FakeClock} (response, idle, total; pulled limits count only
 * while a step is blocked in I/O) and push flow control, over a {@link MockTransport}.
 */
class ExchangeTimeoutTest extends ExchangeFixture {
  @Test
  void pushedTheResponseLimitRunsFromTheSend() {
    MockTransport t = new MockTransport(Mode.PUSHED);
    TestSink<ChatResult> sink = new TestSink<>();
    Exchange<ChatResult> x = streaming(t, sink);
    x.start();
    clock.advance(RESPONSE.minus(MS));
    assertThat(sink.terminals.get()).isZero();
    clock.advance(MS);
    assertThat(sink.failure).isInstanceOf(LlamaTimeoutException.ResponseHeaders.class);
    assertThat(t.call(0).aborts()).isEqualTo(1);
    assertThat(clock.pending()).isZero();
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aRequestsOwnResponseLimitReplacesTheDefault(Mode mode) throws Exception {
    MockTransport t = new MockTransport(mode);
    TestSink<ChatResult> sink = new TestSink<>();
    HttpRequest http =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:9/v1/chat/completions"))
            .timeout(Duration.ofSeconds(2))
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build();
    Exchange<ChatResult> x =
        Exchange.streaming(engine(t, null), new Request(http, new byte[2], true, false), t, new ChatChunkDecoder(1 << 20), sink);
    t.call(0).blockedFor(clock, Duration.ofSeconds(2).minus(MS)).blockedFor(clock, Duration.ofSeconds(1));
    x.start();
    pump(x, t);
    assertThat(sink.failure).isInstanceOf(LlamaTimeoutException.ResponseHeaders.class);
    assertThat(((LlamaTimeoutException) sink.failure).limit()).isEqualTo(Duration.ofSeconds(2));
    assertThat(clock.nanoTime() - 1_000_000_000L).as("failed at 2 s, not at the default 10 s").isLessThan(Duration.ofSeconds(3).toNanos());
  }

  @Test
  void pushedTheIdleLimitRunsFromTheLastRead() {
    MockTransport t = new MockTransport(Mode.PUSHED);
    TestSink<ChatResult> sink = new TestSink<>();
    Exchange<ChatResult> x = streaming(t, sink);
    byte[] body = basicBody();
    MockCall c = t.call(0).sseHead();
    x.start();
    clock.advance(IDLE.minus(MS));
    c.body(java.util.Arrays.copyOf(body, 500));
    clock.advance(IDLE.minus(MS));
    c.body(java.util.Arrays.copyOfRange(body, 500, 1000));
    clock.advance(IDLE.minus(MS));
    assertThat(sink.terminals.get()).isZero();
    clock.advance(MS);
    assertThat(sink.failure).isInstanceOf(LlamaTimeoutException.Idle.class);
    assertThat(c.aborts()).isEqualTo(1);
  }

  @Test
  void pushedTheTotalLimitEndsABusyStream() {
    MockTransport t = new MockTransport(Mode.PUSHED);
    TestSink<ChatResult> sink = new TestSink<>();
    Exchange<ChatResult> x = Exchange.streaming(engine(t, Duration.ofSeconds(12)), post(true, false), t, new ChatChunkDecoder(1 << 20), sink);
    byte[] body = basicBody();
    MockCall c = t.call(0).sseHead();
    x.start();
    for (int i = 0; i < 11; i++) {
      c.body(java.util.Arrays.copyOfRange(body, i * 100, i * 100 + 100));
      clock.advance(Duration.ofSeconds(1));
    }
    assertThat(sink.terminals.get()).isZero();
    clock.advance(Duration.ofSeconds(1));
    assertThat(sink.failure).isInstanceOf(LlamaTimeoutException.Total.class);
  }

  // ------------------------------------------------------------------ push flow control

  @Test
  void pushedNoDemandWhileTheSinkWantsNoMoreAndNoIdleTimeoutWhilePaused() {
    MockTransport t = new MockTransport(Mode.PUSHED);
    TestSink<ChatResult> sink = new TestSink<>();
    sink.wantsMore = false;
    Exchange<ChatResult> x = streaming(t, sink);
    byte[] body = basicBody();
    MockCall c = t.call(0).sseHead();
    x.start();
    assertThat(c.demands()).isZero();
    sink.consume();
    assertThat(c.demands()).as("a resume while the sink still wants no more").isZero();
    clock.advance(IDLE.multipliedBy(10));
    assertThat(sink.terminals.get()).as("a paused stream waits for its consumer, not the server").isZero();
    sink.wantsMore = true;
    sink.consume();
    assertThat(c.demands()).isEqualTo(1);
    c.body(java.util.Arrays.copyOf(body, 600));
    assertThat(c.demands()).isEqualTo(2);
    sink.wantsMore = false;
    c.body(java.util.Arrays.copyOfRange(body, 600, 1200));
    assertThat(c.demands()).isEqualTo(2);
    clock.advance(IDLE.multipliedBy(10));
    assertThat(sink.terminals.get()).isZero();
    sink.wantsMore = true;
    sink.consume();
    sink.consume();
    assertThat(c.demands()).as("one resume, one demand").isEqualTo(3);
    clock.advance(IDLE.minus(MS));
    assertThat(sink.terminals.get()).as("the idle limit restarts at the resume").isZero();
    clock.advance(MS);
    assertThat(sink.failure).isInstanceOf(LlamaTimeoutException.Idle.class);
  }

  @Test
  void pushedACollectedBodyIsReadWhateverTheSinkWants() {
    MockTransport t = new MockTransport(Mode.PUSHED);
    TestSink<Exchange.Collected> sink = new TestSink<>();
    sink.wantsMore = false;
    Exchange<Exchange.Collected> x = collecting(t, post(false, true), sink);
    MockCall c = t.call(0).head(200, "Content-Type", JSON);
    x.start();
    assertThat(c.demands()).isEqualTo(1);
    c.body("{\"a\":");
    assertThat(c.demands()).isEqualTo(2);
    c.body("1}").end();
    assertThat(sink.result.body()).isEqualTo(ascii("{\"a\":1}"));
  }

  // ------------------------------------------------------------------ timeouts, pulled

  @Test
  void pulledAStepBlockedPastTheResponseLimitFails() throws Exception {
    MockTransport t = new MockTransport(Mode.PULLED);
    TestSink<ChatResult> sink = new TestSink<>();
    Exchange<ChatResult> x = streaming(t, sink);
    MockCall c = t.call(0).blockedFor(clock, RESPONSE.plusSeconds(1)).sseHead();
    x.start();
    x.pump();
    assertThat(sink.failure).isInstanceOf(LlamaTimeoutException.ResponseHeaders.class);
    assertThat(c.aborts()).isEqualTo(1);
    assertThat(x.pump()).isFalse();
    assertThat(c.scriptLeft()).isEqualTo(1);
  }

  @Test
  void pulledAConsumerThatIsNotSteppingOrIsDecodingIsNotTimedOut() throws Exception {
    MockTransport t = new MockTransport(Mode.PULLED);
    TestSink<ChatResult> sink = new TestSink<>();
    Exchange<ChatResult> x = streaming(t, sink);
    byte[] body = basicBody();
    MockCall c = t.call(0).busyFor(clock, Duration.ZERO);
    x.start();
    x.pump(); // sent
    clock.advance(RESPONSE.multipliedBy(10));
    c.sseHead();
    pump(x, t);
    clock.advance(IDLE.multipliedBy(10));
    c.busyFor(clock, IDLE.multipliedBy(10)); // a step that decodes for long: not the server's silence
    pump(x, t);
    c.blockedFor(clock, IDLE.minus(MS)).body(java.util.Arrays.copyOf(body, 1000));
    pump(x, t);
    assertThat(sink.terminals.get()).isZero();
    assertThat(sink.events).isNotEmpty();
    c.body(java.util.Arrays.copyOfRange(body, 1000, body.length));
    pump(x, t);
    assertThat(sink.failure).isNull();
    assertThat(sink.result).isNotNull();
  }

  @Test
  void pulledAReadBlockedForTheIdleLimitFails() throws Exception {
    MockTransport t = new MockTransport(Mode.PULLED);
    TestSink<ChatResult> sink = new TestSink<>();
    Exchange<ChatResult> x = streaming(t, sink);
    MockCall c = t.call(0).sseHead();
    x.start();
    x.pump();
    clock.advance(IDLE.multipliedBy(3)); // not stepping
    c.blockedFor(clock, IDLE.minus(MS)).blockedFor(clock, IDLE);
    x.pump();
    assertThat(sink.terminals.get()).isZero();
    x.pump();
    assertThat(sink.failure).isInstanceOf(LlamaTimeoutException.Idle.class);
    assertThat(c.aborts()).isEqualTo(1);
  }

  @Test
  void pulledTheTotalLimitRunsEvenWhileTheConsumerIsAway() throws Exception {
    MockTransport t = new MockTransport(Mode.PULLED);
    TestSink<ChatResult> sink = new TestSink<>();
    Exchange<ChatResult> x = Exchange.streaming(engine(t, Duration.ofSeconds(30)), post(true, false), t, new ChatChunkDecoder(1 << 20), sink);
    MockCall c = t.call(0).sseHead();
    x.start();
    x.pump();
    clock.advance(Duration.ofSeconds(30).minus(MS));
    assertThat(sink.terminals.get()).isZero();
    clock.advance(MS);
    assertThat(sink.failure).isInstanceOf(LlamaTimeoutException.Total.class);
    assertThat(c.aborts()).isEqualTo(1);
  }
}
