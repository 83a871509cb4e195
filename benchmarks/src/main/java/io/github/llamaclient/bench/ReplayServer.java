package io.github.llamaclient.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * A loopback HTTP/1.1 server on a plain {@link ServerSocket} that replays one recording the way
 * llama-server sends it: the recorded status line and headers, then the body in chunked transfer
 * encoding cut at the recorded chunk boundaries, then the connection is closed (the recording says
 * {@code Connection: close}). One thread per connection, all named {@code replay-*}, so a harness
 * can leave the server out of its thread, CPU and allocation counts.
 */
public final class ReplayServer implements AutoCloseable {

  /** How the body is sent. */
  public enum Mode {
    /** All chunks at once (one large write). */
    BURST,
    /** One recorded chunk every {@code paceNanos}, stamping each content delta's write time. */
    PACED,
    /** The first {@code prefix} chunks, then wait for the client to close; report when it did. */
    CANCEL,
    /** The first {@code prefix} chunks, then wait at the gate, then the rest at once. */
    HOLD
  }

  /** What the next connections get. */
  public static final class Plan {
    final Fixture fixture;
    final Mode mode;
    static final long DEFAULT_PACE_NANOS = 2_000_000;
    long paceNanos = DEFAULT_PACE_NANOS;
    int prefix = 10;
    /** Write times (System.nanoTime) of the content deltas, by ordinal; PACED only. */
    long[] writeTimes = new long[0];
    final BlockingQueue<Long> closeSeen = new LinkedBlockingQueue<>();
    CountDownLatch arrived = new CountDownLatch(0);
    CountDownLatch release = new CountDownLatch(0);

    Plan(Fixture fixture, Mode mode) {
      this.fixture = fixture;
      this.mode = mode;
    }
  }

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final ServerSocket socket;
  private final Thread acceptor;
  private final AtomicInteger connections = new AtomicInteger();
  private final LongAdder cpuNanos = new LongAdder();
  private final AtomicInteger failures = new AtomicInteger();
  private final AtomicInteger active = new AtomicInteger();
  private volatile Plan plan;
  private volatile boolean closed;

  public ReplayServer(Plan initial) throws IOException {
    this.plan = initial;
    this.socket = new ServerSocket();
    socket.setReuseAddress(true);
    socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
    this.acceptor = new Thread(this::acceptLoop, "replay-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public static Plan plan(Fixture fixture, Mode mode) {
    return new Plan(fixture, mode);
  }

  public void plan(Plan p) {
    this.plan = p;
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + socket.getLocalPort();
  }

  /** CPU time used by the server's threads so far (connection threads once they end, plus the acceptor). */
  public long cpuNanos() {
    long a = THREADS.getThreadCpuTime(acceptor.getId());
    return cpuNanos.sum() + Math.max(a, 0);
  }

  /** Connections being served now. */
  public int active() {
    return active.get();
  }

  public int failures() {
    return failures.get();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket s = socket.accept();
        Plan p = plan;
        Thread t = new Thread(null, () -> serve(s, p), "replay-conn-" + connections.incrementAndGet(), 256 * 1024);
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        if (!closed) {
          failures.incrementAndGet();
        }
      }
    }
  }

  private void serve(Socket s, Plan p) {
    active.incrementAndGet();
    try (s) {
      s.setTcpNoDelay(true);
      InputStream in = s.getInputStream();
      readRequest(in);
      OutputStream out = s.getOutputStream();
      Fixture f = p.fixture;
      out.write(f.head);
      switch (p.mode) {
        case BURST:
          out.write(f.framedBody);
          break;
        case PACED:
          paced(out, p);
          break;
        case CANCEL:
          try {
            writePrefix(out, f, p.prefix);
            out.flush();
          } catch (IOException e) {
            // the client closed while the prefix was still being written (it had its 5 deltas
            // already): the server sees the close here, as a failed write
            p.closeSeen.add(System.nanoTime());
            return;
          }
          awaitClose(in, p);
          return;
        case HOLD:
          writePrefix(out, f, p.prefix);
          out.flush();
          p.arrived.countDown();
          p.release.await();
          for (int i = p.prefix; i < f.framedSegments.length; i++) {
            out.write(f.framedSegments[i]);
          }
          out.write(LAST_CHUNK);
          break;
        default:
          throw new IllegalStateException(String.valueOf(p.mode));
      }
      out.flush();
      s.shutdownOutput();
      // let the client read to the end before the socket closes
      drain(in);
    } catch (SocketException e) {
      // the client went away (cancel): expected
    } catch (IOException | InterruptedException | RuntimeException e) {
      failures.incrementAndGet();
    } finally {
      cpuNanos.add(THREADS.getCurrentThreadCpuTime());
      active.decrementAndGet();
    }
  }

  private static final byte[] LAST_CHUNK = {'0', '\r', '\n', '\r', '\n'};

  private static void writePrefix(OutputStream out, Fixture f, int prefix) throws IOException {
    for (int i = 0; i < Math.min(prefix, f.framedSegments.length); i++) {
      out.write(f.framedSegments[i]);
    }
  }

  private static void paced(OutputStream out, Plan p) throws IOException {
    Fixture f = p.fixture;
    long[] times = p.writeTimes;
    int ordinal = 0;
    long next = System.nanoTime();
    for (int i = 0; i < f.framedSegments.length; i++) {
      long now;
      while ((now = System.nanoTime()) < next) {
        LockSupport.parkNanos(next - now);
      }
      next += p.paceNanos;
      long t = System.nanoTime();
      for (int k = 0; k < f.contentEndingIn[i]; k++) {
        if (ordinal < times.length) {
          times[ordinal] = t;
        }
        ordinal++;
      }
      out.write(f.framedSegments[i]);
      out.flush();
    }
    out.write(LAST_CHUNK);
  }

  private static void awaitClose(InputStream in, Plan p) {
    try {
      while (in.read() >= 0) {
        // discard
      }
    } catch (IOException e) {
      // reset by the client: closed as well
    }
    p.closeSeen.add(System.nanoTime());
  }

  private static void drain(InputStream in) {
    try {
      byte[] b = new byte[512];
      while (in.read(b) >= 0) {
        // discard until the client closes
      }
    } catch (IOException e) {
      // closed
    }
  }

  /** Reads the request head and its Content-Length body. */
  private static void readRequest(InputStream in) throws IOException {
    byte[] buf = new byte[8192];
    int len = 0;
    int headEnd = -1;
    while (headEnd < 0) {
      int n = in.read(buf, len, buf.length - len);
      if (n < 0) {
        throw new IOException("request ended early");
      }
      len += n;
      for (int i = Math.max(0, len - n - 3); i + 3 < len; i++) {
        if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
          headEnd = i + 4;
          break;
        }
      }
      if (headEnd < 0 && len == buf.length) {
        buf = java.util.Arrays.copyOf(buf, buf.length * 2);
      }
    }
    String head = new String(buf, 0, headEnd, java.nio.charset.StandardCharsets.ISO_8859_1).toLowerCase(java.util.Locale.ROOT);
    int cl = head.indexOf("content-length:");
    long bodyLen = 0;
    if (cl >= 0) {
      int eol = head.indexOf('\r', cl);
      bodyLen = Long.parseLong(head.substring(cl + 15, eol).trim());
    }
    long remaining = bodyLen - (len - headEnd);
    while (remaining > 0) {
      long skipped = in.read(buf, 0, (int) Math.min(buf.length, remaining));
      if (skipped < 0) {
        throw new IOException("request body ended early");
      }
      remaining -= skipped;
    }
  }

  /**
   * The server alone, in its own JVM, for runs with more connections than one process may hold
   * open ({@link Scale}: ten thousand streams are twenty thousand sockets in one process). Prints
   * {@code port N}, then reads commands, one per line: {@code burst} (every new connection gets
   * the whole reply), {@code hold} (new connections get {@code PREFIX} chunks, then wait), {@code
   * release} (the waiting ones get the rest), {@code quit}; answers each with {@code ok}.
   *
   * @param args the fixture (a recording's name) and the prefix (chunks before a hold)
   * @throws Exception if the server cannot start
   */
  public static void main(String[] args) throws Exception {
    Fixture fixture = Fixture.load(args[0]);
    int prefix = Integer.parseInt(args[1]);
    Plan current = plan(fixture, Mode.BURST);
    try (ReplayServer server = new ReplayServer(current);
        java.io.BufferedReader in =
            new java.io.BufferedReader(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8))) {
      System.out.println("port " + server.socket.getLocalPort());
      System.out.flush();
      for (String line; (line = in.readLine()) != null && !line.equals("quit"); ) {
        switch (line) {
          case "burst":
            server.plan(plan(fixture, Mode.BURST));
            break;
          case "hold":
            Plan p = plan(fixture, Mode.HOLD);
            p.prefix = prefix;
            p.release = new CountDownLatch(1);
            current = p;
            server.plan(p);
            break;
          case "release":
            current.release.countDown();
            server.plan(plan(fixture, Mode.BURST));
            break;
          default:
            System.out.println("unknown command " + line);
            continue;
        }
        System.out.println("ok");
        System.out.flush();
      }
    }
    System.exit(0);
  }

  @Override
  public void close() throws IOException {
    closed = true;
    socket.close();
    try {
      acceptor.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
