package io.github.llamaclient;

import io.github.llamaclient.internal.http1.Http1Socket;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamaclient.testing.FakeClock;
import io.github.llamaclient.testing.KeepAliveServer;
import io.github.llamaclient.testing.RawServer;
import io.github.llamaclient.testing.Transcript;
import java.io.IOException;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Pulled streams read their connection on the consuming thread ({@link
 * LlamaClientBuilder#readOnConsumingThread(boolean)}): the HTTP/1.1 framings a server may use, the
 * request as it goes out, malformed responses, and when the HttpClient is used instead.
 *
 * <p>The bodies are chat-stream-basic's recorded bytes; only the HTTP framing around them is
 * written here (no recording shows a Content-Length, close-delimited or interim-response stream).
 */
@Isolated // one test sets the JVM-wide default ProxySelector
@Timeout(60) // a hang is a failure, not a stuck build
class ConsumingThreadReadTest {
  private static final Transcript BASIC = Transcript.load("chat-stream-basic");
  private static final String BODY = BASIC.bodyText();
  private static final ChatRequest REQUEST = ChatRequest.builder().user("hi").build();

  private static String text(LlamaClient client) {
    try (Stream<String> s = client.generateStream(REQUEST)) {
      return s.collect(Collectors.joining());
    }
  }

  private static LlamaClient client(RawServer server) {
    return LlamaClient.builder().baseUrl(server.url()).idleTimeout(Duration.ofSeconds(10)).build();
  }

  @Test
  void theRequestGoesOutAsHttp11WithItsHeadersAndBody() throws Exception {
    try (RawServer server = RawServer.start(c -> {
          c.sseHeaders();
          c.chunk(BODY);
          c.endChunks();
        });
        LlamaClient client =
            LlamaClient.builder().baseUrl(server.url().resolve("/llama")).apiKey("sk-secret-1").build()) {
      assertThat(text(client)).isEqualTo(BASIC.expectedContent());
      RawServer.Connection c = server.awaitRequest(Duration.ofSeconds(5));
      assertThat(c.requestLine()).isEqualTo("POST /llama/v1/chat/completions HTTP/1.1");
      Map<String, String> h = c.headers();
      assertThat(h)
          .containsEntry("host", "127.0.0.1:" + server.url().getPort())
          .containsEntry("authorization", "Bearer sk-secret-1")
          .containsEntry("content-type", "application/json")
          .containsEntry("accept", "text/event-stream")
          .containsEntry("content-length", String.valueOf(c.body().getBytes(StandardCharsets.UTF_8).length));
      assertThat(h).as("HTTP/1.1 keeps the connection alive by default").doesNotContainKey("connection");
      assertThat(c.body()).startsWith("{").contains("\"stream\":true", "\"hi\"");
    }
  }

  @Test
  void theConsumingThreadReadsTheConnection() throws Exception {
    List<Thread> readers = new CopyOnWriteArrayList<>();
    WireListener wire = new WireListener() {
      @Override
      public void onLine(URI uri, String line, Duration sinceStart) {
        readers.add(Thread.currentThread());
      }
    };
    try (RawServer server = RawServer.start(c -> {
          c.sseHeaders();
          c.chunk(BODY);
          c.endChunks();
        });
        LlamaClient client = LlamaClient.builder().baseUrl(server.url()).wireListener(wire).build()) {
      assertThat(text(client)).isEqualTo(BASIC.expectedContent());
      assertThat(readers).isNotEmpty().allMatch(t -> t == Thread.currentThread());
    }
    readers.clear();
    try (RawServer server = RawServer.start(c -> {
          c.sseHeaders();
          c.chunk(BODY);
          c.endChunks();
        });
        LlamaClient client =
            LlamaClient.builder().baseUrl(server.url()).wireListener(wire).readOnConsumingThread(false).build()) {
      assertThat(text(client)).isEqualTo(BASIC.expectedContent());
      // switched off, the HttpClient's selector thread reads (a read it does on behalf of the
      // consumer's request(n) may run on the consumer, since the client's executor is direct)
      assertThat(readers).as("switched off: the HttpClient's thread reads").isNotEmpty()
          .anyMatch(t -> t != Thread.currentThread());
    }
  }

  @Test
  void aContentLengthBody() throws Exception {
    byte[] body = BASIC.body();
    try (RawServer server = RawServer.start(c -> c.write(
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: " + body.length + "\r\n\r\n" + BODY));
        LlamaClient client = client(server)) {
      assertThat(text(client)).isEqualTo(BASIC.expectedContent());
    }
  }

  @Test
  void aBodyThatEndsWithTheConnection() throws Exception {
    try (RawServer server = RawServer.start(c -> {
          c.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n" + BODY);
          c.close();
        });
        LlamaClient client = client(server)) {
      assertThat(text(client)).isEqualTo(BASIC.expectedContent());
    }
  }

  @Test
  void interimResponsesChunkExtensionsAndTrailersAreSkipped() throws Exception {
    String a = BODY.substring(0, BODY.length() / 2);
    String b = BODY.substring(BODY.length() / 2);
    try (RawServer server = RawServer.start(c -> {
          c.write("HTTP/1.1 100 Continue\r\n\r\n");
          c.write("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\ntransfer-encoding: chunked\r\n\r\n");
          c.write(Integer.toHexString(utf8(a)) + ";name=value\r\n" + a + "\r\n");
          c.write(Integer.toHexString(utf8(b)).toUpperCase(java.util.Locale.ROOT) + "\r\n" + b + "\r\n");
          c.write("0\r\nX-Trailer: yes\r\n\r\n");
        });
        LlamaClient client = client(server)) {
      assertThat(text(client)).isEqualTo(BASIC.expectedContent());
    }
  }

  private static int utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  @Test
  void aBodyCutInsideAChunkIsAnInterruptedStreamWithItsText() throws Exception {
    String first = RawServer.contentEvent("Hello");
    try (RawServer server = RawServer.start(c -> {
          c.sseHeaders();
          c.chunk(first);
          c.write("400\r\ndata: {\"choi");
          c.close();
        });
        LlamaClient client = client(server)) {
      assertThatThrownBy(() -> text(client))
          .isInstanceOfSatisfying(StreamInterruptedException.class, e -> assertThat(e.partialText()).isEqualTo("Hello"));
    }
  }

  @Test
  void brokenChunkFramingIsAnInterruptedStream() throws Exception {
    try (RawServer server = RawServer.start(c -> {
          c.sseHeaders();
          c.chunk(RawServer.contentEvent("Hello"));
          c.write("zz\r\n");
        });
        LlamaClient client = client(server)) {
      assertThatThrownBy(() -> text(client))
          .isInstanceOfSatisfying(StreamInterruptedException.class, e -> {
            assertThat(e.partialText()).isEqualTo("Hello");
            assertThat(e).hasMessageContaining("invalid chunk size").hasMessageContaining("zz");
          });
    }
  }

  @Test
  void aStatusLineThatIsNotHttpIsAProtocolError() throws Exception {
    try (RawServer server = RawServer.start(c -> c.write("SSH-2.0-OpenSSH_9.6\r\n\r\n"));
        LlamaClient client = client(server)) {
      assertThatThrownBy(() -> text(client))
          .isInstanceOf(LlamaProtocolException.class)
          .hasMessageContaining("not an HTTP/1.x status line")
          .hasMessageContaining("SSH-2.0");
    }
  }

  @Test
  void headersLargerThanTheBufferAreAProtocolError() throws Exception {
    try (RawServer server = RawServer.start(c -> {
          c.write("HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(Http1Socket.BUFFER) + "\r\n\r\n");
          c.awaitClientClose(Duration.ofSeconds(10));
        });
        LlamaClient client = client(server)) {
      assertThatThrownBy(() -> text(client))
          .isInstanceOf(LlamaProtocolException.class)
          .hasMessageContaining("response headers are larger than");
      assertThat(server.awaitDisconnect(Duration.ofSeconds(5))).as("the client closed the connection").isNotNull();
    }
  }

  @Test
  void anErrorStatusReadsTheContentLengthBody() throws Exception {
    Transcript t = Transcript.load("chat-error-context-exceeded");
    try (RawServer server = RawServer.start(c -> {
          c.write("HTTP/1.1 " + t.status() + " Bad Request\r\nContent-Type: application/json; charset=utf-8\r\n"
              + "Content-Length: " + t.body().length + "\r\n\r\n" + t.bodyText());
          c.awaitClientClose(Duration.ofSeconds(10));
        });
        LlamaClient client = client(server)) {
      assertThatThrownBy(() -> text(client)).isInstanceOf(ContextSizeExceededException.class);
    }
  }

  @Test
  void withAProxyTheHttpClientCarriesTheStream() throws Exception {
    try (RawServer proxy = RawServer.start(c -> {
          c.sseHeaders();
          c.chunk(BODY);
          c.endChunks();
        })) {
      ProxySelector before = ProxySelector.getDefault();
      ProxySelector.setDefault(new ProxySelector() {
        @Override
        public List<Proxy> select(URI uri) {
          return List.of(new Proxy(Proxy.Type.HTTP, new java.net.InetSocketAddress("127.0.0.1", proxy.url().getPort())));
        }

        @Override
        public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {}
      });
      try (LlamaClient client = LlamaClient.builder().baseUrl("http://llama.invalid:8080").build()) {
        assertThat(text(client)).isEqualTo(BASIC.expectedContent());
        RawServer.Connection c = proxy.awaitRequest(Duration.ofSeconds(5));
        assertThat(c.requestLine())
            .as("absolute-form request line: the proxy got it, through the HttpClient")
            .isEqualTo("POST http://llama.invalid:8080/v1/chat/completions HTTP/1.1");
      } finally {
        ProxySelector.setDefault(before);
      }
    }
  }

  @Test
  void aServerThatNeverReadsTheRequestHitsTheResponseTimeout() throws Exception {
    try (java.net.ServerSocket ss = new java.net.ServerSocket()) {
      ss.setReceiveBufferSize(4096);
      ss.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
      java.util.concurrent.CompletableFuture<java.net.Socket> accepted = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          return ss.accept(); // and never read
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      ChatRequest big = ChatRequest.builder().user("x".repeat(8 * 1024 * 1024)).build();
      FakeClock clock = new FakeClock(); // the response limit passes on it, not in real time
      java.util.concurrent.ExecutorService runner = java.util.concurrent.Executors.newSingleThreadExecutor();
      try (LlamaClient client =
          LlamaClient.builder()
              .baseUrl("http://127.0.0.1:" + ss.getLocalPort())
              .clock(clock)
              .responseTimeout(Duration.ofMillis(300))
              .build()) {
        // blocked writing until the limit closes the connection
        java.util.concurrent.Future<Stream<String>> sent = runner.submit(() -> client.generateStream(big));
        accepted.get(10, java.util.concurrent.TimeUnit.SECONDS); // connected: the request is being written
        Stream<String> s = clock.advanceUntilDone(sent, Duration.ofMillis(300));
        assertThatThrownBy(() -> s.forEach(x -> {}))
            .isInstanceOfSatisfying(
                LlamaTimeoutException.ResponseHeaders.class,
                e -> assertThat(e.limit()).isEqualTo(Duration.ofMillis(300)));
        s.close();
      } finally {
        runner.shutdownNow();
        accepted.get(5, java.util.concurrent.TimeUnit.SECONDS).close();
      }
    }
  }

  @Test
  void aStreamReadLaterThanTheResponseLimitIsNotTimedOut() throws Exception {
    FakeClock clock = new FakeClock();
    java.util.concurrent.CountDownLatch answered = new java.util.concurrent.CountDownLatch(2);
    try (RawServer server = RawServer.start(c -> {
          c.sseHeaders();
          c.chunk(BODY);
          answered.countDown(); // the reply is sent; the first stream may close its connection at [DONE],
          c.endChunks(); // before this last chunk is written, and the write then fails
        });
        LlamaClient client =
            LlamaClient.builder()
                .baseUrl(server.url())
                .clock(clock)
                .responseTimeout(Duration.ofMillis(200))
                .idleTimeout(Duration.ofMillis(200))
                .build();
        Stream<String> first = client.generateStream(REQUEST);
        Stream<String> second = client.generateStream(REQUEST)) {
      assertThat(first.collect(Collectors.joining())).isEqualTo(BASIC.expectedContent());
      assertThat(answered.await(10, java.util.concurrent.TimeUnit.SECONDS)).as("the server answered both").isTrue();
      clock.advance(Duration.ofMillis(700)); // the consumer is busy elsewhere, well past both limits
      assertThat(second.collect(Collectors.joining())).isEqualTo(BASIC.expectedContent());
    }
  }

  @Test
  void closingTheClientClosesItsStreamsAndRefusesNewOnes() throws Exception {
    try (RawServer server = RawServer.start(c -> c.slowEvents(Duration.ofMillis(50), 1000))) {
      LlamaClient client = client(server);
      ChatStream s = client.chat().stream(REQUEST);
      java.util.Iterator<ChatEvent> it = s.iterator();
      assertThat(it.next()).isNotNull();
      RawServer.Connection c = server.awaitRequest(Duration.ofSeconds(5));
      client.close();
      assertThat(c.awaitClientClose(Duration.ofSeconds(5))).as("the server saw the close").isTrue();
      assertThatThrownBy(() -> it.forEachRemaining(e -> {})).isInstanceOf(StreamCancelledException.class);
      assertThatThrownBy(() -> text(client)).isInstanceOf(LlamaException.class).hasMessageContaining("closed");
    }
  }

  @Test
  void keptAliveConnectionsAreReusedAndClosedWhenTheServerWouldDropThem() throws Exception {
    byte[] json = "{\"tokens\":[1,2,3]}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    FakeClock clock = new FakeClock();
    try (KeepAliveServer server = KeepAliveServer.start((request, out) -> {
          out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nKeep-Alive: timeout=2, max=100\r\n"
                  + "Content-Length: " + json.length + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          out.write(json);
          out.flush();
          return true;
        });
        LlamaClient client = LlamaClient.builder().baseUrl(server.url()).clock(clock).build()) {
      for (int i = 0; i < 3; i++) {
        assertThat(client.tokenizer().count("abc")).isEqualTo(3);
      }
      assertThat(server.connections()).as("one connection, kept alive").isEqualTo(1);
      assertThat(pool(client).idle()).isEqualTo(1);
      // a second less than the server's 2 s is the most the client reuses a connection for
      clock.advance(Duration.ofMillis(999));
      assertThat(pool(client).idle()).as("not expired yet").isEqualTo(1);
      assertThat(client.tokenizer().count("abc")).isEqualTo(3);
      assertThat(server.connections()).as("reused just before it expires").isEqualTo(1);
      clock.advance(Duration.ofMillis(999));
      assertThat(pool(client).idle()).as("still idle 999 ms after its last reply").isEqualTo(1);
      clock.advance(Duration.ofMillis(1)); // the expiry runs now, on this thread
      assertThat(pool(client).idle()).as("expired, and closed at once").isZero();
      assertThat(server.ended().poll(10, java.util.concurrent.TimeUnit.SECONDS)).as("the server saw it close").isNotNull();
      assertThat(client.tokenizer().count("abc")).isEqualTo(3);
      assertThat(server.connections()).as("a new connection after the expiry").isEqualTo(2);
    }
  }

  @Test
  void aStreamedReplysConnectionIsNeverKept() throws Exception {
    byte[] body = BASIC.body();
    try (KeepAliveServer server = KeepAliveServer.start((request, out) -> {
          KeepAliveServer.chunkedEventStream(out, "Keep-Alive: timeout=5, max=100\r\n", body);
          KeepAliveServer.lastChunk(out);
          return true;
        });
        LlamaClient client = LlamaClient.builder().baseUrl(server.url()).build()) {
      for (int i = 0; i < 3; i++) {
        assertThat(text(client)).isEqualTo(BASIC.expectedContent());
      }
      assertThat(server.connections()).as("llama-server closes a streamed connection: a new one each time").isEqualTo(3);
      assertThat(pool(client).idle()).isZero();
    }
  }

  private static io.github.llamaclient.internal.http1.Http1Pool pool(LlamaClient client) {
    return ((io.github.llamaclient.internal.http1.Http1Transport) client.engine().pulled()).pool();
  }
}
