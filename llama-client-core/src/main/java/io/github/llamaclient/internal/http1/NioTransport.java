package io.github.llamaclient.internal.http1;

import io.github.llamaclient.LlamaException;
import io.github.llamaclient.internal.exchange.Clock;
import io.github.llamaclient.internal.exchange.ConnectGate;
import io.github.llamaclient.internal.exchange.Request;
import io.github.llamaclient.internal.exchange.Transport;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.channels.SelectionKey;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * Our HTTP/1.1 transport for the push faces where there are no virtual threads: pushed, with a
 * small fixed set of reader threads ({@link NioLoop}, one selector each) over non-blocking
 * connections, whatever the number of streams. The bytes go through the same codec as the pulled
 * transport's ({@link Http1Socket}: {@link HeadReader}, {@link BodyDecoder}). Every call has a
 * connection of its own, closed at its end: the push faces only stream, and a streamed exchange
 * never leaves its connection for another (llama-server closes it after the stream anyway).
 *
 * <p>A call connects without blocking (within the connect limit, on the engine's clock, after a
 * place under the client's limit on connects in progress: {@link ConnectGate}), writes the request,
 * reads the head, and then reads once per {@link Call#demand()}: the receiver gets the body bytes
 * of one read, then {@link Receiver#delivered()}. Demand asked for on the reader thread (from
 * {@code delivered()}) costs nothing; from another thread it wakes the reader once. The receiver
 * runs on the reader thread, so it must never block (the exchange hands events to the faces'
 * delivery threads).
 */
public final class NioTransport implements Transport {
  /** Reads of one connection in a row before the reader thread turns to the others (fairness under a burst). */
  static final int READS_PER_TURN = 16;

  private final Duration connectTimeout;
  private final Clock clock;
  private final ConnectGate gate;
  private final ThreadFactory threads;
  private final int readers;
  private final AtomicInteger next = new AtomicInteger();
  private final AtomicInteger paused = new AtomicInteger(); // calls not reading until their consumer asks
  private volatile NioLoop @Nullable [] loops; // started with the first call
  private volatile boolean closed;

  /**
   * Creates the transport; its reader threads start with its first call.
   *
   * @param connectTimeout the connect limit, from when a connect starts
   * @param clock the engine's clock: the connect limit and keep-alive expiry are measured on it
   * @param gate the limit on connects in progress to one server
   * @param readers how many reader threads, 1 or more
   * @param threads where the reader threads come from (daemon threads, named for the client)
   */
  public NioTransport(Duration connectTimeout, Clock clock, ConnectGate gate, int readers, ThreadFactory threads) {
    if (readers < 1) {
      throw new IllegalArgumentException("readers must be at least 1, was " + readers);
    }
    this.connectTimeout = connectTimeout;
    this.clock = clock;
    this.gate = gate;
    this.readers = readers;
    this.threads = threads;
  }

  @Override
  public boolean pulled() {
    return false;
  }

  @Override
  public Call open(Request request, Receiver receiver, boolean mayReuse) {
    return new NioCall(request, receiver);
  }

  /**
   * On a reader thread that is reading now: takes a delivery task of the client's own pool, to run
   * on this thread once the reader's other thread has taken the reading over (see {@link
   * NioLoop}); false anywhere else, or when that thread is busy: the caller queues the task on the
   * pool.
   *
   * @param task the delivery task
   * @param pool the pool it would go to
   * @return whether the task was taken
   */
  public static boolean deliverHere(Runnable task, java.util.concurrent.Executor pool) {
    return NioLoop.deliverHere(task, pool);
  }

  /** Stops the reader threads: a call still open fails. Idempotent. */
  @Override
  public void close() {
    NioLoop[] l;
    synchronized (this) {
      closed = true;
      l = loops;
    }
    if (l != null) {
      for (NioLoop loop : l) {
        loop.close();
      }
    }
  }

  /**
   * Calls whose reading is paused now because their consumer has not asked for more (tests).
   *
   * @return the count
   */
  public int paused() {
    return paused.get();
  }

  /** Readers whose thread that is not reading waits idle for its turn (tests). */
  public int idleReaders() {
    NioLoop[] l = loops;
    int n = 0;
    if (l != null) {
      for (NioLoop loop : l) {
        n += loop.hasIdleThread() ? 1 : 0;
      }
    }
    return n;
  }

  /** Readers started so far, two threads each (tests): 0 before the first call. */
  public int started() {
    NioLoop[] l = loops;
    return l == null ? 0 : l.length;
  }

  /** The next reader thread for a new connection, round robin; null once closed. */
  private @Nullable NioLoop nextLoop() {
    NioLoop[] l = loops;
    if (l == null) {
      synchronized (this) {
        if (closed) {
          return null;
        }
        l = loops;
        if (l == null) {
          l = new NioLoop[readers];
          for (int i = 0; i < readers; i++) {
            l[i] = new NioLoop(threads);
          }
          loops = l;
        }
      }
    }
    return l[Math.floorMod(next.getAndIncrement(), l.length)];
  }

  private enum Phase {
    NEW,
    CONNECTING,
    SENDING,
    HEAD,
    BODY,
    ENDED
  }

  /**
   * One call. Its I/O state belongs to its reader thread; {@link #release} and {@link #demand}
   * come from any thread.
   */
  private final class NioCall implements Call, NioLoop.Handler, Http1Socket.Body {
    private final Request request;
    private final Receiver receiver;
    private final AtomicReference<@Nullable Http1Socket> socket = new AtomicReference<>();
    private final AtomicBoolean isPaused = new AtomicBoolean();
    private volatile ConnectGate.@Nullable Ticket ticket; // while it waits to connect, or connects
    private volatile Clock.@Nullable Scheduled connectLimit;
    private volatile boolean released;
    private volatile @Nullable NioLoop loop; // set once before any I/O
    // reader thread only
    private Phase phase = Phase.NEW;
    private boolean demanded;
    private boolean reading; // inside readBody(): demand asked for now is seen when the receiver returns

    NioCall(Request request, Receiver receiver) {
      this.request = request;
      this.receiver = receiver;
    }

    // ---------------------------------------------------------------- starting

    @Override
    public void begin() {
      if (released) {
        return;
      }
      URI uri = request.uri();
      NioLoop l = nextLoop();
      if (l == null) {
        receiver.failed(new IOException("the client was closed"), false);
        return;
      }
      loop = l;
      InetSocketAddress address;
      try {
        address = address(uri);
      } catch (IOException e) {
        receiver.failed(e, false);
        return;
      }
      ConnectGate.Ticket t = gate.ticket(uri);
      ticket = t;
      if (released) { // released meanwhile: release() may have missed the ticket
        t.leave();
        return;
      }
      Thread caller = Thread.currentThread();
      boolean[] entering = {true};
      t.enter(
          () -> {
            if (entering[0] && Thread.currentThread() == caller) {
              startHere(l, address); // a place was free: connect and send before the reader thread wakes
            } else {
              l.execute(() -> connect(l, address)); // admitted later, on the thread that gave a place back
            }
          });
      entering[0] = false;
    }

    /** Resolves the server's address on the caller's thread: a reader thread never waits for a name lookup. */
    private InetSocketAddress address(URI uri) throws IOException {
      String host = uri.getHost();
      if (host == null) {
        throw connectFailure(new UnknownHostException("no host in " + uri));
      }
      InetSocketAddress a = new InetSocketAddress(host, uri.getPort() < 0 ? 80 : uri.getPort());
      if (a.isUnresolved()) {
        throw connectFailure(new UnknownHostException(host));
      }
      return a;
    }

    /**
     * On the thread that began the call, with a place under the connect limit: opens the socket,
     * connects and writes the request without blocking, as far as they go now (on loopback, all of
     * it), then hands the connection to its reader thread. The reader thread's wake-up then runs
     * while the server works on the request, not before it has it.
     */
    private void startHere(NioLoop l, InetSocketAddress address) {
      Http1Socket so;
      try {
        so = Http1Socket.openNonBlocking(request.uri(), clock);
        so.readBy(l); // used on the reader thread only: published to it with the attach task
        socket.set(so);
        if (released) { // closed meanwhile: release() may have missed the socket
          release(false);
          return;
        }
        start(l, so, address);
      } catch (IOException | RuntimeException e) {
        fail(e instanceof IOException && !released && phase == Phase.CONNECTING ? connectFailure(e) : e);
        return;
      }
      l.execute(() -> attach(l, so));
    }

    /** On the reader thread, after {@link #startHere}: registers the connection with the interest its phase needs. */
    private void attach(NioLoop l, Http1Socket so) {
      if (released) {
        return;
      }
      if (l.isClosed()) {
        fail(new IOException("the client was closed"));
        return;
      }
      try {
        l.register(so, this);
        interest(so, phase == Phase.CONNECTING ? SelectionKey.OP_CONNECT : phase == Phase.SENDING ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
      } catch (IOException | RuntimeException e) {
        fail(e);
      }
    }

    /** On the reader thread, once the gate gave a place: opens, registers, connects and sends as far as it goes now. */
    private void connect(NioLoop l, InetSocketAddress address) {
      if (released) {
        leaveGate();
        return;
      }
      if (l.isClosed()) {
        fail(new IOException("the client was closed"));
        return;
      }
      try {
        Http1Socket so = Http1Socket.openNonBlocking(request.uri(), clock);
        so.readBy(l);
        socket.set(so);
        if (released) { // closed meanwhile: release() may have missed the socket
          release(false);
          return;
        }
        l.register(so, this);
        start(l, so, address);
        interest(so, phase == Phase.CONNECTING ? SelectionKey.OP_CONNECT : phase == Phase.SENDING ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
      } catch (IOException | RuntimeException e) {
        fail(e instanceof IOException && !released && phase == Phase.CONNECTING ? connectFailure(e) : e);
      }
    }

    /**
     * Starts connecting (within the connect limit, checked on the engine's clock) and, if that is
     * done at once, writes what the socket takes of the request; leaves {@link #phase} at what comes
     * next (CONNECTING, SENDING or HEAD). Registration is the caller's.
     */
    private void start(NioLoop l, Http1Socket so, InetSocketAddress address) throws IOException {
      phase = Phase.CONNECTING;
      // on loopback the handshake is over by the time connect() returns: check at once, once
      if (so.startConnect(address) || so.finishConnect()) {
        connected(so);
        return;
      }
      connectLimit = clock.schedule(() -> l.execute(this::connectTimedOut), connectTimeout.toNanos());
      if (released) {
        cancelConnectLimit();
      }
    }

    private void connectTimedOut() {
      if (released || phase != Phase.CONNECTING) {
        return;
      }
      fail(new HttpConnectTimeoutException("no connection within " + connectTimeout));
    }

    private void connected(Http1Socket so) throws IOException {
      cancelConnectLimit();
      leaveGate();
      send(so);
    }

    private void send(Http1Socket so) throws IOException {
      phase = Phase.SENDING;
      so.startSend(request.http(), request.body());
      writeMore(so);
    }

    /** Writes what the socket takes now; the interest (once registered) follows: the rest to write, or the response. */
    private void writeMore(Http1Socket so) throws IOException {
      if (!so.writeSome()) {
        interest(so, SelectionKey.OP_WRITE);
        return;
      }
      phase = Phase.HEAD;
      so.beginResponse();
      interest(so, SelectionKey.OP_READ);
    }

    // ---------------------------------------------------------------- the reader thread's side

    @Override
    public void ready(int readyOps) {
      Http1Socket so = socket.get();
      if (released || so == null) {
        return;
      }
      try {
        switch (phase) {
          case CONNECTING:
            if ((readyOps & SelectionKey.OP_CONNECT) != 0) {
              boolean done;
              try {
                done = so.finishConnect();
              } catch (IOException e) {
                throw connectFailure(e);
              }
              if (done) {
                connected(so);
              }
            }
            break;
          case SENDING:
            writeMore(so);
            break;
          case HEAD:
            readHead(so);
            break;
          case BODY:
            readBody(so);
            break;
          default:
            interest(so, 0);
        }
      } catch (IOException e) {
        fail(e);
      } catch (LlamaException e) {
        fail(e);
      } catch (RuntimeException e) {
        fail(e);
      }
    }

    private void readHead(Http1Socket so) throws IOException {
      Http1Socket.Head h = so.pollHead();
      if (h == null) {
        return; // more of the head later: still interested in reading
      }
      phase = Phase.BODY;
      reading = true; // demand asked for in head() is seen below
      try {
        receiver.head(h.status, h.headers);
      } finally {
        reading = false;
      }
      readBody(so); // the body is read on demand: at once if head() asked for it
    }

    /**
     * Reads while there is demand: a few reads in a row at most, then the others' turn. A read that
     * left the socket drained is not followed by one that would find nothing: the selector says
     * when more comes.
     */
    private void readBody(Http1Socket so) throws IOException {
      NioLoop l = loop;
      reading = true;
      try {
        for (int i = 0; i < READS_PER_TURN; i++) {
          if (released || phase != Phase.BODY) {
            return;
          }
          if (!demanded) {
            interest(so, 0); // paused: the consumer's demand() resumes it
            if (isPaused.compareAndSet(false, true)) {
              paused.incrementAndGet();
            }
            return;
          }
          demanded = false;
          int r = so.pollBody(this);
          if (released) { // the exchange ended with what this read brought (or was cancelled meanwhile)
            so.giveBufferBack(); // the next burst on this reader reads into it
            return;
          }
          if (r == Http1Socket.BODY_WAIT) {
            demanded = true;
            interest(so, SelectionKey.OP_READ);
            return;
          }
          if (r == Http1Socket.BODY_END) {
            phase = Phase.ENDED;
            interest(so, 0);
            receiver.end();
            so.giveBufferBack(); // the next burst on this reader reads into it
            return;
          }
          receiver.delivered(); // may ask for more, on this thread
          if (demanded && (so.drained() || (l != null && l.tookDelivery()))) {
            // drained: the selector says when more comes; a delivery taken: this thread runs it
            // now, and the thread that takes the reading over reads on
            interest(so, SelectionKey.OP_READ);
            return;
          }
        }
        if (demanded) {
          interest(so, SelectionKey.OP_READ); // the selector says at once if more is waiting
        }
      } finally {
        reading = false;
      }
    }

    private void interest(Http1Socket so, int ops) {
      SelectionKey k = so.key;
      if (k != null && k.isValid() && k.interestOps() != ops) {
        k.interestOps(ops);
      }
    }

    @Override
    public void data(byte[] buf, int off, int len) {
      if (!released) {
        receiver.body(buf, off, len);
      }
    }

    @Override
    public void loopClosed() {
      fail(new IOException("the client was closed"));
    }

    /** Fails the call once, closing its connection; on the reader thread (or once the loop is gone). */
    private void fail(Exception e) {
      if (released) {
        leaveGate();
        return;
      }
      release(false);
      receiver.failed(e, false); // a new connection every time: never a stale one
    }

    // ---------------------------------------------------------------- any thread

    @Override
    public boolean step() {
      throw new UnsupportedOperationException("a pushed transport is not stepped");
    }

    @Override
    public void demand() {
      NioLoop l = loop;
      if (l == null) {
        return; // before begin(): nothing to read yet, and head() asks for the body
      }
      if (reading && l.inLoop()) {
        demanded = true; // from the receiver: readBody() goes on after it returns
        return;
      }
      l.execute(this::demandOnLoop);
    }

    private void demandOnLoop() {
      unpause();
      demanded = true;
      Http1Socket so = socket.get();
      if (released || so == null || phase != Phase.BODY) {
        return; // before the head: head() asks again
      }
      try {
        readBody(so);
      } catch (IOException | RuntimeException e) {
        fail(e);
      }
    }

    @Override
    public @Nullable String waitingFor() {
      ConnectGate.Ticket t = ticket;
      return t == null ? null : t.waitingFor();
    }

    @Override
    public void release(boolean reusable) {
      if (released) {
        return;
      }
      released = true;
      leaveGate(); // a wait ends at once; a connect in progress gives its place to the next
      cancelConnectLimit();
      unpause();
      Http1Socket so = socket.getAndSet(null);
      if (so == null) {
        return;
      }
      so.close(); // streamed: never kept alive
    }

    private void unpause() {
      if (isPaused.compareAndSet(true, false)) {
        paused.decrementAndGet();
      }
    }

    private void leaveGate() {
      ConnectGate.Ticket t = ticket;
      if (t != null) {
        ticket = null;
        t.leave();
      }
    }

    private void cancelConnectLimit() {
      Clock.Scheduled s = connectLimit;
      if (s != null) {
        connectLimit = null;
        s.cancel();
      }
    }
  }

  /** A connect that failed, as {@code ConnectException} (refused, unreachable, unknown host), with the cause kept. */
  private static ConnectException connectFailure(Exception e) {
    if (e instanceof ConnectException) {
      return (ConnectException) e;
    }
    ConnectException c = new ConnectException(String.valueOf(e.getMessage() == null ? e : e.getMessage()));
    c.initCause(e);
    return c;
  }
}
