package io.github.llamaclient.internal.exchange;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.LlamaException;
import io.github.llamaclient.internal.json.ChatChunkDecoder;
import io.github.llamaclient.testing.FakeClock;
import io.github.llamaclient.testing.MockTransport;
import io.github.llamaclient.testing.MockTransport.MockCall;
import io.github.llamaclient.testing.Transcript;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * What the exchange tests share: a {@link FakeClock}, an engine over a {@link MockTransport}, a
 * recording sink, and a pump for pulled exchanges. No sockets, no sleeping.
 */
abstract class ExchangeFixture {
  static final Duration RESPONSE = Duration.ofSeconds(10);
  static final Duration IDLE = Duration.ofSeconds(5);
  static final Duration MS = Duration.ofMillis(1);
  static final String JSON = "application/json";

  final FakeClock clock = new FakeClock();

  // ------------------------------------------------------------------ set-up

  /** A sink that records everything, and counts what arrives after the terminal signal. */
  static final class TestSink<R> extends Exchange.Sink<R> {
    final List<ChatEvent> events = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger terminals = new AtomicInteger();
    final AtomicInteger late = new AtomicInteger();
    volatile @Nullable R result;
    volatile @Nullable LlamaException failure;
    volatile boolean wantsMore = true;
    volatile int cancelAtEvent; // 1 or more: the sink cancels its exchange when that event arrives
    final AtomicInteger startables = new AtomicInteger();

    @Override
    protected void startable() {
      startables.incrementAndGet();
    }

    @Override
    protected void event(ChatEvent event) {
      if (terminals.get() > 0) {
        late.incrementAndGet();
      }
      events.add(event);
      if (events.size() == cancelAtEvent) {
        Exchange<R> x = exchange();
        if (x != null) {
          x.cancel(); // as a consumer's callback may
        }
      }
    }

    @Override
    protected void complete(R r) {
      if (terminals.getAndIncrement() > 0) {
        late.incrementAndGet();
      }
      result = r;
    }

    @Override
    protected void fail(LlamaException f) {
      if (terminals.getAndIncrement() > 0) {
        late.incrementAndGet();
      }
      failure = f;
    }

    @Override
    protected boolean wantsMore() {
      return wantsMore;
    }

    void consume() {
      consumed();
    }

    String text() {
      StringBuilder sb = new StringBuilder();
      synchronized (events) {
        for (ChatEvent e : events) {
          if (e instanceof ChatEvent.Content c) {
            sb.append(c.text());
          }
        }
      }
      return sb.toString();
    }
  }

  Engine engine(MockTransport t, @Nullable Duration total) {
    return new Engine(clock, Duration.ofSeconds(5), RESPONSE, IDLE, total, 64 * 1024, null, t, t, Secrets.NONE, UnaryOperator.identity());
  }

  static Request post(boolean stream, boolean idempotent) {
    HttpRequest http =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:9/v1/chat/completions"))
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build();
    return new Request(http, "{}".getBytes(UTF_8), stream, idempotent);
  }

  Exchange<ChatResult> streaming(MockTransport t, TestSink<ChatResult> sink) {
    return Exchange.streaming(engine(t, null), post(true, false), t, new ChatChunkDecoder(1 << 20), sink);
  }

  Exchange<Exchange.Collected> collecting(MockTransport t, Request r, TestSink<Exchange.Collected> sink) {
    return Exchange.collecting(engine(t, null), r, t, 1 << 20, c -> c, sink);
  }

  /** Pulled: steps while the attempt at hand has something scripted. Pushed: nothing to do. */
  static void pump(Exchange<?> x, MockTransport t) throws InterruptedException {
    if (!t.pulled()) {
      return;
    }
    for (int i = 0; i < 1_000_000; i++) {
      MockCall c = t.attempts() == 0 ? t.call(0) : t.current();
      if (!x.pumpable() || c.scriptLeft() == 0) {
        return;
      }
      x.pump();
    }
    throw new AssertionError("the exchange never stopped");
  }

  static byte[] basicBody() {
    return Transcript.load("chat-stream-basic").body();
  }

  static byte[] ascii(String s) {
    return s.getBytes(UTF_8);
  }
}
