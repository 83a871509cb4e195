package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamaclient.testing.RawServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Nothing hangs: each limit fails with its own type, naming the limit, and closes the connection. */
@Timeout(30)
class TimeoutTest {
  private static final ChatRequest REQUEST = ChatRequest.builder().user("hi").build();
  private static final Duration LIMIT = Duration.ofMillis(300);

  private RawServer server;
  private LlamaClient client;

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void connectTimeout() throws Exception {
    // A loopback listener whose accept queue is full: Linux drops further SYNs (the client
    // retransmits), so connect() neither succeeds nor is refused until the timeout. The queue
    // is filled with plain sockets until one of them cannot connect either.
    try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      List<Socket> fillers = new ArrayList<>();
      try {
        boolean filled = false;
        for (int i = 0; i < 50 && !filled; i++) {
          Socket s = new Socket();
          fillers.add(s);
          try {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), full.getLocalPort()), 200);
          } catch (SocketTimeoutException e) {
            filled = true;
          }
        }
        assertThat(filled).as("the accept queue filled up (Linux drops SYNs then)").isTrue();
        client =
            LlamaClient.builder()
                .baseUrl("http://127.0.0.1:" + full.getLocalPort())
                .connectTimeout(LIMIT)
                .build();
        for (Faces face : new Faces[] {Faces.EVENTS, Faces.PUBLISHER, Faces.BLOCKING}) {
          Faces.Outcome o = face.run(client, REQUEST);
          assertThat(o.failure())
              .as(face.name())
              .isInstanceOfSatisfying(
                  LlamaTimeoutException.Connect.class,
                  e -> {
                    assertThat(e.limit()).isEqualTo(LIMIT);
                    assertThat(e.getMessage()).contains("connect timeout", "PT0.3S", "127.0.0.1:" + full.getLocalPort());
                  });
        }
      } finally {
        for (Socket s : fillers) {
          try {
            s.close();
          } catch (IOException e) {
            // ignore
          }
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Faces.class)
  void responseHeadersTimeout(Faces face) throws Exception {
    // llama-server sends the headers with the first token: a server that reads the request and
    // says nothing is one still processing the prompt
    server = RawServer.start(c -> c.awaitClientClose(Duration.ofSeconds(60)));
    client = LlamaClient.builder().baseUrl(server.url()).responseTimeout(LIMIT).build();
    Faces.Outcome o = face.run(client, REQUEST);
    assertThat(o.failure())
        .isInstanceOfSatisfying(
            LlamaTimeoutException.ResponseHeaders.class,
            e -> {
              assertThat(e.limit()).isEqualTo(LIMIT);
              assertThat(e.getMessage()).contains("response timeout", "PT0.3S", server.url().toString());
            });
    assertThat(server.awaitDisconnect(Duration.ofSeconds(10))).as("connection closed").isNotNull();
    assertThat(server.accepted()).as("a timeout is not retried").isEqualTo(1);
  }

  @Test
  void theResponseTimeoutDoesNotLimitALongStream() {
    // 12 events 100 ms apart: more than a second in all, four times the response timeout
    server = RawServer.start(c -> c.slowEvents(Duration.ofMillis(100), 12));
    client = LlamaClient.builder().baseUrl(server.url()).responseTimeout(LIMIT).build();
    assertThat(client.chat(REQUEST).text()).startsWith("t0 t1 ").endsWith("t11 ");
  }

  @ParameterizedTest
  @EnumSource(Faces.class)
  void idleTimeoutBetweenChunks(Faces face) throws Exception {
    server =
        RawServer.start(
            c -> {
              c.sseHeaders();
              c.chunk(RawServer.contentEvent("a"));
              c.chunk(RawServer.contentEvent("b"));
              c.awaitClientClose(Duration.ofSeconds(60)); // stalls
            });
    client = LlamaClient.builder().baseUrl(server.url()).idleTimeout(LIMIT).build();
    Faces.Outcome o = face.run(client, REQUEST);
    assertThat(o.failure())
        .isInstanceOfSatisfying(
            LlamaTimeoutException.Idle.class,
            e -> {
              assertThat(e.limit()).isEqualTo(LIMIT);
              assertThat(e.getMessage()).contains("idle timeout", "PT0.3S", server.url().toString());
            });
    if (face.streamsText()) {
      assertThat(o.text()).isEqualTo("ab");
    }
    assertThat(server.awaitDisconnect(Duration.ofSeconds(10))).as("connection closed").isNotNull();
  }

  @Test
  void theIdleTimeoutIsBetweenChunksNotForTheWholeStream() {
    // 10 events 100 ms apart with an idle limit of 300 ms: the watchdog must be re-armed, not fire
    server = RawServer.start(c -> c.slowEvents(Duration.ofMillis(100), 10));
    client = LlamaClient.builder().baseUrl(server.url()).idleTimeout(LIMIT).build();
    assertThat(client.chat(REQUEST).text()).endsWith("t9 ");
  }

  @Test
  void aSlowConsumerIsNotAnIdleServer() throws Exception {
    // the server sends everything at once; the consumer takes longer than the idle limit
    // between events. The exchange is paused on the consumer, the server is not silent.
    server = RawServer.start(c -> c.slowEvents(Duration.ofMillis(1), 3));
    client = LlamaClient.builder().baseUrl(server.url()).idleTimeout(Duration.ofMillis(600)).build();
    StringBuilder sb = new StringBuilder();
    try (Stream<String> s = client.generateStream(REQUEST)) {
      Iterator<String> it = s.iterator();
      while (it.hasNext()) {
        sb.append(it.next());
        Thread.sleep(800);
      }
    }
    assertThat(sb).hasToString("t0 t1 t2 ");
  }

  @ParameterizedTest
  @EnumSource(Faces.class)
  void anErrorBodyThatStallsTimesOut(Faces face) throws Exception {
    // headers of chat-error-context-exceeded, then part of its body, then silence
    server =
        RawServer.start(
            c -> {
              c.write(
                  "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\n"
                      + "Server: llama.cpp\r\nContent-Length: 195\r\n\r\n{\"error\":{\"code\":400,");
              c.awaitClientClose(Duration.ofSeconds(60));
            });
    client = LlamaClient.builder().baseUrl(server.url()).idleTimeout(LIMIT).build();
    Faces.Outcome o = face.run(client, REQUEST);
    assertThat(o.failure()).isInstanceOf(LlamaTimeoutException.Idle.class);
    assertThat(server.awaitDisconnect(Duration.ofSeconds(10))).as("connection closed").isNotNull();
  }

  @Test
  void aTimeoutIsALlamaExceptionCarryingItsLimit() {
    server = RawServer.start(c -> c.awaitClientClose(Duration.ofSeconds(60)));
    client = LlamaClient.builder().baseUrl(server.url()).responseTimeout(LIMIT).build();
    assertThatThrownBy(() -> client.chat(REQUEST))
        .isInstanceOf(LlamaTimeoutException.class)
        .isInstanceOf(LlamaException.class)
        .hasMessageContaining("(limit PT0.3S)");
  }

  @Test
  void aBodyLeftOpenAfterDoneIsClosedAfterTheIdleLimit() throws Exception {
    // [DONE] arrives, then the server keeps the chunked body open: the caller has its result at
    // once, and the client stops reading (closes the connection) after the idle limit.
    server =
        RawServer.start(
            c -> {
              c.sseHeaders();
              c.chunk(RawServer.contentEvent("ok"));
              c.chunk(RawServer.finishEvent());
              c.chunk("data: [DONE]\n\n");
              c.awaitClientClose(Duration.ofSeconds(60));
            });
    client = LlamaClient.builder().baseUrl(server.url()).idleTimeout(LIMIT).build();
    assertThat(client.chat(REQUEST).text()).isEqualTo("ok");
    assertThat(server.awaitDisconnect(Duration.ofSeconds(10))).as("connection closed").isNotNull();
  }
}
