package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamaclient.testing.KeepAliveServer;
import io.github.llamaclient.testing.RawServer;
import io.github.llamaclient.testing.Transcript;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The HTTP/1.1 transport (pulled streams read on the consuming thread) against servers that break
 * RFC 9112: each response here was accepted before the codec became strict, and the connection
 * some of them came on was reused. The codec's own conformance tests are in {@code
 * internal.http1}; these check what a user of {@code generateStream} sees, and what becomes of the
 * connection.
 */
@Timeout(30) // a hang is a failure, not a stuck build
class Http1StrictnessTest {
  private static final Transcript BASIC = Transcript.load("chat-stream-basic");
  private static final String BODY = BASIC.bodyText();
  private static final ChatRequest REQUEST = ChatRequest.builder().user("hi").build();
  private static final String SSE = "Content-Type: text/event-stream\r\n";

  private static String text(LlamaClient client) {
    try (Stream<String> s = client.generateStream(REQUEST)) {
      return s.collect(Collectors.joining());
    }
  }

  private static LlamaClient client(java.net.URI url) {
    return LlamaClient.builder().baseUrl(url).idleTimeout(Duration.ofSeconds(10)).build();
  }

  private static int utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  @ParameterizedTest
  @ValueSource(strings = {"HTTP/1.1 -12 OK", "HTTP/1.1 099 Odd", "HTTP/1.1 2000 OK", "HTTP/1.1 +200 OK", "HTTP/1.1 600 Nope"})
  void aStatusLineWithoutThreeDigitsFrom100To599IsAProtocolError(String statusLine) {
    try (RawServer server = RawServer.start(c -> {
          c.write(statusLine + "\r\n" + SSE + "Transfer-Encoding: chunked\r\n\r\n");
          c.chunk(BODY);
          c.endChunks();
        });
        LlamaClient client = client(server.url())) {
      assertThatThrownBy(() -> text(client))
          .isInstanceOfSatisfying(LlamaProtocolException.class, e -> assertThat(e.offendingLine()).isEqualTo(statusLine))
          .hasMessageContaining("not an HTTP/1.x status line");
    }
  }

  @Test
  void aSwitchOfProtocolsThatWasNotAskedForIsAProtocolError() {
    try (RawServer server = RawServer.start(c -> {
          c.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n");
          c.sseHeaders();
          c.chunk(BODY);
          c.endChunks();
        });
        LlamaClient client = client(server.url())) {
      assertThatThrownBy(() -> text(client)).isInstanceOf(LlamaProtocolException.class).hasMessageContaining("switched protocols");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"Bad Name: v", "X-A : 1", "X-A: 1\r\n continued: yes", "X-A: 1\r\n\tcontinued: yes"})
  void aHeaderNameWithSpacesOrAFoldedLineIsAProtocolError(String fields) {
    try (RawServer server = RawServer.start(c -> {
          c.write("HTTP/1.1 200 OK\r\n" + SSE + fields + "\r\nTransfer-Encoding: chunked\r\n\r\n");
          c.chunk(BODY);
          c.endChunks();
        });
        LlamaClient client = client(server.url())) {
      assertThatThrownBy(() -> text(client))
          .isInstanceOf(LlamaProtocolException.class)
          .hasMessageMatching("(?s).*(malformed response header|obs-fold).*");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"%d\r\nContent-Length: %d", "%d, %d", "%d,%d"})
  void conflictingContentLengthsAreAProtocolError(String format) {
    int n = utf8(BODY);
    String value = String.format(java.util.Locale.ROOT, format, n, n + 1);
    try (RawServer server = RawServer.start(c -> c.write("HTTP/1.1 200 OK\r\n" + SSE + "Content-Length: " + value + "\r\n\r\n" + BODY));
        LlamaClient client = client(server.url())) {
      assertThatThrownBy(() -> text(client))
          .isInstanceOf(LlamaProtocolException.class)
          .hasMessageContaining("conflicting Content-Length values");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"+%d", "-0"})
  void aContentLengthThatIsNotDigitsIsAProtocolError(String format) {
    int n = utf8(BODY);
    String value = String.format(java.util.Locale.ROOT, format, n);
    try (RawServer server = RawServer.start(c -> c.write("HTTP/1.1 200 OK\r\n" + SSE + "Content-Length: " + value + "\r\n\r\n" + BODY));
        LlamaClient client = client(server.url())) {
      assertThatThrownBy(() -> text(client))
          .isInstanceOfSatisfying(LlamaProtocolException.class, e -> assertThat(e.offendingLine()).isEqualTo(value))
          .hasMessageContaining("invalid Content-Length");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"gzip, chunked", "chunked, chunked", "gzip", "identity"})
  void aTransferCodingOtherThanChunkedIsAProtocolError(String codings) {
    try (RawServer server = RawServer.start(c -> {
          c.write("HTTP/1.1 200 OK\r\n" + SSE + "Transfer-Encoding: " + codings + "\r\n\r\n");
          c.chunk(BODY);
          c.endChunks();
          c.close();
        });
        LlamaClient client = client(server.url())) {
      assertThatThrownBy(() -> text(client))
          .isInstanceOf(LlamaProtocolException.class)
          .hasMessageContaining("unsupported Transfer-Encoding")
          .hasMessageContaining(codings);
    }
  }

  /** The first response frames its body both ways; the second request must not reuse that connection. */
  @Test
  void transferEncodingWithContentLengthIsAProtocolErrorAndTheConnectionIsNotReused() throws Exception {
    byte[] body = BASIC.body();
    try (KeepAliveServer server = KeepAliveServer.start((request, out) -> {
          String framing = request == 1 ? "Content-Length: " + body.length + "\r\n" : "";
          KeepAliveServer.chunkedEventStream(out, "Keep-Alive: timeout=5, max=100\r\n" + framing, body);
          KeepAliveServer.lastChunk(out);
          return true;
        });
        LlamaClient client = client(server.url())) {
      assertThatThrownBy(() -> text(client))
          .isInstanceOf(LlamaProtocolException.class)
          .hasMessageContaining("both Transfer-Encoding and Content-Length");
      assertThat(server.ended().poll(10, TimeUnit.SECONDS)).as("the client closed that connection").isNotNull();
      assertThat(text(client)).isEqualTo(BASIC.expectedContent());
      assertThat(server.connections()).as("the second request went on a new connection").isEqualTo(2);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"+%x", " %x ", "%x ", "\t%x", "%x\t"})
  void aChunkSizeWithASignOrSpacesBreaksTheStream(String format) {
    String first = RawServer.contentEvent("Hello");
    String rest = RawServer.finishEvent() + "data: [DONE]\n\n";
    try (RawServer server = RawServer.start(c -> {
          c.sseHeaders();
          c.chunk(first);
          c.write(String.format(java.util.Locale.ROOT, format, utf8(rest)) + "\r\n" + rest + "\r\n");
          c.endChunks();
        });
        LlamaClient client = client(server.url())) {
      assertThatThrownBy(() -> text(client))
          .isInstanceOfSatisfying(StreamInterruptedException.class, e -> {
            assertThat(e.partialText()).isEqualTo("Hello");
            assertThat(e).hasMessageContaining("invalid chunk size");
            assertThat(e).hasRootCauseInstanceOf(LlamaProtocolException.class);
          });
    }
  }

  @Test
  void trailersOverTheirBudgetBreakTheStream() {
    try (RawServer server = RawServer.start(c -> {
          c.sseHeaders();
          c.chunk(RawServer.contentEvent("Hello"));
          c.chunk(RawServer.finishEvent()); // no [DONE]: the stream ends with the body, after the trailers
          c.write("0\r\n" + "X-Trailer: more\r\n".repeat(10_000) + "\r\n");
        });
        LlamaClient client = client(server.url())) {
      assertThatThrownBy(() -> text(client))
          .isInstanceOfSatisfying(StreamInterruptedException.class, e -> {
            assertThat(e.partialText()).isEqualTo("Hello");
            assertThat(e).hasMessageContaining("trailers");
          });
    }
  }

  /**
   * Pool poisoning: after [DONE] (and, in one case, the last chunk) the server keeps sending on a
   * kept-alive connection. The next stream must not drain it: it gets a new connection and
   * completes (the JUnit timeout guards against the drain that never ends).
   */
  @ParameterizedTest
  @ValueSource(strings = {"one-byte chunks", "endless trailer lines"})
  void aConnectionWhoseServerKeepsSendingAfterTheEndIsNotReused(String dribble) throws Exception {
    byte[] body = BASIC.body();
    CountDownLatch dribbling = new CountDownLatch(1);
    byte[] more = (dribble.equals("one-byte chunks") ? "1\r\nx\r\n".repeat(1000) : "X-Trailer: more\r\n".repeat(1000))
        .getBytes(StandardCharsets.US_ASCII);
    try (KeepAliveServer server = KeepAliveServer.start((request, out) -> {
          KeepAliveServer.chunkedEventStream(out, "Keep-Alive: timeout=5, max=100\r\n", body);
          if (request > 1) {
            KeepAliveServer.lastChunk(out);
            return true;
          }
          out.flush();
          if (dribble.equals("endless trailer lines")) {
            out.write("0\r\n".getBytes(StandardCharsets.US_ASCII)); // the last chunk, its trailers never end
          }
          keepSending(out, more, dribbling);
          return false;
        });
        LlamaClient client = client(server.url())) {
      assertThat(text(client)).isEqualTo(BASIC.expectedContent());
      assertThat(text(client)).isEqualTo(BASIC.expectedContent());
      assertThat(server.connections()).as("the second stream went on a new connection").isEqualTo(2);
      assertThat(server.ended().poll(10, TimeUnit.SECONDS)).as("the client closed the first connection").isNotNull();
      assertThat(((io.github.llamaclient.internal.http1.Http1Transport) client.engine().pulled()).pool().idle()).as("a streamed connection is never kept").isZero();
    }
  }

  /**
   * The bound itself: after the end of the stream the server sends a backlog (64 KiB of one-byte
   * chunks, or of trailer lines) and then waits. Taking the connection from the pool reads at most
   * one buffer of it (16 KiB) and gives the connection up, so the client closes it with bytes still
   * unread, which TCP reports to the server as a reset; a client that drained the backlog first
   * would close it cleanly (the server would read the end of the stream).
   */
  @ParameterizedTest
  @ValueSource(strings = {"one-byte chunks", "trailer lines"})
  void takingAPooledConnectionDoesNotDrainWhatCameAfterTheEnd(String backlog) throws Exception {
    byte[] more = (backlog.equals("one-byte chunks") ? "1\r\nx\r\n".repeat(11_000) : "0\r\n" + "X-Trailer: more\r\n".repeat(3_900))
        .getBytes(StandardCharsets.US_ASCII);
    CompletableFuture<String> firstConnection = new CompletableFuture<>();
    CountDownLatch backlogSent = new CountDownLatch(1);
    try (ServerSocket listener = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      Thread server = new Thread(() -> {
        try (Socket first = listener.accept()) {
          readRequest(first.getInputStream());
          OutputStream out = first.getOutputStream();
          out.write(TOKENS_REPLY); // a kept-alive reply to a small call, then the backlog
          out.write(more);
          out.flush();
          backlogSent.countDown();
          try {
            firstConnection.complete(first.getInputStream().read() < 0 ? "closed after reading everything" : "sent bytes");
          } catch (SocketException e) {
            firstConnection.complete("reset: closed with bytes unread");
          }
          try (Socket second = listener.accept()) {
            readRequest(second.getInputStream());
            second.getOutputStream().write(TOKENS_REPLY);
          }
        } catch (IOException e) {
          firstConnection.completeExceptionally(e);
        }
      }, "backlog-server");
      server.setDaemon(true);
      server.start();
      try (LlamaClient client = client(URI.create("http://127.0.0.1:" + listener.getLocalPort()))) {
        assertThat(client.tokenizer().count("abc")).isEqualTo(3);
        assertThat(backlogSent.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(client.tokenizer().count("abc")).as("the second call, on a new connection").isEqualTo(3);
        assertThat(firstConnection.get(10, TimeUnit.SECONDS)).isEqualTo("reset: closed with bytes unread");
      }
      server.join(10_000);
    }
  }

  private static final byte[] TOKENS_REPLY =
      ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 18\r\n\r\n"
              + "{\"tokens\":[1,2,3]}")
          .getBytes(StandardCharsets.US_ASCII);

  /** Reads a request head and its Content-Length body. */
  private static void readRequest(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the request ended early");
      }
      head.append((char) b);
    }
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(?im)^content-length: *(\\d+)").matcher(head);
    in.readNBytes(m.find() ? Integer.parseInt(m.group(1)) : 0);
  }

  /** Writes {@code more} until the client closes the connection (or a minute passed). */
  private static void keepSending(OutputStream out, byte[] more, CountDownLatch started) {
    long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    try {
      while (System.nanoTime() < end && !Thread.currentThread().isInterrupted()) {
        out.write(more);
        out.flush();
        started.countDown();
      }
    } catch (IOException e) {
      // the client closed the connection: what the test waits for
    }
  }
}
