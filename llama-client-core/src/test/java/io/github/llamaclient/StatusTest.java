package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamaclient.testing.RawServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Only a 2xx status is a reply: a redirect is an error that says where it pointed (and is never
 * followed, nor its body taken for the reply), and a status that is no HTTP status is a protocol
 * violation; on both transports, every face, and the small endpoints.
 */
@Timeout(60)
class StatusTest {
  private static final ChatRequest HI = ChatRequest.builder().user("hi").maxTokens(8).build();
  private static final String ELSEWHERE = "http://proxyuser:pw-in-location@elsewhere.invalid:9/v1/chat/completions";

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

  /** A reply in every way but its status: an event stream with text, a finish and [DONE]. */
  private static void eventStream(RawServer.Connection c, String statusLine, String extraHeaders) throws Exception {
    c.write(
        statusLine
            + "\r\n"
            + extraHeaders
            + "Content-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    c.chunk(RawServer.contentEvent("Hello"));
    c.chunk(RawServer.finishEvent());
    c.chunk("data: [DONE]\n\n");
    c.endChunks();
    c.close();
  }

  private Faces.Outcome run(Faces face, Transports transport) throws Exception {
    client = transport.builder(server.url()).idleTimeout(Duration.ofSeconds(10)).build();
    return face.run(client, HI);
  }

  @ParameterizedTest
  @MethodSource("io.github.llamaclient.Transports#faces")
  void redirectWithAnEventStreamIsNotTheReply(Faces face, Transports transport) throws Exception {
    server = RawServer.start(c -> eventStream(c, "HTTP/1.1 307 Temporary Redirect", "Location: " + ELSEWHERE + "\r\n"));
    Faces.Outcome o = run(face, transport);
    assertThat(o.text()).as("nothing of the redirect's body is delivered").isEmpty();
    assertThat(o.failure())
        .isInstanceOfSatisfying(
            LlamaHttpException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(307);
              assertThat(e.getMessage())
                  .contains("307", "/v1/chat/completions", "***@elsewhere.invalid:9/v1/chat/completions")
                  .doesNotContain("pw-in-location", "proxyuser");
              assertThat(e.location()).isEqualTo("http://***@elsewhere.invalid:9/v1/chat/completions");
            });
  }

  @ParameterizedTest
  @MethodSource("io.github.llamaclient.Transports#faces")
  void redirectThatNeverEndsFailsOnItsHead(Faces face, Transports transport) throws Exception {
    server =
        RawServer.start(
            c -> {
              c.write(
                  "HTTP/1.1 302 Found\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
              c.chunk(RawServer.contentEvent("Hello"));
              c.awaitClientClose(Duration.ofSeconds(30)); // never ends: only the client can end it
            });
    Faces.Outcome o = run(face, transport);
    assertThat(o.text()).isEmpty();
    assertThat(o.failure())
        .isInstanceOfSatisfying(
            LlamaHttpException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(302);
              assertThat(e.getMessage()).contains("302", "a redirect without a Location");
            });
    assertThat(server.awaitDisconnect(Duration.ofSeconds(5))).as("the client closed the connection").isNotNull();
  }

  @ParameterizedTest
  @MethodSource("io.github.llamaclient.Transports#faces")
  void statusAbove599IsAProtocolViolation(Faces face, Transports transport) throws Exception {
    server = RawServer.start(c -> eventStream(c, "HTTP/1.1 600 Beyond", ""));
    Faces.Outcome o = run(face, transport);
    assertThat(o.text()).isEmpty();
    assertThat(o.failure())
        .isInstanceOfSatisfying(
            LlamaProtocolException.class,
            e -> assertThat(e.getMessage()).contains("no valid HTTP status", "600"));
  }

  /** The JDK refuses these itself; our own reader took them for replies. */
  @ParameterizedTest
  @ValueSource(strings = {"HTTP/1.1 -12 Negative", "HTTP/1.1 099 Low", "HTTP/1.1 999 High"})
  void malformedStatusOnOwnReader(String statusLine) throws Exception {
    server = RawServer.start(c -> eventStream(c, statusLine, ""));
    for (Faces face : new Faces[] {Faces.STREAM, Faces.EVENTS, Faces.BLOCKING}) {
      Faces.Outcome o = run(face, Transports.HTTP1);
      client.close();
      assertThat(o.text()).as(face.name()).isEmpty();
      assertThat(o.failure()).as(face.name()).isInstanceOf(LlamaProtocolException.class);
    }
  }

  /**
   * Heads that break HTTP/1.1 where the JDK's parser is as strict as ours: on both transports the
   * server broke the protocol ({@link LlamaProtocolException}, quoting the offending line), not a
   * connection that broke.
   */
  static Stream<Arguments> malformedHeads() {
    List<Arguments> out = new ArrayList<>();
    String[][] heads = {
      {"HTTP/1.1 -12 Negative\r\n", "HTTP/1.1 -12 Negative"},
      {"HTTP/1.1 099 Low\r\n", "HTTP/1.1 099 Low"},
      {"ICY 200 OK\r\n", "ICY 200 OK"},
      {"HTTP/1.1 200 OK\r\nBad Name: x\r\n", "Bad Name"},
      {"HTTP/1.1 200 OK\r\nX-Bad: a\u0001b\r\n", "X-Bad"},
    };
    for (String[] h : heads) {
      for (Transports t : Transports.values()) {
        out.add(Arguments.of(t, h[0], h[1]));
      }
    }
    return out.stream();
  }

  @ParameterizedTest
  @MethodSource("malformedHeads")
  void malformedHeadIsAProtocolViolationOnBothTransports(Transports transport, String head, String offending) throws Exception {
    server =
        RawServer.start(
            c -> {
              c.write(head + "Content-Type: text/event-stream\r\nConnection: close\r\n\r\n" + RawServer.contentEvent("Hello"));
              c.close();
            });
    Faces.Outcome o = run(Faces.EVENTS, transport);
    assertThat(o.text()).isEmpty();
    assertThat(o.failure())
        .isInstanceOfSatisfying(
            LlamaProtocolException.class,
            e -> {
              assertThat(e.offendingLine()).contains(offending);
              assertThat(e.getMessage()).contains(offending);
            });
    assertThat(server.accepted()).as("a POST the server answered is not sent again").isEqualTo(1);
  }

  @ParameterizedTest
  @MethodSource("io.github.llamaclient.Transports#faces")
  void malformedStatusLineIsAProtocolViolationOnEveryFace(Faces face, Transports transport) throws Exception {
    server = RawServer.start(c -> eventStream(c, "HTTP/1.1 -12 Negative", ""));
    Faces.Outcome o = run(face, transport);
    assertThat(o.text()).isEmpty();
    assertThat(o.failure())
        .isInstanceOfSatisfying(
            LlamaProtocolException.class, e -> assertThat(e.offendingLine()).contains("HTTP/1.1 -12 Negative"));
  }

  @Test
  void smallEndpointRedirectIsAnError() {
    server =
        RawServer.start(
            c -> {
              c.write(
                  "HTTP/1.1 301 Moved Permanently\r\nLocation: "
                      + ELSEWHERE
                      + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
              c.close();
            });
    client = LlamaClient.builder().baseUrl(server.url()).build();
    assertThatThrownBy(client.server()::props)
        .isInstanceOfSatisfying(
            LlamaHttpException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(301);
              assertThat(e.getMessage()).contains("301", "/props", "***@elsewhere.invalid").doesNotContain("pw-in-location");
            });
  }

  @Test
  void smallEndpointStatusThatIsNoneIsAProtocolViolation() {
    server =
        RawServer.start(
            c -> {
              c.write("HTTP/1.1 999 High\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
              c.close();
            });
    client = LlamaClient.builder().baseUrl(server.url()).build();
    assertThatThrownBy(client.server()::props).isInstanceOf(LlamaProtocolException.class).hasMessageContaining("999");
  }
}
