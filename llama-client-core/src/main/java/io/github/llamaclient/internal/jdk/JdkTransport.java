package io.github.llamaclient.internal.jdk;

import io.github.llamaclient.LlamaProtocolException;
import io.github.llamaclient.internal.exchange.ConnectGate;
import io.github.llamaclient.internal.exchange.Exchange;
import io.github.llamaclient.internal.exchange.Request;
import io.github.llamaclient.internal.exchange.Transport;
import io.github.llamaclient.internal.sse.SseParser;
import java.io.IOException;
import java.net.ProtocolException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import org.jspecify.annotations.Nullable;

/**
 * The {@code java.net.http} transport: https, proxies, a user's own {@link HttpClient}, and every
 * pushed face. Pushed: the client's threads call the receiver, one read at a time, asked for with
 * {@link Call#demand()}.
 *
 * <p>A connection whose reply was not read to its end is closed (the subscription cancelled), so
 * the JDK never pools it: llama-server closes a streamed connection after its end anyway, and a
 * dead pooled connection would fail the next request.
 */
public final class JdkTransport implements Transport {
  /** The most bytes handed to the receiver in one call (the JDK reads 16 KiB at a time). */
  private static final int SCRATCH = 16 * 1024;
  /**
   * One scratch array per thread the HttpClient delivers on (its selector thread, or a thread that
   * asked for more), not one per stream: ten thousand open streams would hold 16 KB each.
   */
  private static final ThreadLocal<byte[]> SCRATCHES = ThreadLocal.withInitial(() -> new byte[SCRATCH]);

  private final HttpClient http;
  private final ConnectGate gate;

  /**
   * Creates the transport without a limit on connects in progress.
   *
   * @param http the client to send with
   */
  public JdkTransport(HttpClient http) {
    this(http, new ConnectGate(Integer.MAX_VALUE));
  }

  /**
   * Creates the transport.
   *
   * @param http the client to send with
   * @param gate the limit on connects in progress to one server: a request is handed to the
   *     HttpClient once it has a place, which it gives back when the HttpClient starts sending its
   *     body (it has a connection then: a new one connected, or one it kept alive) or the request
   *     ends first
   */
  public JdkTransport(HttpClient http, ConnectGate gate) {
    this.http = http;
    this.gate = gate;
  }

  @Override
  public boolean pulled() {
    return false;
  }

  @Override
  public Call open(Request request, Receiver receiver, boolean mayReuse) {
    return new JdkCall(request, receiver);
  }

  @Override
  public void close() {}

  private final class JdkCall
      implements Call, HttpResponse.BodyHandler<Void>, HttpResponse.BodySubscriber<Void> {
    private final Request request;
    private final Receiver receiver;
    private volatile Flow.@Nullable Subscription upstream;
    private volatile @Nullable CompletableFuture<HttpResponse<Void>> future;
    private volatile ConnectGate.@Nullable Ticket ticket; // from begin() until connected or ended
    private volatile boolean released;
    private volatile boolean pendingDemand;

    JdkCall(Request request, Receiver receiver) {
      this.request = request;
      this.receiver = receiver;
    }

    @Override
    public void begin() {
      ConnectGate.Ticket t = gate.ticket(request.uri());
      ticket = t;
      if (released) { // released meanwhile: release() may have missed the ticket
        t.leave();
        return;
      }
      t.enter(this::send);
    }

    /**
     * Hands the request to the HttpClient, once the gate gave it a place to connect: on this
     * thread, or on the thread that gave a place back. A failure to hand it over is the call's,
     * reported to its receiver, never thrown at that other thread.
     */
    private void send() {
      if (released) {
        leaveGate();
        return;
      }
      try {
        sendAsync();
      } catch (RuntimeException e) { // the HttpClient refused the request (IllegalArgumentException, ...)
        leaveGate();
        if (!released) {
          receiver.failed(e, false);
        }
      }
    }

    private void sendAsync() {
      HttpRequest r = request.http();
      HttpRequest.BodyPublisher body = r.bodyPublisher().orElseGet(HttpRequest.BodyPublishers::noBody);
      HttpRequest.BodyPublisher connected =
          new HttpRequest.BodyPublisher() {
            @Override
            public long contentLength() {
              return body.contentLength();
            }

            @Override
            public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
              leaveGate(); // the HttpClient has its connection: sending the body
              body.subscribe(subscriber);
            }
          };
      CompletableFuture<HttpResponse<Void>> f =
          http.sendAsync(HttpRequest.newBuilder(r, (name, value) -> true).method(r.method(), connected).build(), this);
      future = f;
      if (released) {
        f.cancel(true);
      }
      f.whenComplete(
          (response, error) -> {
            leaveGate();
            if (error != null && !released) {
              receiver.failed(asException(Exchange.unwrap(error)), false);
            }
          });
    }

    private void leaveGate() {
      ConnectGate.Ticket t = ticket;
      if (t != null) {
        ticket = null;
        t.leave();
      }
    }

    @Override
    public @Nullable String waitingFor() {
      ConnectGate.Ticket t = ticket;
      return t == null ? null : t.waitingFor();
    }

    // ---- BodyHandler

    @Override
    public HttpResponse.BodySubscriber<Void> apply(HttpResponse.ResponseInfo info) {
      leaveGate(); // connected, even if the body was never asked for
      receiver.head(info.statusCode(), info.headers().map());
      return this;
    }

    // ---- BodySubscriber

    @Override
    public CompletionStage<Void> getBody() {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      upstream = subscription;
      if (released) {
        subscription.cancel();
        return;
      }
      if (pendingDemand) {
        pendingDemand = false;
        subscription.request(1);
      }
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (released) {
        return;
      }
      ByteBuffer first = items.size() == 1 ? items.get(0) : null;
      if (first != null && first.hasArray()) {
        receiver.body(first.array(), first.arrayOffset() + first.position(), first.remaining());
      } else if (!bodyOfOneRead(items)) {
        return;
      }
      if (!released) {
        receiver.delivered();
      }
    }

    /**
     * Hands the pieces of one read (about one per chunk, so one per event, and read-only: the JDK
     * hands out no arrays) to the receiver in one call per {@link #SCRATCH} bytes: each byte is
     * copied once, and the per-call work of the exchange and the SSE parser is paid once per read
     * instead of once per event.
     *
     * @return false when the call was released meanwhile
     */
    private boolean bodyOfOneRead(List<ByteBuffer> items) {
      byte[] a = SCRATCHES.get(); // the receiver keeps no reference to it past its call
      int n = 0;
      for (ByteBuffer b : items) {
        int left = b.remaining();
        while (left > 0) {
          if (n == a.length) {
            receiver.body(a, 0, n);
            n = 0;
            if (released) {
              return false;
            }
          }
          int k = Math.min(a.length - n, left);
          b.get(a, n, k);
          n += k;
          left -= k;
        }
      }
      if (n > 0) {
        receiver.body(a, 0, n);
      }
      return !released;
    }

    @Override
    public void onError(Throwable throwable) {
      if (!released) {
        receiver.failed(asException(Exchange.unwrap(throwable)), false);
      }
    }

    @Override
    public void onComplete() {
      if (!released) {
        receiver.end();
      }
    }

    // ---- Call

    @Override
    public boolean step() {
      throw new UnsupportedOperationException("a pushed transport is not stepped");
    }

    @Override
    public void demand() {
      Flow.Subscription s = upstream;
      if (s == null) {
        pendingDemand = true;
        s = upstream; // subscribed meanwhile: onSubscribe may have missed the flag
        if (s != null && pendingDemand) {
          pendingDemand = false;
          s.request(1);
        }
        return;
      }
      s.request(1);
    }

    @Override
    public void release(boolean reusable) {
      if (released) {
        return;
      }
      released = true;
      leaveGate(); // a wait ends at once; a connect in progress gives its place to the next
      if (reusable) {
        return; // read to its end: the HttpClient keeps or closes the connection as the server said
      }
      Flow.Subscription s = upstream;
      if (s != null) {
        s.cancel();
      }
      CompletableFuture<HttpResponse<Void>> f = future;
      if (f != null && !f.isDone()) {
        f.cancel(true);
      }
    }
  }

  private static Exception asException(Throwable t) {
    if (t instanceof ProtocolException) {
      return protocolViolation((ProtocolException) t);
    }
    if (t instanceof Exception) {
      return (Exception) t;
    }
    return new IOException(t);
  }

  /**
   * The HttpClient's parser refused the response head (a status line or header field that is not
   * HTTP/1.1): the server broke the protocol, as our own reader says it ({@code HeadReader}), with
   * the offending line the JDK quotes ({@code Invalid status line: "HTTP/1.1 -12 Negative"}).
   */
  static LlamaProtocolException protocolViolation(ProtocolException e) {
    String m = String.valueOf(e.getMessage());
    int close = m.lastIndexOf('"');
    int open = close > 0 ? m.lastIndexOf('"', close - 1) : -1;
    if (open < 0) {
      return new LlamaProtocolException("malformed response head (the HttpClient refused it)", m, e);
    }
    String line = m.substring(open + 1, close); // the JDK's chars are the head's bytes (ISO-8859-1)
    String reason = close == m.length() - 1 ? m.substring(0, open) : m.substring(0, open) + "…" + m.substring(close + 1);
    reason = reason.replaceAll("[\\s,:]+$", "");
    return new LlamaProtocolException(
        "malformed response head (" + reason + ")",
        SseParser.Lines.preview(line.getBytes(StandardCharsets.ISO_8859_1)),
        e);
  }
}
