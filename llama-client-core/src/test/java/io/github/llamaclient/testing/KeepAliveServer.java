package io.github.llamaclient.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP/1.1 server that serves many requests per connection (unlike {@link RawServer},
 * one request per connection), for keep-alive and connection-reuse tests. It counts connections and
 * requests over all connections, and notes when each connection ended.
 */
public final class KeepAliveServer implements AutoCloseable {

  /** Answers the n-th request (counted from 1 over all connections); false closes the connection without an answer. */
  @FunctionalInterface
  public interface Responder {
    boolean respond(int request, OutputStream out) throws IOException, InterruptedException;
  }

  private final ServerSocket socket;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "keep-alive-server");
    t.setDaemon(true);
    return t;
  });
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger requests = new AtomicInteger();
  private final BlockingQueue<Long> ended = new LinkedBlockingQueue<>();
  private final java.util.List<Socket> open = new java.util.concurrent.CopyOnWriteArrayList<>();

  private KeepAliveServer(Responder responder) throws IOException {
    socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.execute(() -> {
      while (!socket.isClosed()) {
        Socket s;
        try {
          s = socket.accept();
        } catch (IOException e) {
          return;
        }
        connections.incrementAndGet();
        open.add(s);
        threads.execute(() -> serve(s, responder));
      }
    });
  }

  /** Starts a server on a free loopback port. */
  public static KeepAliveServer start(Responder responder) throws IOException {
    return new KeepAliveServer(responder);
  }

  private void serve(Socket s, Responder responder) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      while (readRequest(in)) {
        if (!responder.respond(requests.incrementAndGet(), out)) {
          return;
        }
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      // the client went away, or the server is closing
    } finally {
      ended.add(System.nanoTime());
      open.remove(s);
    }
  }

  /** Reads one request (head and Content-Length body); false at the end of the connection. */
  private static boolean readRequest(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int state = 0;
    while (state < 4) {
      int b = in.read();
      if (b < 0) {
        return false;
      }
      head.write(b);
      state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
    }
    int length = 0;
    for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    in.readNBytes(length);
    return true;
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + socket.getLocalPort());
  }

  /** Connections accepted so far. */
  public int connections() {
    return connections.get();
  }

  /** Requests read so far, over all connections. */
  public int requests() {
    return requests.get();
  }

  /** {@link System#nanoTime()} when each connection ended (the client or the server closed it), in order. */
  public BlockingQueue<Long> ended() {
    return ended;
  }

  /** Writes a chunked event-stream response head plus {@code body} as one chunk, without the last chunk. */
  public static void chunkedEventStream(OutputStream out, String extraHeaders, byte[] body) throws IOException {
    out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n" + extraHeaders
            + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(body.length) + "\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
  }

  /** Writes the last chunk. */
  public static void lastChunk(OutputStream out) throws IOException {
    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
    for (Socket s : open) {
      try {
        s.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    threads.shutdownNow();
  }
}
