package io.github.llamaclient.examples.relay;

import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.Recording;
import io.github.llamaclient.testing.StubReply;
import io.github.llamaclient.testing.StubRequest;
import io.github.llamaclient.examples.testing.Recordings;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.examples.testing.PacedUpstream;
import io.github.llamaclient.session.SessionManager;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The relay's endpoints through a real HTTP client, in front of a replayed llama-server. */
@Timeout(60)
class WebRelayTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "relay-test-token";
  private static final String ORIGIN = "https://app.example.com";
  private static final String STATELESS =
      "{\"messages\":[{\"role\":\"system\",\"content\":\"You are a helpful assistant.\"},"
          + "{\"role\":\"user\",\"content\":\"Tell me about AI.\"}],\"temperature\":0.8,\"max_tokens\":48}";

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private WebRelay relay(URI upstream, Set<String> origins) throws Exception {
    return relay(upstream, new RelayConfig(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN, origins));
  }

  private WebRelay relay(URI upstream, RelayConfig config) throws Exception {
    LlamaClient client = LlamaClient.builder().baseUrl(upstream).build();
    open.add(client);
    SessionManager sessions = WebRelay.sessions(client, config);
    open.add(sessions);
    WebRelay relay = new WebRelay(client, sessions, config);
    open.add(relay);
    return relay;
  }

  private static URI uri(WebRelay relay, String path) {
    return URI.create("http://127.0.0.1:" + relay.address().getPort() + path);
  }

  private static HttpRequest.Builder post(WebRelay relay, String path, String body) {
    return HttpRequest.newBuilder(uri(relay, path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  /** One SSE event as the client saw it, with how many segments the upstream had written by then. */
  record Arrival(JsonNode event, int upstreamSegments) {}

  @Test
  void chunksArriveOneByOneWhileTheUpstreamIsStillWriting() throws Exception {
    Recording basic = Recordings.load("chat-stream-basic");
    PacedUpstream upstream = new PacedUpstream(basic, Duration.ofMillis(40));
    open.add(upstream);
    WebRelay relay = relay(upstream.url(), Set.of());
    HttpResponse<InputStream> response =
        http.send(
            post(relay, "/api/llm/chat/stream", STATELESS).header("Authorization", "Bearer " + TOKEN).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-cache");
    assertThat(response.headers().firstValue("X-Accel-Buffering")).hasValue("no");

    List<Arrival> arrivals = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith("data: ")) {
          arrivals.add(new Arrival(JSON.readTree(line.substring(6)), upstream.segmentsWritten()));
        } else {
          assertThat(line).isEmpty();
        }
      }
    }
    StringBuilder text = new StringBuilder();
    for (Arrival a : arrivals.subList(0, arrivals.size() - 1)) {
      text.append(a.event().get("content").asText());
    }
    assertThat(text.toString()).isEqualTo(basic.content());
    JsonNode done = arrivals.get(arrivals.size() - 1).event();
    assertThat(done.get("done").asBoolean()).isTrue();
    assertThat(done.get("finish_reason").asText()).isEqualTo("length");
    assertThat(done.get("timings").get("predicted_n").asInt()).isEqualTo(48);
    // not buffered: the first piece reached the client while the upstream had most of the reply
    // still to send, and the pieces came while the upstream kept writing
    assertThat(arrivals.get(0).upstreamSegments()).isLessThan(upstream.totalSegments() / 2);
    long seenWhileUpstreamWrote =
        arrivals.stream().filter(a -> a.upstreamSegments() < upstream.totalSegments()).count();
    assertThat(seenWhileUpstreamWrote).isGreaterThan(10);
    assertThat(JSON.readTree(upstream.requestBodies().get(0)).get("messages")).hasSize(2);
  }

  @Test
  void requestsWithoutTheRightTokenAreRefusedAndNeverReachTheServer() throws Exception {
    PacedUpstream upstream = new PacedUpstream(Recordings.load("chat-stream-basic"), Duration.ofMillis(1));
    open.add(upstream);
    WebRelay relay = relay(upstream.url(), Set.of());
    for (String path : List.of("/api/llm/chat/stream", "/api/llm/chat/session/stream")) {
      HttpResponse<String> none = http.send(post(relay, path, STATELESS).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(none.statusCode()).isEqualTo(401);
      assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
      assertThat(JSON.readTree(none.body()).get("error").asText()).contains("token");
      HttpResponse<String> wrong =
          http.send(post(relay, path, STATELESS).header("Authorization", "Bearer nope").build(), HttpResponse.BodyHandlers.ofString());
      assertThat(wrong.statusCode()).isEqualTo(401);
    }
    assertThat(upstream.streamsStarted()).isZero();
  }

  @Test
  void theBrowserGoingAwayClosesTheUpstreamStream() throws Exception {
    Recording basic = Recordings.load("chat-stream-basic");
    PacedUpstream upstream = new PacedUpstream(basic, Duration.ofMillis(100));
    open.add(upstream);
    WebRelay relay = relay(upstream.url(), Set.of());
    HttpResponse<InputStream> response =
        http.send(
            post(relay, "/api/llm/chat/stream", STATELESS).header("Authorization", "Bearer " + TOKEN).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    BufferedReader r = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
    int events = 0;
    while (events < 3) {
      String line = r.readLine();
      assertThat(line).isNotNull();
      if (line.startsWith("data: ")) {
        events++;
      }
    }
    r.close(); // the browser tab closes
    assertThat(upstream.awaitClientClose(Duration.ofSeconds(15))).as("the relay closed its upstream connection").isTrue();
    assertThat(upstream.finishedAStream()).isFalse();
    assertThat(upstream.segmentsWritten()).isLessThan(upstream.totalSegments());
  }

  @Test
  void corsIsClosedByDefaultAndOpenForConfiguredOrigins() throws Exception {
    LlamaServerStub server = LlamaServerStub.start();
    open.add(server);
    WebRelay closed = relay(server.url(), Set.of());
    HttpResponse<String> refused = http.send(preflight(closed, ORIGIN), HttpResponse.BodyHandlers.ofString());
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

    WebRelay openRelay = relay(server.url(), Set.of(ORIGIN));
    HttpResponse<String> ok = http.send(preflight(openRelay, ORIGIN), HttpResponse.BodyHandlers.ofString());
    assertThat(ok.statusCode()).isEqualTo(204);
    assertThat(ok.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ORIGIN);
    assertThat(ok.headers().firstValue("Access-Control-Allow-Methods").orElse("")).contains("POST");
    assertThat(ok.headers().firstValue("Access-Control-Allow-Headers").orElse("")).contains("Authorization");
    HttpResponse<String> other = http.send(preflight(openRelay, "https://evil.example"), HttpResponse.BodyHandlers.ofString());
    assertThat(other.statusCode()).isEqualTo(403);
    assertThat(other.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

    Recording basic = Recordings.load("chat-stream-basic");
    server.enqueue(StubReply.of(basic));
    HttpResponse<String> actual =
        http.send(
            post(openRelay, "/api/llm/chat/stream", STATELESS)
                .header("Authorization", "Bearer " + TOKEN)
                .header("Origin", ORIGIN)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(actual.statusCode()).isEqualTo(200);
    assertThat(actual.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ORIGIN);
    assertThat(lastEvent(actual.body()).get("done").asBoolean()).isTrue();
  }

  /** The last {@code data:} event of an SSE body. */
  static JsonNode lastEvent(String body) throws Exception {
    String[] events = body.split("\n\n");
    for (int i = events.length - 1; i >= 0; i--) {
      if (events[i].startsWith("data: ")) {
        return JSON.readTree(events[i].substring(6));
      }
    }
    throw new AssertionError("no event in " + body);
  }

  private static HttpRequest preflight(WebRelay relay, String origin) {
    return HttpRequest.newBuilder(uri(relay, "/api/llm/chat/stream"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "authorization, content-type")
        .build();
  }

  @Test
  void theSessionEndpointKeepsTheHistory() throws Exception {
    Recording basic = Recordings.load("chat-stream-basic");
    PacedUpstream upstream = new PacedUpstream(basic, Duration.ofMillis(1));
    open.add(upstream);
    twoTurnsSendTheAccumulatedHistory(basic, upstream, relay(upstream.url(), Set.of()));
  }

  @Test
  void withASessionsDirectoryTheHistorySurvivesTheRelay(@TempDir Path dir) throws Exception {
    Recording basic = Recordings.load("chat-stream-basic");
    PacedUpstream upstream = new PacedUpstream(basic, Duration.ofMillis(1));
    open.add(upstream);
    RelayConfig config =
        new RelayConfig(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN, Set.of(), dir);
    twoTurnsSendTheAccumulatedHistory(basic, upstream, relay(upstream.url(), config));
    assertThat(dir.resolve("s1.json")).exists();

    // a new relay (new manager, new client) over the same directory continues the conversation
    WebRelay restarted = relay(upstream.url(), config);
    HttpResponse<String> r =
        http.send(
            post(restarted, "/api/llm/chat/session/stream", "{\"session_id\":\"s1\",\"message\":\"And then?\"}")
                .header("Authorization", "Bearer " + TOKEN)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(lastEvent(r.body()).get("done").asBoolean()).isTrue();
    JsonNode third = JSON.readTree(upstream.requestBodies().get(2)).get("messages");
    assertThat(third).hasSize(6);
    assertThat(third.get(0).get("content").asText()).isEqualTo("You are terse.");
    assertThat(third.get(3).get("content").asText()).isEqualTo("More?");
    assertThat(third.get(5).get("content").asText()).isEqualTo("And then?");
  }

  @Test
  void sessionRequestsWithBadOptionsGet400BeforeAnyEvent() throws Exception {
    PacedUpstream upstream = new PacedUpstream(Recordings.load("chat-stream-basic"), Duration.ofMillis(1));
    open.add(upstream);
    WebRelay relay = relay(upstream.url(), Set.of());
    for (String bad :
        List.of(
            "{\"session_id\":\"s1\"}",
            "{\"session_id\":\"s1\",\"message\":\"hi\",\"options\":{\"temperature\":\"hot\"}}",
            "{\"session_id\":\"s1\",\"message\":\"hi\",\"options\":{\"max_tokens\":1.5}}",
            "{\"session_id\":\"s1\",\"message\":\"hi\",\"options\":[]}")) {
      HttpResponse<String> r =
          http.send(
              post(relay, "/api/llm/chat/session/stream", bad).header("Authorization", "Bearer " + TOKEN).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(bad).isEqualTo(400);
      assertThat(JSON.readTree(r.body()).get("error").asText()).as(bad).isNotBlank();
    }
    assertThat(upstream.streamsStarted()).isZero();
  }

  /** Two turns on session s1: the second request upstream carries the system prompt and the first turn. */
  private void twoTurnsSendTheAccumulatedHistory(Recording basic, PacedUpstream upstream, WebRelay relay)
      throws Exception {
    String first = "{\"session_id\":\"s1\",\"message\":\"Tell me about AI.\",\"system_prompt\":\"You are terse.\",\"options\":{\"max_tokens\":48}}";
    String second = "{\"session_id\":\"s1\",\"message\":\"More?\"}";
    for (String body : List.of(first, second)) {
      HttpResponse<String> r =
          http.send(
              post(relay, "/api/llm/chat/session/stream", body).header("Authorization", "Bearer " + TOKEN).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(lastEvent(r.body()).get("done").asBoolean()).isTrue();
    }
    JsonNode sent = JSON.readTree(upstream.requestBodies().get(1));
    JsonNode messages = sent.get("messages");
    assertThat(messages).hasSize(4);
    assertThat(messages.get(0).get("content").asText()).isEqualTo("You are terse.");
    assertThat(messages.get(1).get("content").asText()).isEqualTo("Tell me about AI.");
    assertThat(messages.get(2).get("content").asText()).isEqualTo(basic.content());
    assertThat(messages.get(3).get("content").asText()).isEqualTo("More?");
    assertThat(JSON.readTree(upstream.requestBodies().get(0)).get("max_tokens").asInt()).isEqualTo(48);
  }

  @Test
  void badRequestsGet400AndServerErrorsAnErrorEvent() throws Exception {
    LlamaServerStub server = LlamaServerStub.start();
    open.add(server);
    WebRelay relay = relay(server.url(), Set.of());
    for (String bad : List.of("{not json", "[]", "{\"messages\":[]}", "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":\"hot\"}")) {
      HttpResponse<String> r =
          http.send(
              post(relay, "/api/llm/chat/stream", bad).header("Authorization", "Bearer " + TOKEN).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(bad).isEqualTo(400);
      assertThat(JSON.readTree(r.body()).get("error").asText()).isNotBlank();
    }
    server.enqueue(StubReply.of(Recordings.load("chat-stream-error-mid-stream")));
    HttpResponse<String> r =
        http.send(
            post(relay, "/api/llm/chat/stream", STATELESS).header("Authorization", "Bearer " + TOKEN).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode last = lastEvent(r.body());
    // the browser learns what happened, not the server's own words or where it is (those are logged)
    assertThat(last.get("error").asText()).startsWith("the model server failed while answering (ref ");
    assertThat(r.body()).doesNotContain("\"done\"").doesNotContain("Compute error").doesNotContain(String.valueOf(server.url().getPort()));
  }

  @Test
  void servesTheChatPage() throws Exception {
    LlamaServerStub server = LlamaServerStub.start();
    open.add(server);
    WebRelay relay = relay(server.url(), Set.of());
    HttpResponse<String> page = http.send(HttpRequest.newBuilder(uri(relay, "/")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("<script src=\"chat.js\">");
    HttpResponse<String> js = http.send(HttpRequest.newBuilder(uri(relay, "/chat.js")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(js.body()).contains("function chatStream(data, onChunk, onComplete, onError, more)")
        .contains("function chatSessionStream(data, onChunk, onComplete, onError, more)")
        .contains("function setRelayBaseUrl(url)");
    assertThat(http.send(HttpRequest.newBuilder(uri(relay, "/etc/passwd")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(404);
  }
}
