package io.github.llamaclient.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A raw loopback HTTP/1.1 server for the tests MockWebServer cannot express: it sees the client's
 * disconnect at once (a reader per connection blocks in {@code read()} until it returns -1 or
 * fails), counts open connections, and lets a handler write (or withhold) bytes at will.
 *
 * <p>One request per connection; the handler writes the whole response (or never does). Every
 * thread it starts is a daemon and ends when {@link #close()} closes the sockets.
 */
public final class RawServer implements AutoCloseable {

  /** Writes the response for one request. Runs on a thread of its own. */
  @FunctionalInterface
  public interface Handler {
    void handle(Connection c) throws Exception;
  }

  private final ServerSocket socket;
  private final Handler handler;
  private final ExecutorService threads =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "raw-server");
            t.setDaemon(true);
            return t;
          });
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicInteger open = new AtomicInteger();
  private final LinkedBlockingQueue<Connection> connections = new LinkedBlockingQueue<>();
  private final LinkedBlockingQueue<Connection> disconnects = new LinkedBlockingQueue<>();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private RawServer(Handler handler) throws IOException {
    this.handler = handler;
    this.socket = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    threads.execute(this::acceptLoop);
  }

  /** Starts a server on a free loopback port. */
  public static RawServer start(Handler handler) {
    try {
      return new RawServer(handler);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + socket.getLocalPort());
  }

  /** Connections accepted so far. */
  public int accepted() {
    return accepted.get();
  }

  /** Connections accepted and not yet closed by either side. */
  public int openConnections() {
    return open.get();
  }

  /** Forgets the connections not yet taken by {@link #awaitRequest} and {@link #awaitDisconnect}. */
  public void clearQueues() {
    connections.clear();
    disconnects.clear();
  }

  /** The next connection whose request was read, or null after the wait. */
  public Connection awaitRequest(Duration wait) throws InterruptedException {
    return connections.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The next connection the client closed, or null after the wait. */
  public Connection awaitDisconnect(Duration wait) throws InterruptedException {
    return disconnects.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void acceptLoop() {
    while (!closed) {
      Socket s;
      try {
        s = socket.accept();
      } catch (IOException e) {
        return;
      }
      accepted.incrementAndGet();
      open.incrementAndGet();
      sockets.add(s);
      Connection c = new Connection(s);
      threads.execute(c::serve);
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      socket.close();
    } catch (IOException e) {
      // ignore
    }
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException e) {
        // ignore
      }
    }
    threads.shutdownNow();
  }

  /** One accepted connection and its request. */
  public final class Connection {
    private final Socket s;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final java.util.concurrent.CountDownLatch clientClosed = new java.util.concurrent.CountDownLatch(1);
    private volatile long clientClosedNanos;
    private volatile boolean serverClosed;
    private String requestLine = "";
    private final Map<String, String> headers = new LinkedHashMap<>();
    private byte[] body = new byte[0];
    private OutputStream out;

    Connection(Socket s) {
      this.s = s;
    }

    void serve() {
      try {
        InputStream in = s.getInputStream();
        out = s.getOutputStream();
        readRequest(in);
        threads.execute(() -> watch(in));
        connections.add(this);
        handler.handle(this);
      } catch (Exception e) {
        // the client went away, or the server closed
      }
    }

    private void readRequest(InputStream in) throws IOException {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      int state = 0;
      while (state < 4) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("request ended early");
        }
        head.write(b);
        state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
      }
      String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
      requestLine = lines[0];
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
      }
      int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
      body = in.readNBytes(length);
    }

    /** Blocks in read() until the client closes: that is the disconnect the tests look for. */
    private void watch(InputStream in) {
      try {
        while (in.read() >= 0) {
          // a client sends nothing more on this connection; ignore whatever comes
        }
      } catch (IOException e) {
        // reset by the client, or closed by the server
      }
      if (serverClosed) {
        return;
      }
      clientClosedNanos = System.nanoTime();
      clientClosed.countDown();
      end();
      disconnects.add(this);
    }

    private void end() {
      if (ended.compareAndSet(false, true)) {
        open.decrementAndGet();
      }
      try {
        s.close();
      } catch (IOException e) {
        // ignore
      }
    }

    public String requestLine() {
      return requestLine;
    }

    /** Request headers, names in lower case. */
    public Map<String, String> headers() {
      return headers;
    }

    public String body() {
      return new String(body, StandardCharsets.UTF_8);
    }

    /** Whether the client closed the connection. */
    public boolean clientClosed() {
      return clientClosed.getCount() == 0;
    }

    /** Waits for the client to close the connection. */
    public boolean awaitClientClose(Duration wait) throws InterruptedException {
      return clientClosed.await(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** {@link System#nanoTime()} when the client closed, or 0. */
    public long clientClosedNanos() {
      return clientClosedNanos;
    }

    /** Writes raw bytes and flushes. */
    public void write(String s) throws IOException {
      out.write(s.getBytes(StandardCharsets.UTF_8));
      out.flush();
    }

    /** The status line and headers of a chunked event stream. */
    public void sseHeaders() throws IOException {
      write(
          "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nServer: llama.cpp\r\n"
              + "Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n");
    }

    /** One HTTP chunk holding {@code data}. */
    public void chunk(String data) throws IOException {
      byte[] b = data.getBytes(StandardCharsets.UTF_8);
      out.write((Integer.toHexString(b.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(b);
      out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
    }

    /** The last chunk. */
    public void endChunks() throws IOException {
      write("0\r\n\r\n");
    }

    /**
     * Writes {@code content} events (the shape of chat-stream-basic's chunks) every {@code
     * interval} until the client closes or {@code max} events were written; then ends the stream
     * properly if the client is still there.
     */
    public void slowEvents(Duration interval, int max) throws IOException, InterruptedException {
      sseHeaders();
      for (int i = 0; i < max && !clientClosed(); i++) {
        try {
          chunk(contentEvent("t" + i + " "));
        } catch (SocketException e) {
          return;
        }
        if (clientClosed.await(interval.toMillis(), TimeUnit.MILLISECONDS)) {
          return;
        }
      }
      chunk(finishEvent());
      chunk("data: [DONE]\n\n");
      endChunks();
      close();
    }

    /** Closes the server's side. */
    public void close() {
      serverClosed = true;
      end();
    }
  }

  /**
   * A content chunk in the shape of the recordings (chat-stream-basic); the tests that need a
   * server that misbehaves in time cannot replay a recording, so they write this.
   */
  public static String contentEvent(String text) {
    return "data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\""
        + text
        + "\"}}],\"created\":1795639243,\"id\":\"chatcmpl-raw\",\"model\":\"tiny.gguf\","
        + "\"system_fingerprint\":\"b0-unknown\",\"object\":\"chat.completion.chunk\"}\n\n";
  }

  /** The final chunk, with finish_reason "stop" (shape of chat-stream-basic). */
  public static String finishEvent() {
    return "data: {\"choices\":[{\"finish_reason\":\"stop\",\"index\":0,\"delta\":{}}],"
        + "\"created\":1795639243,\"id\":\"chatcmpl-raw\",\"model\":\"tiny.gguf\","
        + "\"system_fingerprint\":\"b0-unknown\",\"object\":\"chat.completion.chunk\"}\n\n";
  }
}
