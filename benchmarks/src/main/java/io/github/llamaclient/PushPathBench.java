package io.github.llamaclient;

import io.github.llamaclient.bench.Fixture;
import io.github.llamaclient.internal.exchange.Clock;
import io.github.llamaclient.internal.exchange.Engine;
import io.github.llamaclient.internal.exchange.Exchange;
import io.github.llamaclient.internal.exchange.Request;
import io.github.llamaclient.internal.exchange.Secrets;
import io.github.llamaclient.internal.exchange.Transport;
import io.github.llamaclient.internal.jdk.JdkTransport;
import io.github.llamaclient.internal.json.ChatChunkDecoder;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Flow;
import java.util.function.UnaryOperator;

/**
 * Our own share of a push face, without sockets or threads: a recorded body handed to the {@code
 * java.net.http} transport's body subscriber as the JDK hands it (read-only pieces of about one
 * event each, grouped into 16 KiB reads), through the exchange, the SSE parser, the decoder and
 * {@code PushSink} to a subscriber (the callbacks' {@code CallbackSubscriber}, or a
 * {@code Publisher<String>} subscriber), the callback executor direct. One thread, so its CPU time
 * is the whole cost; compare two builds by running this class against each one's jar:
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.github.llamaclient.PushPathBench [seconds]
 * </pre>
 *
 * Not part of the default run; a diagnostic for the push faces' engine work (the JDK client's own
 * reading and chunk decoding, and the thread hand-off, are what the loopback harness adds).
 */
public final class PushPathBench {
  private PushPathBench() {}

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** Hands the body subscriber whatever {@link JdkTransport} opened, and never sends. */
  private static final JdkTransport JDK = new JdkTransport(HttpClient.newBuilder().build());

  private static final class Captured implements Transport {
    Transport.Call call;

    @Override
    public boolean pulled() {
      return false;
    }

    @Override
    public Call open(Request request, Receiver receiver, boolean mayReuse) {
      Call c = JDK.open(request, receiver, mayReuse);
      call = c;
      return new Call() {
        @Override
        public boolean step() {
          throw new UnsupportedOperationException();
        }

        @Override
        public void demand() {
          c.demand();
        }

        @Override
        public void release(boolean reusable) {
          c.release(reusable);
        }
      };
    }

    @Override
    public void close() {}
  }

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
    byte[] body = Fixture.bodyOf("chat-stream-unknown-role-unbounded");
    // one piece per SSE event (llama-server's chunks), reads of up to 16 KiB
    List<List<ByteBuffer>> reads = new ArrayList<>();
    List<ByteBuffer> read = new ArrayList<>();
    int inRead = 0;
    int events = 0;
    for (int off = 0; off < body.length; ) {
      int end = off;
      while (end < body.length - 1 && !(body[end] == '\n' && body[end + 1] == '\n')) {
        end++;
      }
      end = Math.min(body.length, end + 2);
      if (inRead + end - off > 16 * 1024) {
        reads.add(read);
        read = new ArrayList<>();
        inRead = 0;
      }
      read.add(ByteBuffer.wrap(body, off, end - off).slice().asReadOnlyBuffer());
      inRead += end - off;
      events++;
      off = end;
    }
    reads.add(read);
    System.out.printf(Locale.ROOT, "%d events in %d reads%n", events, reads.size());
    for (String face : new String[] {"callbacks", "publisher", "callbacks", "publisher"}) {
      run(face, reads, events, seconds / 2); // warm-up
      run(face, reads, events, seconds);
    }
  }

  private static void run(String face, List<List<ByteBuffer>> reads, int events, double seconds) {
    Engine engine =
        new Engine(Clock.SYSTEM, Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofSeconds(60), null,
            1 << 20, null, new Captured(), new Captured(), Secrets.NONE, UnaryOperator.identity());
    HttpRequest http =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:9/v1/chat/completions"))
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build();
    Request request = new Request(http, "{}".getBytes(StandardCharsets.UTF_8), true, false);
    Map<String, List<String>> head = Map.of("content-type", List.of("text/event-stream"));
    long[] deltas = new long[1];
    long streams = 0;
    long t0 = THREADS.getCurrentThreadCpuTime();
    long a0 = THREADS.getCurrentThreadAllocatedBytes();
    long end = System.nanoTime() + (long) (seconds * 1e9);
    while (System.nanoTime() < end) {
      Captured t = new Captured();
      Exchange<ChatResult> x;
      if (face.equals("callbacks")) {
        CallbackSubscriber<ChatResult> s =
            new CallbackSubscriber<>(
                StreamListener.<ChatResult>ofEvents(e -> deltas[0]++, r -> {}, e -> { throw new IllegalStateException(e); }),
                ChatResult.class);
        PushSink<Object, ChatResult> sink = new PushSink<>(s, e -> e, CallbackSubscriber.End::new, Runnable::run, false, null, false);
        x = Exchange.streaming(engine, request, t, new ChatChunkDecoder(1 << 20), sink);
        s.onSubscribe(sink);
      } else {
        Flow.Subscriber<String> s =
            new Flow.Subscriber<>() {
              Flow.Subscription sub;
              int since;

              @Override
              public void onSubscribe(Flow.Subscription subscription) {
                sub = subscription;
                sub.request(64);
              }

              @Override
              public void onNext(String item) {
                deltas[0]++;
                if (++since == 32) {
                  since = 0;
                  sub.request(32);
                }
              }

              @Override
              public void onError(Throwable throwable) {
                throw new IllegalStateException(throwable);
              }

              @Override
              public void onComplete() {}
            };
        PushSink<String, ChatResult> sink =
            new PushSink<String, ChatResult>(
                s, e -> e instanceof ChatEvent.Content ? ((ChatEvent.Content) e).text() : null, r -> null, Runnable::run, false, null, false);
        x = Exchange.streaming(engine, request, t, new ChatChunkDecoder(1 << 20), sink);
        s.onSubscribe(sink);
      }
      x.start();
      x.head(200, head);
      @SuppressWarnings("unchecked")
      HttpResponse.BodySubscriber<Void> sub = (HttpResponse.BodySubscriber<Void>) t.call;
      sub.onSubscribe(
          new Flow.Subscription() {
            @Override
            public void request(long n) {}

            @Override
            public void cancel() {}
          });
      for (List<ByteBuffer> r : reads) {
        for (ByteBuffer b : r) {
          b.rewind();
        }
        sub.onNext(r);
        if (x.isDone()) {
          break;
        }
      }
      if (!x.isDone()) {
        throw new IllegalStateException("the stream did not end");
      }
      streams++;
    }
    long cpu = THREADS.getCurrentThreadCpuTime() - t0;
    long alloc = THREADS.getCurrentThreadAllocatedBytes() - a0;
    System.out.printf(Locale.ROOT, "%-10s %6d streams: %.1f ns/event CPU, %.1f B/event (%d deltas)%n",
        face, streams, (double) cpu / (streams * events), (double) alloc / (streams * events), deltas[0]);
  }
}
