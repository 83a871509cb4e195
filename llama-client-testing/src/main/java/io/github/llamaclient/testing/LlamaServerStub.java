package io.github.llamaclient.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A llama-server stand-in for tests, on a free loopback port: it answers each request with the
 * next {@link #enqueue(StubReply) enqueued} reply, else the reply {@link #route(String, StubReply)
 * routed} to its path, else what the {@link #answer(Function) answerer} returns, else
 * llama-server's 404. Replies replay {@link Recording}s or scripted
 * streams, at a {@link Pacing}, with faults on demand (see {@link StubReply}).
 *
 * <pre>{@code
 * try (LlamaServerStub stub = LlamaServerStub.start();
 *     LlamaClient client = LlamaClient.builder().baseUrl(stub.url()).build()) {
 *   stub.enqueue(StubReply.chatStream().content("Hello", " world").build());
 *   assertEquals("Hello world", client.chat().call(request).text());
 *   assertTrue(stub.takeRequest().body().contains("\"stream\":true"));
 * }
 * }</pre>
 *
 * <p>HTTP/1.1, one request per connection ({@code Connection: close}, as the recordings show);
 * streamed bodies are chunked, one chunk per body piece, flushed as it is written. Pacing waits on
 * the {@link StubClock} given to {@link #start(StubClock)}; a {@link ManualClock} makes tests of
 * pacing exact and free of sleeps.
 *
 * <p>Thread-safe. Each connection is served on a daemon thread of its own; {@link #close()} closes
 * the port and every connection, and ends those threads. The JUnit extension {@link
 * LlamaServerStubExtension} starts and closes one per test.
 */
public final class LlamaServerStub implements AutoCloseable {
  private static final byte[] NOT_FOUND =
      "{\"error\":{\"message\":\"File Not Found\",\"type\":\"not_found_error\",\"code\":404}}".getBytes(StandardCharsets.UTF_8);
  private static final int MAX_HEAD = 64 * 1024;

  private final StubClock clock;
  private final ServerSocket socket;
  private final java.util.concurrent.CountDownLatch acceptEnded = new java.util.concurrent.CountDownLatch(1);
  private final ExecutorService threads =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "llama-server-stub");
            t.setDaemon(true);
            return t;
          });
  private final Queue<StubReply> queue = new ArrayDeque<>();
  private final Map<String, StubReply> routes = new ConcurrentHashMap<>();
  private volatile @Nullable Function<StubRequest, StubReply> answerer;
  private final BlockingQueue<StubRequest> requests = new LinkedBlockingQueue<>();
  private final AtomicInteger requestCount = new AtomicInteger();
  private final AtomicInteger open = new AtomicInteger();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private LlamaServerStub(StubClock clock) throws IOException {
    this.clock = clock;
    this.socket = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    threads.execute(this::acceptLoop);
  }

  /**
   * Starts a stub on real time.
   *
   * @return the running stub; close it
   * @throws UncheckedIOException if no loopback port can be opened
   */
  public static LlamaServerStub start() {
    return start(StubClock.system());
  }

  /**
   * Starts a stub that paces its replies on {@code clock}.
   *
   * @param clock the clock, such as a {@link ManualClock}
   * @return the running stub; close it
   * @throws UncheckedIOException if no loopback port can be opened
   */
  public static LlamaServerStub start(StubClock clock) {
    Objects.requireNonNull(clock, "clock");
    try {
      return new LlamaServerStub(clock);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a loopback port for the stub", e);
    }
  }

  /**
   * The base URL to give the client: {@code http://127.0.0.1:<port>}.
   *
   * @return the URL
   */
  public URI url() {
    return URI.create("http://127.0.0.1:" + socket.getLocalPort());
  }

  /**
   * The clock the stub paces its replies on.
   *
   * @return the clock
   */
  public StubClock clock() {
    return clock;
  }

  /**
   * Answers the next request (whatever its path) with {@code reply}; replies are used in the order
   * they were enqueued, each once.
   *
   * @param reply the reply
   * @return this stub
   */
  public LlamaServerStub enqueue(StubReply reply) {
    Objects.requireNonNull(reply, "reply");
    synchronized (queue) {
      queue.add(reply);
    }
    return this;
  }

  /**
   * Answers every request for {@code path} (the query left out) with {@code reply} when nothing is
   * enqueued, such as {@code route("/health", StubReply.loading())}.
   *
   * @param path the path, such as {@code /v1/chat/completions}
   * @param reply the reply
   * @return this stub
   */
  public LlamaServerStub route(String path, StubReply reply) {
    routes.put(Objects.requireNonNull(path, "path"), Objects.requireNonNull(reply, "reply"));
    return this;
  }

  /**
   * Answers the requests that nothing {@link #enqueue enqueued} or {@link #route routed} answers:
   * {@code answerer} looks at the request (its path, its body) and returns the reply. It runs on
   * the connection's thread, one call per request, possibly concurrently.
   *
   * @param answerer the function; what it throws closes that connection without an answer
   * @return this stub
   */
  public LlamaServerStub answer(Function<StubRequest, StubReply> answerer) {
    this.answerer = Objects.requireNonNull(answerer, "answerer");
    return this;
  }

  /**
   * The next request that reached the stub, waiting up to 10 seconds for it.
   *
   * @return the request
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalStateException if no request came
   */
  public StubRequest takeRequest() throws InterruptedException {
    return takeRequest(Duration.ofSeconds(10));
  }

  /**
   * The next request that reached the stub, waiting up to {@code within} for it.
   *
   * @param within the most to wait
   * @return the request
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalStateException if no request came
   */
  public StubRequest takeRequest(Duration within) throws InterruptedException {
    StubRequest r = requests.poll(within.toNanos(), TimeUnit.NANOSECONDS);
    if (r == null) {
      throw new IllegalStateException("no request reached the stub within " + within);
    }
    return r;
  }

  /**
   * How many requests reached the stub so far.
   *
   * @return the count
   */
  public int requestCount() {
    return requestCount.get();
  }

  /**
   * Connections accepted and not yet closed by either side.
   *
   * @return the count
   */
  public int openConnections() {
    return open.get();
  }

  /** Closes the port and every connection; the stub's threads end. Idempotent. */
  @Override
  public void close() {
    closed = true;
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
    // The JDK releases a listening socket only once the thread blocked in accept() has left it: until
    // then the port still takes connections that nobody accepts. Wait for that thread.
    try {
      acceptEnded.await(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    threads.shutdownNow();
  }

  @Override
  public String toString() {
    return "LlamaServerStub[" + url() + ", " + requestCount() + " requests]";
  }

  private void acceptLoop() {
    try {
      acceptAll();
    } finally {
      acceptEnded.countDown();
    }
  }

  private void acceptAll() {
    while (!closed) {
      Socket s;
      try {
        s = socket.accept();
      } catch (IOException e) {
        return;
      }
      open.incrementAndGet();
      sockets.add(s);
      try {
        s.setTcpNoDelay(true); // each piece leaves when it is written, as its time says
      } catch (IOException e) {
        // a socket that cannot take the option still works
      }
      threads.execute(() -> serve(s));
    }
  }

  private StubReply replyFor(StubRequest request) {
    synchronized (queue) {
      StubReply next = queue.poll();
      if (next != null) {
        return next;
      }
    }
    StubReply routed = routes.get(request.path());
    if (routed != null) {
      return routed;
    }
    Function<StubRequest, StubReply> a = answerer;
    if (a != null) {
      return Objects.requireNonNull(a.apply(request), "the answerer returned no reply");
    }
    return StubReply.built(
        404,
        StubReply.serverHeaders("application/json; charset=utf-8"),
        NOT_FOUND,
        List.of(new StubReply.Piece(0, NOT_FOUND.length)));
  }

  private void serve(Socket s) {
    Connection c = new Connection(s);
    try {
      c.serve();
    } catch (IOException e) {
      if (!closed) {
        c.request.markClientClosed(); // a write fails when the client has gone
      }
    } catch (RuntimeException e) {
      // a request the stub cannot read: the connection closes
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      c.end();
      c.request.markReplyDone();
    }
  }

  /** One connection: one request, one reply. */
  private final class Connection {
    private final Socket s;
    private volatile boolean serverClosed;
    private boolean ended;
    private volatile StubRequest request = new StubRequest("", "", Map.of(), new byte[0]);

    Connection(Socket s) {
      this.s = s;
    }

    void serve() throws IOException, InterruptedException {
      InputStream in = new java.io.BufferedInputStream(s.getInputStream());
      StubRequest r = readRequest(in);
      if (r == null) {
        return; // opened and closed without a request
      }
      request = r;
      long start = clock.nanoTime();
      threads.execute(() -> watch(in));
      requestCount.incrementAndGet();
      requests.add(r);
      StubReply reply = replyFor(r);
      write(reply, start, s.getOutputStream());
    }

    private void write(StubReply reply, long start, OutputStream out) throws IOException, InterruptedException {
      long delay = reply.firstTokenDelayNanos;
      long head = reply.pacing.at(-1, reply.headersAtNanos) + delay;
      clock.sleepUntil(start + head);
      out.write(head(reply));
      out.flush();
      int offset = 0;
      long last = head;
      for (int i = 0; i < reply.pieces.size(); i++) {
        StubReply.Piece p = reply.pieces.get(i);
        long at = Math.max(last, reply.pacing.at(i, p.atNanos()) + delay);
        clock.sleepUntil(start + at);
        last = at;
        // one write per piece (with no delay on the socket): a chunk is never held back waiting
        // for the client's acknowledgement of its own size line
        if (reply.chunked) {
          byte[] size = (Integer.toHexString(p.bytes()) + "\r\n").getBytes(StandardCharsets.US_ASCII);
          byte[] chunk = new byte[size.length + p.bytes() + 2];
          System.arraycopy(size, 0, chunk, 0, size.length);
          System.arraycopy(reply.body, offset, chunk, size.length, p.bytes());
          chunk[chunk.length - 2] = '\r';
          chunk[chunk.length - 1] = '\n';
          out.write(chunk);
        } else {
          out.write(reply.body, offset, p.bytes());
        }
        out.flush();
        offset += p.bytes();
      }
      switch (reply.end) {
        case STALL:
          request.markReplyDone();
          request.awaitClientClose(Duration.ofDays(1)); // until the client, or close(), ends it
          return;
        case CUT:
          return; // end() closes the socket: the body never ends
        default:
          if (reply.chunked) {
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
          }
      }
    }

    private byte[] head(StubReply reply) {
      StringBuilder sb = new StringBuilder("HTTP/1.1 ").append(reply.status).append(' ').append(reason(reply.status)).append("\r\n");
      boolean connection = false;
      for (Map.Entry<String, String> h : reply.headers.entrySet()) {
        connection |= h.getKey().equalsIgnoreCase("Connection");
        sb.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
      }
      if (!connection) {
        sb.append("Connection: close\r\n");
      }
      if (reply.chunked) {
        sb.append("Transfer-Encoding: chunked\r\n");
      } else {
        sb.append("Content-Length: ").append(reply.body.length).append("\r\n");
      }
      return sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Blocks in read() until the client closes the connection: the close a test may wait for. */
    private void watch(InputStream in) {
      boolean byClient;
      try {
        while (in.read() >= 0) {
          // nothing more is expected on this connection
        }
        byClient = true; // the end of the input: the client closed
      } catch (IOException e) {
        byClient = !serverClosed; // reset by the client, or closed by the stub
      }
      if (byClient) {
        request.markClientClosed();
        close();
      }
    }

    /** The client's close seen: the socket closes (a stalled reply ends). */
    private synchronized void close() {
      if (!ended) {
        ended = true;
        open.decrementAndGet();
        try {
          s.close();
        } catch (IOException e) {
          // closing anyway
        }
      }
    }

    /** The stub's side is done: the socket closes. */
    synchronized void end() {
      serverClosed = true;
      if (ended) {
        return;
      }
      ended = true;
      open.decrementAndGet();
      try {
        s.close();
      } catch (IOException e) {
        // closing anyway
      }
    }

    private @Nullable StubRequest readRequest(InputStream in) throws IOException {
      String first = line(in, true);
      if (first == null) {
        return null; // opened and closed without a request (a pool's spare connection)
      }
      String[] requestLine = first.split(" ");
      Map<String, String> headers = new LinkedHashMap<>();
      for (String field = line(in, false); field != null && !field.isEmpty(); field = line(in, false)) {
        int colon = field.indexOf(':');
        if (colon > 0) {
          headers.put(field.substring(0, colon).trim().toLowerCase(Locale.ROOT), field.substring(colon + 1).trim());
        }
      }
      byte[] body;
      if ("chunked".equalsIgnoreCase(headers.getOrDefault("transfer-encoding", ""))) {
        body = readChunked(in);
      } else {
        body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
      }
      return new StubRequest(
          requestLine[0], requestLine.length > 1 ? requestLine[1] : "/", headers, body);
    }

    private byte[] readChunked(InputStream in) throws IOException {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      for (;;) {
        String size = String.valueOf(line(in, false));
        int semi = size.indexOf(';');
        int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
        if (n == 0) {
          for (String trailer = line(in, false); trailer != null && !trailer.isEmpty(); trailer = line(in, false)) {
            // trailers are ignored
          }
          return body.toByteArray();
        }
        body.write(in.readNBytes(n));
        line(in, false);
      }
    }

    /** One line of the request without its CRLF (a bare LF ends one too); null at the end of the input if allowed. */
    private @Nullable String line(InputStream in, boolean endAllowed) throws IOException {
      StringBuilder sb = new StringBuilder();
      for (int b = in.read(); b != '\n'; b = in.read()) {
        if (b < 0) {
          if (endAllowed && sb.length() == 0) {
            return null;
          }
          throw new IOException("the request ended in the middle of a line");
        }
        if (sb.length() >= MAX_HEAD) {
          throw new IOException("a request line over " + MAX_HEAD + " bytes");
        }
        if (b != '\r') {
          sb.append((char) b);
        }
      }
      return sb.toString();
    }
  }

  private static String reason(int status) {
    switch (status) {
      case 200:
        return "OK";
      case 400:
        return "Bad Request";
      case 401:
        return "Unauthorized";
      case 404:
        return "Not Found";
      case 500:
        return "Internal Server Error";
      case 501:
        return "Not Implemented";
      case 503:
        return "Service Unavailable";
      default:
        return "Status";
    }
  }
}
