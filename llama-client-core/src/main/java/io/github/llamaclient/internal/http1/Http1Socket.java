package io.github.llamaclient.internal.http1;

import io.github.llamaclient.LlamaProtocolException;
import io.github.llamaclient.internal.exchange.Clock;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One plain-HTTP/1.1 connection over a blocking {@link SocketChannel}, read by the thread that
 * consumes the stream: the request goes out in one gathering write, the response head is parsed
 * from the read buffer, and the body is handed on de-chunked, straight from that buffer (no copy,
 * no allocation per read). Kept alive between exchanges when the server allows it ({@link
 * Http1Pool}).
 *
 * <p>The parsing is the socket-free codec's ({@link HeadReader}, one {@link BodyDecoder} per body
 * framing, {@link KeepAlive}): this class only moves bytes between the channel and it. Any anomaly
 * (a malformed head, broken framing, a body cut short) closes the connection, and it is never
 * reused.
 *
 * <p>Used only where it is exactly equivalent to going through the {@code HttpClient}: an {@code
 * http:} URL, no proxy, a client that built its own {@code HttpClient}.
 *
 * <p>Blocking I/O on a {@code SocketChannel} is interruptible (an interrupt closes the channel)
 * and ends at once with {@link java.nio.channels.AsynchronousCloseException} when another thread
 * {@linkplain #close() closes} it, which is how cancels and the watchdog stop a connect, a write or a
 * read. I/O is single-threaded; {@link #close()} and {@link #ioSince()} may be called from any
 * thread.
 */
public final class Http1Socket implements AutoCloseable {

  /** Receives de-chunked body bytes; the array is only valid during the call. */
  @FunctionalInterface
  public interface Body extends BodySink {}

  /** The response head. */
  public static final class Head {
    public final int status;
    public final Map<String, List<String>> headers;

    public Head(int status, Map<String, List<String>> headers) {
      this.status = status;
      this.headers = headers;
    }

    public String first(String name) {
      List<String> v = headers.get(name);
      return v == null || v.isEmpty() ? "" : v.get(0);
    }
  }

  /** The largest size of the read buffer: the most a single read brings in. */
  public static final int BUFFER = 16 * 1024;
  /**
   * The largest read buffer of a reader thread's connection ({@link #openNonBlocking}): a burst
   * read in fewer, larger reads means fewer hand-offs to the delivery threads (one per read).
   */
  public static final int NIO_BUFFER = 64 * 1024;
  /**
   * The size the read buffer starts at, and shrinks back to: a streamed token's chunk is a few
   * hundred bytes, and ten thousand open streams should not hold 16 KB each while they wait.
   */
  static final int SMALL_BUFFER = 2 * 1024;
  /** Reads in a row that used at most a quarter of a grown buffer before it halves. */
  private static final int SHRINK_AFTER = 8;

  private static final BodySink DISCARD = (b, off, len) -> {};
  private static final byte[] NO_BUFFER = new byte[0];

  /**
   * Spare read buffers of one reader thread's connections ({@link NioLoop}): a connection that
   * ends gives its grown buffer back, and the next burst on that reader takes it instead of a new
   * one. Used only by the thread that reads the connections at the time.
   */
  interface Buffers {
    /**
     * A spare buffer of {@link #NIO_BUFFER} bytes, or null when there is none.
     *
     * @return the buffer, its contents undefined
     */
    byte @Nullable [] take();

    /**
     * Takes a buffer of {@link #NIO_BUFFER} bytes back (or drops it when enough are spare).
     *
     * @param buf the buffer, no longer used by anyone
     */
    void give(byte[] buf);
  }

  private final SocketChannel channel;
  private final String origin; // host:port, for the pool
  // the read buffer: maxBuffer after a read that filled it (more was waiting: a burst), halves (down
  // to SMALL_BUFFER) after SHRINK_AFTER reads in a row that used a quarter of it or less
  private byte[] buf = new byte[SMALL_BUFFER];
  private int maxBuffer = BUFFER;
  private ByteBuffer view = ByteBuffer.wrap(buf);
  private int smallReads; // reads in a row that used at most a quarter of buf
  private int pos; // next unprocessed byte
  private int limit; // end of the bytes read
  private volatile long ioSince; // System.nanoTime() when the current blocking connect, write or read began, 0 when none
  private boolean connected;
  private boolean reused;
  private boolean receivedAny; // a byte of the current response arrived
  private boolean poisoned; // something went wrong: never reuse

  private final HeadReader headReader = new HeadReader();
  private final Forward forward = new Forward();
  private @Nullable ResponseHead response; // of the current exchange
  private @Nullable BodyDecoder body; // its framing, chosen once per response
  private long keepAliveNanos = TimeUnit.SECONDS.toNanos(KeepAlive.DEFAULT_SECONDS); // read by the pool under its lock
  /** When the connection went idle (on {@link #clock}); guarded by the pool. */
  public long idleSince;
  private final Clock clock; // the engine's: keep-alive expiry is measured on it
  private long lastRead; // clock.nanoTime() of the last read that brought bytes
  private boolean drained; // the last read left room in the buffer: the socket had nothing more then
  private ByteBuffer @Nullable [] unsent; // non-blocking: the request's bytes not written yet
  /** Non-blocking sockets: its registration with its reader thread's selector. */
  @Nullable SelectionKey key;
  // non-blocking sockets: where a grown read buffer comes from and goes back to; null: allocated
  private Http1Socket.@Nullable Buffers buffers;

  private Http1Socket(SocketChannel channel, String origin, Clock clock) {
    this.channel = channel;
    this.origin = origin;
    this.clock = clock;
  }

  public static String origin(URI uri) {
    return uri.getHost() + ":" + (uri.getPort() < 0 ? 80 : uri.getPort());
  }

  /**
   * Opens an unconnected channel (blocking mode), so a close from another thread can stop the connect.
   *
   * @param uri the server
   * @param clock the engine's clock, which {@link #lastRead()} is measured on
   * @return the socket, not connected
   * @throws IOException when no channel can be opened
   */
  public static Http1Socket open(URI uri, Clock clock) throws IOException {
    SocketChannel ch = SocketChannel.open();
    try {
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      return new Http1Socket(ch, origin(uri), clock);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /**
   * A socket over a channel someone else opened and connected (tests: a scripted channel).
   *
   * @param channel the channel, connected
   * @param clock the engine's clock
   * @return the socket
   */
  static Http1Socket over(SocketChannel channel, Clock clock) {
    Http1Socket s = new Http1Socket(channel, "test:0", clock);
    s.connected = true;
    return s;
  }

  /**
   * Opens an unconnected channel in non-blocking mode, for a reader loop ({@link NioTransport}).
   *
   * @param uri the server
   * @param clock the engine's clock, which {@link #lastRead()} is measured on
   * @return the socket, not connected
   * @throws IOException when no channel can be opened
   */
  static Http1Socket openNonBlocking(URI uri, Clock clock) throws IOException {
    Http1Socket s = open(uri, clock);
    s.maxBuffer = NIO_BUFFER;
    try {
      s.channel.configureBlocking(false);
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  /**
   * Reads as a reader thread's connection: the buffer grows to {@link #NIO_BUFFER}, taken from
   * {@code spares} when they have one, and goes back there at the end of the body ({@link
   * #giveBufferBack()}). Before the first read; the reads then run on the thread that owns {@code
   * spares}.
   *
   * @param spares the reader thread's spare buffers
   */
  void readBy(Buffers spares) {
    maxBuffer = NIO_BUFFER;
    buffers = spares;
  }

  /** The channel (non-blocking sockets: to register it with a selector). */
  SocketChannel channel() {
    return channel;
  }

  /**
   * Non-blocking: starts connecting to a resolved address.
   *
   * @return true when connected at once, false when {@link #finishConnect()} must follow
   */
  boolean startConnect(InetSocketAddress address) throws IOException {
    boolean done = channel.connect(address);
    connected = done;
    return done;
  }

  /**
   * Non-blocking: completes a connect once the channel is connectable.
   *
   * @return whether it is connected now
   * @throws IOException when the connect failed (refused, unreachable)
   */
  boolean finishConnect() throws IOException {
    boolean done = channel.finishConnect();
    connected = done;
    return done;
  }

  /** Non-blocking: prepares the request's bytes; {@link #writeSome()} writes them. */
  void startSend(HttpRequest request, byte[] body) {
    unsent = encode(request, body);
  }

  /**
   * Non-blocking: writes what the channel takes now of the request prepared by {@link #startSend}.
   *
   * @return true when the whole request was written
   */
  boolean writeSome() throws IOException {
    ByteBuffer[] out = unsent;
    if (out == null) {
      return true;
    }
    channel.write(out);
    if (out[out.length - 1].hasRemaining()) {
      return false;
    }
    unsent = null;
    return true;
  }

  /** Resolves and connects, within {@code timeout}; interruptible, and ends when closed meanwhile. */
  public void connect(URI uri, Duration timeout) throws IOException {
    String host = uri.getHost();
    if (host == null) {
      throw new java.net.UnknownHostException("no host in " + uri);
    }
    InetSocketAddress address = new InetSocketAddress(host, uri.getPort() < 0 ? 80 : uri.getPort());
    if (address.isUnresolved()) {
      throw new java.net.UnknownHostException(host);
    }
    // the socket adaptor's connect honours a timeout (and interrupts, and closes) on a blocking channel
    ioSince = System.nanoTime() | 1; // never 0 while connecting: the response limit counts it too
    try {
      channel.socket().connect(address, (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
    } finally {
      ioSince = 0;
    }
    connected = true;
  }

  public String origin() {
    return origin;
  }

  /** Whether this connection served an exchange before (a failure before any response byte may mean the server had closed it). */
  public boolean reused() {
    return reused;
  }

  /** Whether a byte of the current response arrived. */
  public boolean receivedAny() {
    return receivedAny;
  }

  /** Writes the request: its method, URI and headers, Host, Content-Length, body. */
  public void send(HttpRequest request, byte[] body) throws IOException {
    ByteBuffer[] out = encode(request, body);
    long left = out[0].remaining() + (long) out[1].remaining();
    ioSince = System.nanoTime() | 1; // never 0 while writing
    try {
      while (left > 0) {
        left -= channel.write(out);
      }
    } finally {
      ioSince = 0;
    }
  }

  /** The request's bytes: its head, then its body. */
  private static ByteBuffer[] encode(HttpRequest request, byte[] body) {
    URI uri = request.uri();
    StringBuilder head = new StringBuilder(256);
    String path = uri.getRawPath();
    head.append(request.method()).append(' ').append(path == null || path.isEmpty() ? "/" : path);
    if (uri.getRawQuery() != null) {
      head.append('?').append(uri.getRawQuery());
    }
    head.append(" HTTP/1.1\r\nHost: ").append(uri.getHost());
    if (uri.getPort() >= 0) {
      head.append(':').append(uri.getPort());
    }
    head.append("\r\n");
    request.headers().map().forEach((name, values) -> {
      for (String v : values) {
        head.append(name).append(": ").append(v).append("\r\n");
      }
    });
    if (body.length > 0 || !"GET".equals(request.method())) {
      head.append("Content-Length: ").append(body.length).append("\r\n");
    }
    head.append("User-Agent: llama-client\r\n\r\n");
    return new ByteBuffer[] {ByteBuffer.wrap(head.toString().getBytes(StandardCharsets.UTF_8)), ByteBuffer.wrap(body)};
  }

  /**
   * Reads the response head (skipping 1xx interim responses, {@link HeadReader}) and chooses the
   * body framing ({@link BodyDecoder#of}). On a malformed head the connection is closed: it is
   * never reused.
   *
   * @throws LlamaProtocolException when the head is not strict HTTP/1.x, is larger than its
   *     budget, or frames its body ambiguously (Transfer-Encoding with Content-Length, conflicting
   *     Content-Length values, a transfer coding other than chunked)
   * @throws EOFException when the connection ended before the head did
   * @throws IOException when reading fails
   */
  public Head readHead() throws IOException {
    beginResponse();
    for (;;) { // a blocking channel's read returns bytes or the end, never nothing
      Head h = pollHead();
      if (h != null) {
        return h;
      }
    }
  }

  /** Before the first {@link #pollHead()} of a response: forgets the previous one. */
  void beginResponse() {
    headReader.reset();
    body = null;
    response = null;
  }

  /**
   * Parses the response head from what is buffered, reading from the channel while it is not
   * complete; in non-blocking mode, returns null once a read brings nothing (call again when the
   * channel is readable). Throws as {@link #readHead()}.
   */
  @Nullable Head pollHead() throws IOException {
    for (;;) {
      if (pos < limit) {
        int end;
        try {
          end = headReader.feed(buf, pos, limit);
        } catch (LlamaProtocolException e) {
          throw poison(e);
        }
        if (end >= 0) {
          pos = end;
          break;
        }
      }
      pos = 0;
      limit = 0;
      int n = fill();
      if (n == 0) {
        return null; // non-blocking: nothing more now
      }
      if (n < 0) {
        poisoned = true;
        throw new EOFException(
            headReader.empty() ? "the server closed the connection without a response" : "the connection closed inside the response headers");
      }
    }
    ResponseHead h = headReader.head();
    try {
      body = BodyDecoder.of(h);
    } catch (LlamaProtocolException e) {
      throw poison(e);
    }
    response = h;
    keepAliveNanos = KeepAlive.idleNanos(h);
    return new Head(h.status(), h.headers());
  }

  /** Marks the connection as never reusable and closes it; returns the exception to throw. */
  private LlamaProtocolException poison(LlamaProtocolException e) {
    poisoned = true;
    close();
    return e;
  }

  /** The head {@link #readHead()} read last, or null before (or when it failed). */
  public @Nullable ResponseHead response() {
    return response;
  }

  /**
   * Hands on the body bytes now in the buffer, reading once from the socket first when there are
   * none. Blocks in that read. On broken framing the connection is closed: it is never reused.
   *
   * @return false once the body has ended
   * @throws EOFException when the connection closed before the end of a framed body
   * @throws ProtocolException when the framing is broken (as with the HttpClient, an I/O failure:
   *     the stream broke); its cause is the {@link LlamaProtocolException} with the offending line
   * @throws IllegalStateException before {@link #readHead()} succeeded
   */
  public boolean readBody(Body out) throws IOException {
    return pollBody(out) != BODY_END; // blocking: a read never brings nothing
  }

  /** {@link #pollBody}: body bytes were handed on (perhaps none, when the read held only framing). */
  static final int BODY_DATA = 1;
  /** {@link #pollBody}: non-blocking, nothing to read now. */
  static final int BODY_WAIT = 0;
  /** {@link #pollBody}: the body has ended. */
  static final int BODY_END = -1;

  /**
   * As {@link #readBody(Body)}, and in non-blocking mode returns {@link #BODY_WAIT} when nothing
   * is buffered and a read brings nothing.
   *
   * @return {@link #BODY_DATA}, {@link #BODY_WAIT} or {@link #BODY_END}
   */
  int pollBody(Body out) throws IOException {
    BodyDecoder b = body;
    if (b == null) {
      throw new IllegalStateException("no response head was read");
    }
    if (b.done()) {
      return BODY_END;
    }
    if (pos == limit) {
      pos = 0;
      limit = 0;
      int n = fill();
      if (n == 0) {
        return BODY_WAIT;
      }
      if (n < 0) {
        if (b.endOfInput()) {
          return BODY_END;
        }
        poisoned = true;
        throw new EOFException("the connection closed before the end of the response body");
      }
    }
    forward.target = out;
    try {
      pos = b.decode(buf, pos, limit, forward);
    } catch (LlamaProtocolException e) {
      if (forward.threw) {
        forward.threw = false;
        throw e; // the consumer's own failure (an event that is not JSON), not the framing's
      }
      poison(e);
      ProtocolException p = new ProtocolException(e.getMessage());
      p.initCause(e);
      throw p;
    }
    return b.done() ? BODY_END : BODY_DATA;
  }

  /** Hands body bytes on to the consumer, noting whether it was the consumer that threw. */
  private static final class Forward implements BodySink {
    BodySink target = DISCARD;
    boolean threw;

    @Override
    public void data(byte[] buf, int off, int len) {
      threw = true;
      target.data(buf, off, len);
      threw = false;
    }
  }

  /** Whether the whole body of the current response was read, its framing's end included. */
  public boolean bodyComplete() {
    BodyDecoder b = body;
    return b != null && b.done();
  }

  /** Reads once into the buffer after {@code limit}: the bytes read, -1 at end of stream, 0 when a non-blocking channel has none now. */
  private int fill() throws IOException {
    if (limit == 0) {
      resize();
    }
    view.limit(buf.length).position(limit);
    ioSince = System.nanoTime() | 1; // never 0 while reading
    int n;
    try {
      n = channel.read(view);
    } finally {
      ioSince = 0;
    }
    if (n > 0) {
      drained = limit + n < buf.length;
      limit += n;
      receivedAny = true;
      lastRead = clock.nanoTime();
      smallReads = limit == buf.length ? -1 : n <= buf.length / 4 ? smallReads + 1 : 0; // -1: grow
    }
    return n;
  }

  /** Before a read into an empty buffer: grows it after a read that filled it, shrinks it after many small ones in a row. */
  private void resize() {
    int size = buf.length;
    if (size == 0) {
      size = SMALL_BUFFER; // gave its buffer back (the body ended), read again anyway
    } else if (smallReads < 0 && size < maxBuffer) {
      size = maxBuffer; // at once, not by doubling: a burst allocates 2 + 16 KB, not 2 + 4 + 8 + 16
    } else if (smallReads >= SHRINK_AFTER && size > SMALL_BUFFER) {
      size /= 2;
    } else {
      return;
    }
    smallReads = 0;
    Buffers b = buffers;
    byte[] spare = b != null && size == NIO_BUFFER ? b.take() : null;
    if (b != null && buf.length == NIO_BUFFER) {
      b.give(buf);
    }
    buf = spare != null ? spare : new byte[size];
    view = ByteBuffer.wrap(buf);
  }

  /**
   * The body was read to its end, or the exchange ended with the read at hand (it completed, or was
   * cancelled meanwhile): a grown read buffer goes back to the reader thread's spares
   * ({@link #buffers}). On the thread that reads the connection, and only once nothing of the
   * buffer is needed any more (this socket is never reused after its body: a non-blocking one
   * streams once).
   */
  void giveBufferBack() {
    Buffers b = buffers;
    if (b != null && buf.length == NIO_BUFFER) {
      b.give(buf);
      buf = NO_BUFFER;
      view = ByteBuffer.wrap(buf);
      pos = 0;
      limit = 0;
    }
  }

  /** Whether the last read took everything the socket had then (it left room in the buffer). */
  boolean drained() {
    return drained;
  }

  /** The read buffer's size now (tests). */
  int bufferSize() {
    return buf.length;
  }

  /** When the blocking write or read in progress began (System.nanoTime), or 0 when none is. */
  public long ioSince() {
    return ioSince;
  }

  /**
   * Whether this connection may go back to the pool after its exchange completed: the response
   * lets it be kept ({@link KeepAlive#allowed}), nothing went wrong on it, and no byte came after
   * the end of the body. The body itself may not be read to its end yet (normally just the last
   * chunk is left): {@link #prepareReuse()} finishes it, or refuses the connection.
   */
  public boolean keepAlive() {
    ResponseHead h = response;
    BodyDecoder b = body;
    return h != null
        && b != null
        && !poisoned
        && connected
        && channel.isOpen()
        && KeepAlive.allowed(h, b)
        && !(b.done() && pos != limit);
  }

  /** How long the connection may stay idle after this response ({@link KeepAlive#idleNanos}). */
  public long keepAliveNanos() {
    return keepAliveNanos;
  }

  /**
   * When the last bytes arrived, on the engine's clock: the server's keep-alive time runs from
   * about then, not from when a slow consumer got to the end of what was read.
   */
  public long lastRead() {
    return lastRead;
  }

  /**
   * Readies a pooled connection for the next exchange with one non-blocking check, bounded and
   * never in a loop: one non-blocking read of at most {@link #BUFFER} bytes, and the rest of the
   * previous body (normally just the last chunk) decoded from what is buffered. The connection is
   * ready only when that ends the body exactly, and the server neither closed the connection nor
   * sent anything more; otherwise it must be closed (a server that keeps sending after the end, or
   * never ends the body, never gets the connection back). Called by the pool on the thread that
   * takes the connection; does not close it.
   *
   * @return whether the connection can carry the next request
   */
  public boolean prepareReuse() {
    if (!keepAlive()) {
      return false;
    }
    ResponseHead h = response;
    BodyDecoder b = body;
    if (h == null || b == null) {
      return false;
    }
    try {
      if (pos == limit) {
        pos = 0;
        limit = 0;
      } else if (pos > 0) {
        System.arraycopy(buf, pos, buf, 0, limit - pos);
        limit -= pos;
        pos = 0;
      }
      int n;
      boolean blocking = channel.isBlocking(); // a reader loop's socket is non-blocking already
      if (blocking) {
        channel.configureBlocking(false);
      }
      try {
        view.limit(buf.length).position(limit);
        n = channel.read(view); // once: bytes, none, or the end
      } finally {
        if (blocking && channel.isOpen()) {
          channel.configureBlocking(true);
        }
      }
      if (n < 0) {
        return false; // the server closed it
      }
      limit += n;
      pos = b.decode(buf, pos, limit, DISCARD);
    } catch (IOException | RuntimeException e) {
      return false; // incl. LlamaProtocolException: broken framing
    }
    if (!KeepAlive.reusable(h, b, limit - pos)) {
      return false; // the body did not end within that read, or bytes came after its end
    }
    pos = 0;
    limit = 0;
    reused = true;
    receivedAny = false;
    return true;
  }

  /** Closes the connection; I/O blocked in another thread ends at once. Idempotent. */
  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // nothing to do: the descriptor is released either way
    }
  }
}
