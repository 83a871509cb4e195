package io.github.llamaclient.internal.jdk;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.internal.exchange.Request;
import io.github.llamaclient.internal.exchange.Transport;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Flow;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * How the {@code java.net.http} transport hands a read on to its receiver, driven as the JDK drives a
 * body subscriber (no sockets): the pieces of one read (read-only, one per chunk) arrive in one
 * call, so the exchange and the SSE parser pay their per-call work once per read.
 */
class JdkTransportTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().build();

  /** Records every call, bodies as text. */
  private static final class Recorder implements Transport.Receiver {
    final List<String> calls = new ArrayList<>();
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Transport.@Nullable Call releaseOnFirstBody;

    @Override
    public void head(int status, Map<String, List<String>> headers) {
      calls.add("head " + status);
    }

    @Override
    public void body(byte[] buf, int off, int len) {
      calls.add("body " + len);
      bytes.write(buf, off, len);
      Arrays.fill(buf, off, off + len, (byte) '!'); // valid only during the call
      Transport.Call c = releaseOnFirstBody;
      if (c != null) {
        releaseOnFirstBody = null;
        c.release(false); // a consumer's cancel from an event of this read
      }
    }

    @Override
    public void delivered() {
      calls.add("delivered");
    }

    @Override
    public void end() {
      calls.add("end");
    }

    @Override
    public void failed(Exception failure, boolean staleConnection) {
      calls.add("failed " + failure);
    }
  }

  private static Transport.Call open(Recorder r) {
    HttpRequest http = HttpRequest.newBuilder(URI.create("http://127.0.0.1:9/v1/chat/completions")).POST(HttpRequest.BodyPublishers.ofString("{}")).build();
    return new JdkTransport(HTTP).open(new Request(http, "{}".getBytes(UTF_8), true, false), r, true);
  }

  @SuppressWarnings("unchecked")
  private static HttpResponse.BodySubscriber<Void> subscribed(Transport.Call call) {
    HttpResponse.BodySubscriber<Void> s = (HttpResponse.BodySubscriber<Void>) call;
    s.onSubscribe(
        new Flow.Subscription() {
          @Override
          public void request(long n) {}

          @Override
          public void cancel() {}
        });
    return s;
  }

  /** Read-only pieces of {@code text}, {@code size} bytes each, as the JDK hands them out. */
  private static List<ByteBuffer> pieces(String text, int size) {
    byte[] b = text.getBytes(UTF_8);
    List<ByteBuffer> out = new ArrayList<>();
    for (int off = 0; off < b.length; off += size) {
      out.add(ByteBuffer.wrap(b, off, Math.min(size, b.length - off)).slice().asReadOnlyBuffer());
    }
    return out;
  }

  @Test
  void thePiecesOfOneReadReachTheReceiverInOneCallThenDelivered() {
    Recorder r = new Recorder();
    HttpResponse.BodySubscriber<Void> s = subscribed(open(r));
    String read = "data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: {\"c\":3}\n\n";
    s.onNext(pieces(read, 16)); // pieces that cut events anywhere
    assertThat(r.calls).containsExactly("body " + read.length(), "delivered");
    assertThat(r.bytes.toString(UTF_8)).isEqualTo(read);
  }

  @Test
  void aReadLargerThanTheScratchArrayArrivesWholeInOrderInFewCalls() {
    Recorder r = new Recorder();
    HttpResponse.BodySubscriber<Void> s = subscribed(open(r));
    StringBuilder sb = new StringBuilder();
    for (int i = 0; sb.length() < 40_000; i++) {
      sb.append("data: {\"n\":").append(i).append("}\n\n");
    }
    String read = sb.toString();
    s.onNext(pieces(read, 1000));
    assertThat(r.bytes.toString(UTF_8)).isEqualTo(read);
    int calls = (read.length() + 16 * 1024 - 1) / (16 * 1024);
    assertThat(r.calls).hasSize(calls + 1).endsWith("delivered");
    assertThat(r.calls.subList(0, calls)).allMatch(c -> c.startsWith("body "));
  }

  @Test
  void aReleaseDuringTheHandOffOfAReadEndsItNothingDeliveredNorReadAfter() {
    Recorder r = new Recorder();
    Transport.Call call = open(r);
    HttpResponse.BodySubscriber<Void> s = subscribed(call);
    r.releaseOnFirstBody = call;
    String read = "data: {\"a\":1}\n\ndata: {\"b\":2}\n\n";
    s.onNext(pieces(read, 15));
    s.onNext(pieces("data: {\"c\":3}\n\n", 15));
    s.onComplete();
    assertThat(r.calls).containsExactly("body " + read.length());
  }
}
