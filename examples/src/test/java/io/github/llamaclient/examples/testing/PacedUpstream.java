package io.github.llamaclient.examples.testing;

import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.Recording;
import io.github.llamaclient.testing.StubReply;
import io.github.llamaclient.testing.StubRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A raw loopback HTTP/1.1 server that replays a recorded streamed reply slowly: the recorded
 * status, headers and body, cut at the recorded segments, with a fixed pause before each segment.
 * {@code GET /health} is answered with the {@code health} recording, any other request than {@code
 * POST /v1/chat/completions} with the {@code not-found} one. Unlike LlamaServerStub it tells
 * exactly when the client closed the connection of a streamed reply ({@link #awaitClientClose}),
 * which is what makes llama-server stop generating.
 */
public final class PacedUpstream implements AutoCloseable {
  private final Recording reply;
  private final Recording health = Recordings.load("health");
  private final Recording notFound = Recordings.load("not-found");
  private final Duration pause;
  private final ServerSocket server;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final List<String> requestBodies = new CopyOnWriteArrayList<>();
  private final AtomicInteger streamsStarted = new AtomicInteger();
  private final AtomicInteger segmentsWritten = new AtomicInteger();
  private final AtomicInteger openStreams = new AtomicInteger();
  private final AtomicInteger peakStreams = new AtomicInteger();
  private final CountDownLatch clientClosed = new CountDownLatch(1);
  private final CountDownLatch streamFinished = new CountDownLatch(1);

  public PacedUpstream(Recording reply, Duration pause) throws IOException {
    this.reply = reply;
    this.pause = pause;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::acceptLoop, "paced-upstream-accept");
    t.setDaemon(true);
    t.start();
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort());
  }

  public List<String> requestBodies() {
    return List.copyOf(requestBodies);
  }

  public int streamsStarted() {
    return streamsStarted.get();
  }

  /** The most streamed replies that were being written at the same time. */
  public int peakConcurrentStreams() {
    return peakStreams.get();
  }

  public int segmentsWritten() {
    return segmentsWritten.get();
  }

  public int totalSegments() {
    return reply.segments().size();
  }

  /** Waits until a client closes the connection of a streamed reply before its end. */
  public boolean awaitClientClose(Duration timeout) throws InterruptedException {
    return clientClosed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Whether a streamed reply was written to its end. */
  public boolean finishedAStream() {
    return streamFinished.getCount() == 0;
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        sockets.add(s);
        Thread t = new Thread(() -> serve(s), "paced-upstream-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      while (true) {
        String head = readHead(in);
        if (head == null) {
          return;
        }
        int length = 0;
        for (String line : head.split("\r\n")) {
          if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
            length = Integer.parseInt(line.substring(15).strip());
          }
        }
        byte[] body = in.readNBytes(length);
        if (head.startsWith("GET /health")) {
          writeWhole(out, health);
          continue;
        }
        if (!head.startsWith("POST /v1/chat/completions ")) {
          writeWhole(out, notFound); // /props, /tokenize...: as a server without them
          continue;
        }
        requestBodies.add(new String(body, StandardCharsets.UTF_8));
        peakStreams.accumulateAndGet(openStreams.incrementAndGet(), Math::max);
        AtomicBoolean open = new AtomicBoolean(true);
        try {
          streamReply(s, in, out, open);
        } finally {
          if (open.getAndSet(false)) {
            openStreams.decrementAndGet();
          }
        }
        return;
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  /**
   * Writes the reply. The stream stops counting as open just before its last segment is written:
   * from then on the client may see the end, release its permit and start the next stream before
   * this thread runs again, so counting it until the write returns would report two streams at
   * once where the client never had them.
   */
  private void streamReply(Socket s, InputStream in, OutputStream out, AtomicBoolean open) throws IOException {
    streamsStarted.incrementAndGet();
    CountDownLatch done = new CountDownLatch(1);
    Thread watcher =
        new Thread(
            () -> {
              try {
                if (in.read() < 0 && done.getCount() > 0) {
                  clientClosed.countDown();
                }
              } catch (IOException e) {
                if (done.getCount() > 0) {
                  clientClosed.countDown();
                }
              }
            },
            "paced-upstream-watch");
    watcher.setDaemon(true);
    watcher.start();
    StringBuilder h = new StringBuilder("HTTP/1.1 " + reply.status() + " OK\r\n");
    for (Map.Entry<String, String> e : reply.headers().entrySet()) {
      if (!e.getKey().equalsIgnoreCase("Transfer-Encoding") && !e.getKey().equalsIgnoreCase("Content-Length")) {
        h.append(e.getKey()).append(": ").append(e.getValue()).append("\r\n");
      }
    }
    h.append("Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    byte[] body = reply.body();
    int off = 0;
    int last = -1;
    List<Recording.Segment> segments = reply.segments();
    for (int i = 0; i < segments.size(); i++) {
      if (segments.get(i).bytes() > 0) {
        last = i;
      }
    }
    try {
      boolean headSent = false;
      for (int i = 0; i < segments.size(); i++) {
        Recording.Segment seg = segments.get(i);
        if (seg.bytes() <= 0) {
          continue;
        }
        sleep(pause);
        if (clientClosed.getCount() == 0 && s.isInputShutdown()) {
          return;
        }
        ByteArrayOutputStream chunk = new ByteArrayOutputStream();
        if (!headSent) {
          chunk.writeBytes(h.toString().getBytes(StandardCharsets.ISO_8859_1));
          headSent = true;
        }
        chunk.writeBytes((Integer.toHexString(seg.bytes()) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        chunk.write(body, off, seg.bytes());
        chunk.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        if (i == last && open.getAndSet(false)) {
          openStreams.decrementAndGet();
        }
        out.write(chunk.toByteArray());
        out.flush();
        off += seg.bytes();
        segmentsWritten.incrementAndGet();
      }
      out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      done.countDown();
      streamFinished.countDown();
    } catch (IOException e) {
      clientClosed.countDown();
      throw e;
    } finally {
      done.countDown();
    }
  }

  private static void writeWhole(OutputStream out, Recording t) throws IOException {
    byte[] body = t.body();
    StringBuilder h = new StringBuilder("HTTP/1.1 " + t.status() + " OK\r\n");
    for (Map.Entry<String, String> e : t.headers().entrySet()) {
      if (!e.getKey().equalsIgnoreCase("Content-Length") && !e.getKey().equalsIgnoreCase("Transfer-Encoding")) {
        h.append(e.getKey()).append(": ").append(e.getValue()).append("\r\n");
      }
    }
    h.append("Content-Length: ").append(body.length).append("\r\n\r\n");
    out.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.write(body);
    out.flush();
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int state = 0;
    while (state < 4) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      buf.write(b);
      state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
    }
    return buf.toString(StandardCharsets.ISO_8859_1);
  }

  private static void sleep(Duration d) throws IOException {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
