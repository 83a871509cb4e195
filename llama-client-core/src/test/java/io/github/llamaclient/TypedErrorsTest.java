package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.testing.RecordedRequests;
import io.github.llamaclient.testing.Transcript;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every failure is typed and says what happened: the error recordings replayed through
 * MockWebServer over every face.
 */
@Timeout(60)
class TypedErrorsTest {
  private static final ChatRequest HI = ChatRequest.builder().user("hi").maxTokens(8).build();

  private MockWebServer server;
  private LlamaClient client;

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    server.start();
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    server.close();
  }

  private LlamaClient client() {
    client = LlamaClient.builder().baseUrl(server.url("/").uri()).idleTimeout(Duration.ofSeconds(20)).build();
    return client;
  }

  private Faces.Outcome replay(String scenario, Transcript.Cut cut, Faces face, ChatRequest request) throws Exception {
    server.enqueue(Transcript.load(scenario).response(cut, false));
    return face.run(client == null ? client() : client, request);
  }

  @ParameterizedTest
  @EnumSource(Faces.class)
  void contextExceeded(Faces face) throws Exception {
    Transcript t = Transcript.load("chat-error-context-exceeded");
    Faces.Outcome o = replay(t.scenario(), Transcript.Cut.RECORDED, face, RecordedRequests.chat(t.requestBody()));
    assertThat(o.failure())
        .isInstanceOfSatisfying(
            ContextSizeExceededException.class,
            e -> {
              assertThat(e.promptTokens()).isEqualTo(4755);
              assertThat(e.contextSize()).isEqualTo(2048);
              assertThat(e.statusCode()).isEqualTo(400);
              assertThat(e.errorType()).isEqualTo("exceed_context_size_error");
              assertThat(e.getMessage()).contains("4755", "2048", "/v1/chat/completions");
            });
    assertThat(o.text()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Faces.class)
  void missingMessages(Faces face) throws Exception {
    // the builder cannot produce this body (no messages): the replay answers whatever is sent
    Faces.Outcome o = replay("chat-error-no-messages", Transcript.Cut.RECORDED, face, HI);
    assertHttp(o.failure(), 400, "invalid_request_error", "'messages' is required");
    assertThat(o.failure()).isNotInstanceOf(ContextSizeExceededException.class);
  }

  @ParameterizedTest
  @EnumSource(Faces.class)
  void malformedJson(Faces face) throws Exception {
    Faces.Outcome o = replay("chat-error-malformed-json", Transcript.Cut.RECORDED, face, HI);
    assertHttp(o.failure(), 500, "server_error", "[json.exception.parse_error.101]");
  }

  @ParameterizedTest
  @EnumSource(Faces.class)
  void missingKey(Faces face) throws Exception {
    Faces.Outcome o = replay("auth-missing-key", Transcript.Cut.RECORDED, face, HI);
    assertHttp(o.failure(), 401, "authentication_error", "Invalid API Key");
    assertThat(o.failure().getMessage()).contains("apiKey(", "LLAMA_API_KEY");
    RecordedRequest sent = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(sent.getHeaders().get("Authorization")).isNull();
  }

  @ParameterizedTest
  @EnumSource(Faces.class)
  void wrongKey(Faces face) throws Exception {
    client = LlamaClient.builder().baseUrl(server.url("/").uri()).apiKey("nope").build();
    Faces.Outcome o = replay("auth-wrong-key", Transcript.Cut.RECORDED, face, HI);
    assertHttp(o.failure(), 401, "authentication_error", "Invalid API Key");
    assertThat(o.failure().getMessage()).doesNotContain("nope");
    RecordedRequest sent = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(sent.getHeaders().get("Authorization")).isEqualTo("Bearer nope");
  }

  @ParameterizedTest
  @EnumSource(Faces.class)
  void notFound(Faces face) throws Exception {
    // recorded for GET /v1/nothing-here; a wrong base URL prefix gives the same 404 on a chat
    client = LlamaClient.builder().baseUrl(server.url("/wrong-prefix").uri()).build();
    Faces.Outcome o = replay("not-found", Transcript.Cut.RECORDED, face, HI);
    assertHttp(o.failure(), 404, "not_found_error", "File Not Found");
    assertThat(o.failure().getMessage()).contains("/wrong-prefix/v1/chat/completions");
  }

  @ParameterizedTest
  @EnumSource(Faces.class)
  void errorEventMidStream(Faces face) throws Exception {
    for (Transcript.Cut cut : new Transcript.Cut[] {Transcript.Cut.RECORDED, Transcript.Cut.ONE_BYTE}) {
      Transcript t = Transcript.load("chat-stream-error-mid-stream");
      Faces.Outcome o = replay(t.scenario(), cut, face, RecordedRequests.chat(t.requestBody()));
      String partial = t.expectedContent();
      assertThat(partial).isNotEmpty();
      assertThat(o.failure())
          .isInstanceOfSatisfying(
              LlamaStreamException.class,
              e -> {
                assertThat(e.code()).isEqualTo(500);
                assertThat(e.errorType()).isEqualTo("server_error");
                assertThat(e.serverMessage()).isEqualTo("Compute error.");
                assertThat(e.partialText()).isEqualTo(partial);
                assertThat(e.getMessage()).contains("Compute error.", "server_error");
              });
      if (face.streamsText()) {
        assertThat(o.text()).as("the text before the error was delivered").isEqualTo(partial);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Faces.class)
  void cutMidStream(Faces face) throws Exception {
    for (Transcript.Cut cut : new Transcript.Cut[] {Transcript.Cut.RECORDED, Transcript.Cut.ONE_BYTE}) {
      Transcript t = Transcript.load("chat-stream-cut-mid-stream");
      Faces.Outcome o = replay(t.scenario(), cut, face, RecordedRequests.chat(t.requestBody()));
      String partial = t.expectedContent();
      assertThat(partial).isNotEmpty();
      assertThat(o.failure())
          .isInstanceOfSatisfying(
              StreamInterruptedException.class,
              e -> {
                assertThat(e.partialText()).isEqualTo(partial);
                assertThat(e.getMessage()).contains(partial.length() + " characters");
              });
      if (face.streamsText()) {
        assertThat(o.text()).isEqualTo(partial);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Faces.class)
  void bodyEndingWithoutDoneOrFinishIsInterrupted(Faces face) throws Exception {
    // chat-stream-basic without its last two events (finish chunk and [DONE]), ended properly
    // at the HTTP level: the body ends but the stream did not
    Transcript t = Transcript.load("chat-stream-basic");
    String body = t.bodyText();
    int cut = body.lastIndexOf("data: ", body.lastIndexOf("data: ") - 1);
    server.enqueue(
        new MockResponse.Builder()
            .addHeader("Content-Type", "text/event-stream")
            .chunkedBody(body.substring(0, cut), 64)
            .build());
    Faces.Outcome o = face.run(client(), HI);
    assertThat(o.failure()).isInstanceOf(StreamInterruptedException.class);
  }

  @ParameterizedTest
  @EnumSource(Faces.class)
  void nonStreamedAnswerToAStreamedRequestIsAProtocolViolation(Faces face) throws Exception {
    // chat-complete is the server's answer to stream=false: application/json, not an event stream
    Faces.Outcome o = replay("chat-complete", Transcript.Cut.RECORDED, face, HI);
    assertThat(o.failure())
        .isInstanceOfSatisfying(
            LlamaProtocolException.class,
            e -> {
              assertThat(e.getMessage()).contains("text/event-stream", "application/json");
              assertThat(e.offendingLine()).startsWith("{");
            });
  }

  @ParameterizedTest
  @EnumSource(Faces.class)
  void nonJsonEventIsAProtocolViolationNamingTheLine(Faces face) throws Exception {
    // no recording has a broken event; shaped as API.md section 1 describes the stream
    Transcript t = Transcript.load("chat-stream-basic");
    String first = t.bodyText().substring(0, t.bodyText().indexOf("\n\n") + 2);
    server.enqueue(
        new MockResponse.Builder()
            .addHeader("Content-Type", "text/event-stream")
            .chunkedBody(first + "data: this is not JSON\n\n" + t.bodyText().substring(first.length()), 64)
            .build());
    Faces.Outcome o = face.run(client(), HI);
    assertThat(o.failure())
        .isInstanceOfSatisfying(
            LlamaProtocolException.class,
            e -> {
              assertThat(e.offendingLine()).isEqualTo("this is not JSON");
              assertThat(e.getMessage()).contains("this is not JSON");
            });
  }

  @ParameterizedTest
  @EnumSource(Faces.class)
  void connectionRefusedNamesTheUrlAndHowToStartTheServer(Faces face) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    URI url = URI.create("http://127.0.0.1:" + port);
    client = LlamaClient.builder().baseUrl(url).build();
    Faces.Outcome o = face.run(client, HI);
    assertThat(o.failure())
        .isInstanceOfSatisfying(
            LlamaConnectException.class,
            e -> {
              assertThat(e.uri()).isEqualTo(URI.create(url + "/v1/chat/completions"));
              assertThat(e.getMessage()).contains(url.toString(), "llama-server", "--port " + port);
            });
  }

  private static void assertHttp(Throwable failure, int status, String type, String message) {
    assertThat(failure)
        .isInstanceOfSatisfying(
            LlamaHttpException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(status);
              assertThat(e.errorType()).isEqualTo(type);
              assertThat(e.serverMessage()).startsWith(message);
              assertThat(e.getMessage()).contains(String.valueOf(status), type, message);
            });
  }
}
