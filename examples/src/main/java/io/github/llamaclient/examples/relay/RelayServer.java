package io.github.llamaclient.examples.relay;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The relay's HTTP/1.1 front: one selector thread reads every request's head and body, with a
 * deadline and a size cap, and only a complete request that the {@link Gate} lets through reaches
 * the fixed pool of workers. So a client that drips its head a byte at a time holds no thread at
 * all, and is cut at the deadline; a request without the right token is answered from the selector
 * thread before its body is read.
 *
 * <p>Limits: at most {@code maxConnections} open connections (more are answered 503 and closed);
 * {@code workers} threads; at most {@code workers} requests waiting for one (more get 503). Every
 * response closes its connection ({@code Connection: close}): a page load is a few connections, and
 * a stream holds one.
 */
final class RelayServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(RelayServer.class.getName());
  private static final int MAX_HEAD_BYTES = 16 * 1024;
  private static final int MAX_BODY_BYTES = 1 << 20;

  /**
   * A parsed request.
   *
   * @param method the method
   * @param path the path, without the query
   * @param query the query, without the {@code ?}; empty for none
   * @param headers header values by lower-case name (the first of repeated headers)
   * @param body the body (empty until the gate let it be read)
   */
  record Request(String method, String path, String query, Map<String, String> headers, byte[] body) {
    @Nullable String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /**
   * A complete response to send at once.
   *
   * @param status the status code
   * @param headers the headers (Content-Length and Connection are added)
   * @param body the body
   */
  record Reply(int status, Map<String, String> headers, byte[] body) {}

  /** Decides on a request's head, on the selector thread: answer now, or read the body for a worker. */
  @FunctionalInterface
  interface Gate {
    /**
     * @param head the request, with an empty body
     * @return the reply to send at once, or null to read the body and call the handler
     */
    @Nullable Reply check(Request head);
  }

  /** Serves a request that passed the gate, on a worker thread. */
  @FunctionalInterface
  interface Handler {
    void handle(Request request, Exchange exchange) throws IOException;
  }

  /** A worker's view of its connection. Blocking writes; closed by the server after the handler. */
  static final class Exchange {
    private final SocketChannel channel;
    private final OutputStream out;
    private boolean sent;

    Exchange(SocketChannel channel) {
      this.channel = channel;
      this.out = Channels.newOutputStream(channel);
    }

    /** Sends a whole response. */
    void send(Reply reply) throws IOException {
      sent = true;
      out.write(encode(reply));
      out.flush();
    }

    /** Sends the head of a response whose body follows in chunks; returns the body stream. */
    OutputStream stream(int status, Map<String, String> headers) throws IOException {
      sent = true;
      StringBuilder h = statusLine(status, headers);
      h.append("Transfer-Encoding: chunked\r\n\r\n");
      out.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return new ChunkedOutputStream(out);
    }

    boolean sent() {
      return sent;
    }

    /** The client's address, for the log. */
    String remote() {
      try {
        return String.valueOf(channel.getRemoteAddress());
      } catch (IOException e) {
        return "?";
      }
    }
  }

  private final ServerSocketChannel listener;
  private final Selector selector;
  private final Gate gate;
  private final Handler handler;
  private final Duration requestDeadline;
  private final int maxConnections;
  private final ExecutorService workers;
  private final Semaphore workSlots;
  private final AtomicInteger connections = new AtomicInteger();
  private final Thread selectorThread;
  private volatile boolean closed;

  /**
   * Binds and starts serving.
   *
   * @param address where to listen
   * @param workers worker threads (and as many requests may wait for one)
   * @param maxConnections open connections at most
   * @param requestDeadline the time a client has to send its whole request, head and body
   */
  RelayServer(InetSocketAddress address, int workers, int maxConnections, Duration requestDeadline, Gate gate, Handler handler)
      throws IOException {
    this.gate = gate;
    this.handler = handler;
    this.requestDeadline = requestDeadline;
    this.maxConnections = maxConnections;
    AtomicInteger n = new AtomicInteger();
    this.workers =
        new ThreadPoolExecutor(workers, workers, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "relay-worker-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    this.workSlots = new Semaphore(2 * workers);
    this.selector = Selector.open();
    this.listener = ServerSocketChannel.open();
    listener.bind(address, 256);
    listener.configureBlocking(false);
    listener.register(selector, SelectionKey.OP_ACCEPT);
    this.selectorThread = new Thread(this::loop, "relay-selector");
    selectorThread.setDaemon(true);
    selectorThread.start();
  }

  InetSocketAddress address() {
    try {
      return (InetSocketAddress) listener.getLocalAddress();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Open connections now (reading, waiting for a worker, or being served). */
  int connections() {
    return connections.get();
  }

  /** A connection being read by the selector, or writing an immediate reply. */
  private final class Conn {
    final SocketChannel channel;
    final long deadline;
    ByteBuffer in = ByteBuffer.allocate(1024);
    @Nullable Request head;
    int bodyStart;
    int bodyLength;
    @Nullable ByteBuffer out;

    Conn(SocketChannel channel) {
      this.channel = channel;
      this.deadline = System.nanoTime() + requestDeadline.toNanos();
    }
  }

  private void loop() {
    while (!closed) {
      try {
        selector.select(250);
        for (SelectionKey key : selector.selectedKeys()) {
          if (!key.isValid()) {
            continue;
          }
          if (key.isAcceptable()) {
            accept();
          } else if (key.isReadable()) {
            read(key);
          } else if (key.isWritable()) {
            write(key);
          }
        }
        selector.selectedKeys().clear();
        long now = System.nanoTime();
        for (SelectionKey key : selector.keys()) {
          if (key.attachment() instanceof Conn && now - ((Conn) key.attachment()).deadline > 0) {
            close(key); // too slow: the request was not complete in time
          }
        }
      } catch (IOException | RuntimeException e) {
        if (!closed) {
          LOG.log(System.Logger.Level.WARNING, "relay selector", e);
        }
      }
    }
  }

  private void accept() throws IOException {
    SocketChannel ch;
    while ((ch = listener.accept()) != null) {
      connections.incrementAndGet();
      ch.configureBlocking(false);
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      Conn c = new Conn(ch);
      SelectionKey key = ch.register(selector, SelectionKey.OP_READ, c);
      if (connections.get() > maxConnections) {
        reply(key, c, Server.busy("too many connections"));
      }
    }
  }

  private void read(SelectionKey key) throws IOException {
    Conn c = (Conn) key.attachment();
    if (!c.in.hasRemaining()) {
      c.in = grow(c.in);
    }
    int n;
    try {
      n = c.channel.read(c.in);
    } catch (IOException e) {
      close(key);
      return;
    }
    if (n < 0) {
      close(key);
      return;
    }
    if (c.head == null) {
      int end = headEnd(c.in);
      if (end < 0) {
        if (c.in.position() >= MAX_HEAD_BYTES) {
          reply(key, c, Server.plain(431, "request head too large"));
        }
        return;
      }
      Request head = parseHead(c.in, end);
      if (head == null) {
        reply(key, c, Server.plain(400, "bad request"));
        return;
      }
      Reply now = gate.check(head);
      if (now != null) {
        reply(key, c, now);
        return;
      }
      String length = head.header("content-length");
      if (length == null && head.method().equals("GET") && head.header("transfer-encoding") == null) {
        length = "0"; // a GET has no body
      }
      if (head.header("transfer-encoding") != null || length == null) {
        reply(key, c, Server.plain(411, "send the body with a Content-Length"));
        return;
      }
      int len;
      try {
        len = Integer.parseInt(length.strip());
      } catch (NumberFormatException e) {
        len = -1;
      }
      if (len < 0 || len > MAX_BODY_BYTES) {
        reply(key, c, Server.plain(413, "the body must be at most " + MAX_BODY_BYTES + " bytes"));
        return;
      }
      c.head = head;
      c.bodyStart = end;
      c.bodyLength = len;
      if (c.in.capacity() < end + len) {
        ByteBuffer bigger = ByteBuffer.allocate(end + len);
        c.in.flip();
        bigger.put(c.in);
        c.in = bigger;
      }
    }
    if (c.in.position() >= c.bodyStart + c.bodyLength) {
      dispatch(key, c);
    }
  }

  private void dispatch(SelectionKey key, Conn c) throws IOException {
    if (!workSlots.tryAcquire()) {
      reply(key, c, Server.busy("the relay is busy"));
      return;
    }
    Request head = c.head;
    byte[] body = new byte[c.bodyLength];
    System.arraycopy(c.in.array(), c.bodyStart, body, 0, c.bodyLength);
    Request request = new Request(head.method(), head.path(), head.query(), head.headers(), body);
    key.cancel();
    selector.selectNow(); // deregisters, so the channel may block
    SocketChannel ch = c.channel;
    ch.configureBlocking(true);
    workers.execute(() -> serve(ch, request));
  }

  private void serve(SocketChannel ch, Request request) {
    Exchange ex = new Exchange(ch);
    try {
      handler.handle(request, ex);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "client {0} went away: {1}", ex.remote(), e.toString());
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "relay request " + request.method() + " " + request.path() + " failed", e);
      if (!ex.sent()) {
        try {
          ex.send(Server.plain(500, "the relay failed"));
        } catch (IOException ignored) {
          // gone
        }
      }
    } finally {
      workSlots.release();
      closeQuietly(ch);
    }
  }

  /** Sends a complete reply from the selector thread without blocking, then closes. */
  private void reply(SelectionKey key, Conn c, Reply reply) {
    c.out = ByteBuffer.wrap(encode(reply));
    key.interestOps(SelectionKey.OP_WRITE);
    write(key);
  }

  private void write(SelectionKey key) {
    Conn c = (Conn) key.attachment();
    try {
      c.channel.write(c.out);
      if (!c.out.hasRemaining()) {
        c.channel.shutdownOutput();
        close(key);
      }
    } catch (IOException e) {
      close(key);
    }
  }

  private void close(SelectionKey key) {
    key.cancel();
    key.attach(null);
    closeQuietly((SocketChannel) key.channel());
  }

  private void closeQuietly(SocketChannel ch) {
    if (ch.isOpen()) {
      try {
        ch.close();
      } catch (IOException e) {
        // nothing to do
      }
      connections.decrementAndGet();
    }
  }

  private static ByteBuffer grow(ByteBuffer b) {
    ByteBuffer bigger = ByteBuffer.allocate(Math.min(MAX_HEAD_BYTES + 1024, b.capacity() * 2));
    b.flip();
    return bigger.put(b);
  }

  /** The index just past the blank line that ends the head, or -1. */
  private static int headEnd(ByteBuffer b) {
    byte[] a = b.array();
    for (int i = 3; i < b.position(); i++) {
      if (a[i] == '\n' && a[i - 1] == '\r' && a[i - 2] == '\n' && a[i - 3] == '\r') {
        return i + 1;
      }
    }
    return -1;
  }

  private static @Nullable Request parseHead(ByteBuffer b, int end) {
    String head = new String(b.array(), 0, end - 4, StandardCharsets.ISO_8859_1);
    String[] lines = head.split("\r\n");
    String[] start = lines[0].split(" ");
    if (start.length != 3 || !start[2].startsWith("HTTP/1.") || !start[1].startsWith("/")) {
      return null;
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon <= 0) {
        return null;
      }
      headers.putIfAbsent(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
    }
    String target = start[1];
    int q = target.indexOf('?');
    return new Request(
        start[0], q < 0 ? target : target.substring(0, q), q < 0 ? "" : target.substring(q + 1), headers, new byte[0]);
  }

  private static StringBuilder statusLine(int status, Map<String, String> headers) {
    StringBuilder h = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
    for (Map.Entry<String, String> e : headers.entrySet()) {
      h.append(e.getKey()).append(": ").append(e.getValue()).append("\r\n");
    }
    h.append("Connection: close\r\n");
    return h;
  }

  private static byte[] encode(Reply reply) {
    StringBuilder h = statusLine(reply.status(), reply.headers());
    h.append("Content-Length: ").append(reply.body().length).append("\r\n\r\n");
    byte[] head = h.toString().getBytes(StandardCharsets.ISO_8859_1);
    byte[] all = new byte[head.length + reply.body().length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(reply.body(), 0, all, head.length, reply.body().length);
    return all;
  }

  private static String reason(int status) {
    switch (status) {
      case 200:
        return "OK";
      case 204:
        return "No Content";
      case 400:
        return "Bad Request";
      case 401:
        return "Unauthorized";
      case 403:
        return "Forbidden";
      case 404:
        return "Not Found";
      case 405:
        return "Method Not Allowed";
      case 411:
        return "Length Required";
      case 413:
        return "Content Too Large";
      case 431:
        return "Request Header Fields Too Large";
      case 503:
        return "Service Unavailable";
      default:
        return "Status";
    }
  }

  /** Writes HTTP/1.1 chunks; closing writes the last chunk (and leaves the connection to the server). */
  private static final class ChunkedOutputStream extends OutputStream {
    private final OutputStream out;
    private boolean closed;

    ChunkedOutputStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return;
      }
      byte[] size = (Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
      byte[] chunk = new byte[size.length + len + 2];
      System.arraycopy(size, 0, chunk, 0, size.length);
      System.arraycopy(b, off, chunk, size.length, len);
      chunk[chunk.length - 2] = '\r';
      chunk[chunk.length - 1] = '\n';
      out.write(chunk);
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      if (!closed) {
        closed = true;
        out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      }
    }
  }

  /** Small replies the server itself sends. */
  static final class Server {
    private Server() {}

    static Reply plain(int status, String message) {
      return new Reply(status, Map.of("Content-Type", "application/json; charset=utf-8"), json(message));
    }

    static Reply busy(String message) {
      return new Reply(503, Map.of("Content-Type", "application/json; charset=utf-8", "Retry-After", "5"), json(message));
    }

    private static byte[] json(String message) {
      StringBuilder sb = new StringBuilder("{\"error\":\"");
      for (char ch : message.toCharArray()) {
        if (ch == '"' || ch == '\\') {
          sb.append('\\');
        }
        sb.append(ch < 0x20 ? ' ' : ch);
      }
      return sb.append("\"}").toString().getBytes(StandardCharsets.UTF_8);
    }
  }

  /** Stops listening and closes every connection; running handlers see their writes fail. */
  @Override
  public void close() {
    closed = true;
    selector.wakeup();
    try {
      selectorThread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<SelectionKey> keys = new ArrayList<>(selector.keys());
    for (SelectionKey k : keys) {
      if (k.channel() instanceof SocketChannel) {
        close(k);
      }
    }
    try {
      listener.close();
      selector.close();
    } catch (IOException e) {
      // nothing to do
    }
    workers.shutdownNow();
    try {
      workers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
