package io.github.llamaclient.internal.http1;

import io.github.llamaclient.LlamaException;
import io.github.llamaclient.internal.exchange.Clock;
import io.github.llamaclient.internal.exchange.ConnectGate;
import io.github.llamaclient.internal.exchange.Request;
import io.github.llamaclient.internal.exchange.Transport;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * Our HTTP/1.1 transport for plain {@code http:} servers: pulled, every byte read on the consuming
 * thread over a blocking socket ({@link Http1Socket}), connections kept alive as the server allows
 * ({@link Http1Pool}).
 */
public final class Http1Transport implements Transport {
  private final Http1Pool pool;
  private final Duration connectTimeout;
  private final Clock clock;
  private final ConnectGate gate;

  /**
   * Creates the transport without a limit on connects in progress.
   *
   * @param connectTimeout the connect limit
   * @param clock the engine's clock, which keep-alive expiry is measured on
   */
  public Http1Transport(Duration connectTimeout, Clock clock) {
    this(connectTimeout, clock, new ConnectGate(Integer.MAX_VALUE));
  }

  /**
   * Creates the transport.
   *
   * @param connectTimeout the connect limit, from when a connect starts
   * @param clock the engine's clock, which keep-alive expiry is measured on
   * @param gate the limit on connects in progress to one server, which a new connection waits for
   */
  public Http1Transport(Duration connectTimeout, Clock clock, ConnectGate gate) {
    this.connectTimeout = connectTimeout;
    this.clock = clock;
    this.gate = gate;
    this.pool = new Http1Pool(clock);
  }

  @Override
  public boolean pulled() {
    return true;
  }

  @Override
  public Call open(Request request, Receiver receiver, boolean mayReuse) {
    return new Http1Call(request, receiver, mayReuse);
  }

  @Override
  public void close() {
    pool.close();
  }

  /**
   * The pool (for tests and the client's statistics).
   *
   * @return the pool
   */
  public Http1Pool pool() {
    return pool;
  }

  private enum Phase {
    SEND,
    HEAD,
    BODY,
    ENDED
  }

  private final class Http1Call implements Call, Http1Socket.Body {
    private final Request request;
    private final Receiver receiver;
    private final boolean mayReuse;
    private final AtomicReference<@Nullable Http1Socket> socket = new AtomicReference<>();
    private volatile ConnectGate.@Nullable Ticket ticket; // while it waits to connect, or connects
    private volatile boolean released;
    private Phase phase = Phase.SEND; // consuming thread only

    Http1Call(Request request, Receiver receiver, boolean mayReuse) {
      this.request = request;
      this.receiver = receiver;
      this.mayReuse = mayReuse;
    }

    @Override
    public boolean step() throws InterruptedException {
      if (released || phase == Phase.ENDED) {
        return false;
      }
      Http1Socket so = socket.get();
      try {
        switch (phase) {
          case SEND:
            send();
            return true;
          case HEAD:
            if (so == null) {
              return false;
            }
            Http1Socket.Head head = so.readHead();
            phase = Phase.BODY;
            receiver.head(head.status, head.headers);
            return true;
          default:
            if (so == null) {
              return false;
            }
            if (!so.readBody(this)) {
              phase = Phase.ENDED;
              receiver.end();
              return false;
            }
            return true;
        }
      } catch (ClosedByInterruptException e) {
        Thread.interrupted(); // reported as InterruptedException; the face sets the flag again
        release(false);
        throw new InterruptedException("interrupted while talking to " + request.uri());
      } catch (IOException e) {
        Http1Socket failed = socket.get();
        boolean stale = failed != null && failed.reused() && !failed.receivedAny();
        release(false);
        receiver.failed(e, stale);
      } catch (LlamaException e) {
        release(false);
        receiver.failed(e, false);
      }
      return false;
    }

    private void send() throws IOException {
      Http1Socket so = mayReuse ? pool.take(request.uri()) : null;
      if (so == null) {
        ConnectGate.Ticket t = gate.ticket(request.uri());
        ticket = t;
        try {
          if (released || !t.await()) { // released meanwhile: release() left the ticket, or will
            t.leave();
            return;
          }
        } catch (InterruptedException e) {
          release(false);
          throw new ClosedByInterruptException(); // reported as InterruptedException, as a connect's
        }
        try {
          connect();
        } finally {
          t.leave();
          ticket = null;
        }
      } else {
        socket.set(so);
        if (released) {
          release(false);
          return;
        }
      }
      phase = Phase.HEAD;
      Http1Socket sent = socket.get();
      if (sent == null) {
        return; // released meanwhile
      }
      sent.send(request.http(), request.body());
    }

    /** Opens and connects a new socket, once the gate let this connect start. */
    private void connect() throws IOException {
      Http1Socket so = Http1Socket.open(request.uri(), clock);
      socket.set(so);
      if (released) { // closed meanwhile: release() may have missed the socket
        release(false);
        return;
      }
      try {
        so.connect(request.uri(), connectTimeout);
      } catch (SocketTimeoutException e) {
        HttpConnectTimeoutException t = new HttpConnectTimeoutException("no connection within " + connectTimeout);
        t.initCause(e);
        throw t;
      } catch (ClosedByInterruptException e) {
        throw e;
      } catch (IOException | IllegalArgumentException | SecurityException e) {
        if (released) {
          throw new IOException("closed while connecting", e);
        }
        // refused, unknown host, unreachable (UnresolvedAddressException is an IllegalArgumentException)
        ConnectException c = new ConnectException(String.valueOf(e.getMessage() == null ? e : e.getMessage()));
        c.initCause(e);
        throw c;
      }
    }

    @Override
    public void data(byte[] buf, int off, int len) {
      receiver.body(buf, off, len);
    }

    @Override
    public void demand() {}

    @Override
    public @Nullable String waitingFor() {
      ConnectGate.Ticket t = ticket;
      return t == null ? null : t.waitingFor();
    }

    @Override
    public boolean blockedInIo() {
      Http1Socket so = socket.get();
      return so == null || so.ioSince() != 0; // connecting (no socket yet) counts as blocked
    }

    @Override
    public void release(boolean reusable) {
      released = true;
      ConnectGate.Ticket t = ticket;
      if (t != null) {
        t.leave(); // a wait ends at once; a connect in progress gives its place to the next
      }
      Http1Socket so = socket.getAndSet(null);
      if (so == null) {
        return;
      }
      if (reusable && phase == Phase.ENDED && so.keepAlive()) {
        pool.give(so);
      } else {
        so.close();
      }
    }
  }
}
