package io.github.llamaclient.internal.http1;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.internal.exchange.Clock;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The read buffer of a connection starts small, grows to 16 KB when a read fills it (a burst), and shrinks
 * back once reads stay small (tokens one by one), so a stream that waits holds 2 KB, not 16. The
 * server writes each piece only after the client took the last one, so every read brings exactly
 * what was written.
 */
@Timeout(30)
class ReadBufferTest {
  private static final int BURST = 64 * 1024;
  private static final int SMALL = 100;
  private static final int SMALL_PIECES = 25;

  @Test
  void growsForABurstAndShrinksBackWhenReadsStaySmall() throws Exception {
    BlockingQueue<Integer> consumed = new LinkedBlockingQueue<>();
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread writer =
          new Thread(
              () -> {
                try (Socket s = server.accept()) {
                  InputStream in = s.getInputStream();
                  byte[] request = new byte[4096];
                  int n = 0;
                  while (!new String(request, 0, n, StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                    n += in.read(request, n, request.length - n);
                  }
                  OutputStream out = s.getOutputStream();
                  out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + (BURST + SMALL_PIECES * SMALL) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                  out.flush();
                  out.write(new byte[BURST]); // all at once: reads fill the buffer
                  out.flush();
                  for (int i = 0; i < SMALL_PIECES; i++) {
                    consumed.poll(10, TimeUnit.SECONDS); // the client took the last piece
                    out.write(new byte[SMALL]);
                    out.flush();
                  }
                  in.read(); // until the client closes
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      writer.start();
      URI uri = URI.create("http://127.0.0.1:" + server.getLocalPort() + "/");
      Http1Socket socket = Http1Socket.open(uri, Clock.SYSTEM);
      try {
        socket.connect(uri, Duration.ofSeconds(5));
        socket.send(HttpRequest.newBuilder(uri).GET().build(), new byte[0]);
        socket.readHead();
        assertThat(socket.bufferSize()).as("to begin with").isEqualTo(Http1Socket.SMALL_BUFFER);

        long[] got = {0};
        while (got[0] < BURST) {
          socket.readBody((b, off, len) -> got[0] += len);
        }
        assertThat(socket.bufferSize()).as("after a burst").isEqualTo(Http1Socket.BUFFER);

        consumed.add(1);
        for (int i = 0; i < SMALL_PIECES; i++) {
          long before = got[0];
          socket.readBody((b, off, len) -> got[0] += len);
          assertThat(got[0] - before).as("one read, one piece").isEqualTo(SMALL);
          consumed.add(1);
        }
        // 8 small reads at 16 KB, 8 at 8 KB, 8 at 4 KB, then 2 KB for the 25th
        assertThat(socket.bufferSize()).as("after %d small reads", SMALL_PIECES).isEqualTo(Http1Socket.SMALL_BUFFER);
        assertThat(got[0]).isEqualTo(BURST + SMALL_PIECES * SMALL);
      } finally {
        socket.close();
      }
      writer.join(10_000);
    }
  }
}
