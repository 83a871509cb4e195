package io.github.llamaclient.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.testing.RawServer;
import io.github.llamaclient.testing.Transcript;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The endpoints' contract, the same on both web stacks (the subclasses start a real application on
 * Spring MVC and on WebFlux): the seed's request and event format byte for byte against a replayed
 * llama-server, sessions, the response headers, public errors, heartbeats, a browser that leaves
 * cancelling the upstream, and a rate-limit refusal before any upstream request.
 */
@Timeout(60)
abstract class RelayContract {
  static final Upstream UPSTREAM = new Upstream();
  static final ObjectMapper JSON = new ObjectMapper();
  static final String DONE_USAGE =
      "data: {\"done\":true,\"finish_reason\":\"length\",\"usage\":{\"prompt_tokens\":60,\"completion_tokens\":32,"
          + "\"total_tokens\":92},\"timings\":{\"prompt_n\":1,\"prompt_ms\":0.21,\"predicted_n\":32,\"predicted_ms\":2.83,"
          + "\"predicted_per_second\":11307.420494699647}}\n\n";

  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @LocalServerPort int port;

  /** The settings every variant shares: the endpoints on, a short heartbeat, the replayed server. */
  @DynamicPropertySource
  static void upstream(DynamicPropertyRegistry r) {
    r.add("llama.server-url", () -> UPSTREAM.url().toString());
    r.add("llama.web.enabled", () -> "true");
    r.add("llama.web.heartbeat", () -> "200ms");
    r.add("llama.rate-limit.key-header", () -> "X-Caller");
    r.add("llama.rate-limit.burst", () -> "3");
    r.add("llama.rate-limit.streams-per-caller", () -> "1");
    r.add("llama.rate-limit.requests-per-minute", () -> "0.001"); // no refill within a test
    r.add("llama.session.history-tokens", () -> "3000");
  }

  @BeforeEach
  void resetUpstream() {
    UPSTREAM.reset();
  }

  /** A caller of its own for each request, so the rate limit stays out of the way. */
  private static int callers;

  HttpRequest.Builder post(String path, String body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Content-Type", "application/json")
        .header("X-Caller", "caller-" + (++callers))
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /** The body without heartbeat comments (they may fall anywhere under load); each one checked. */
  static String withoutHeartbeats(String body) {
    StringBuilder out = new StringBuilder();
    for (String frame : body.split("(?<=\n\n)")) {
      if (frame.startsWith(":")) {
        assertThat(frame).isEqualTo(": keep-alive\n\n");
      } else {
        out.append(frame);
      }
    }
    return out.toString();
  }

  /** The seed's content events for a recording's pieces. */
  static String contentEvents(Transcript t) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (JsonNode chunk : t.chunks()) {
      JsonNode c = chunk.path("choices").path(0).path("delta").path("content");
      if (c.isTextual() && !c.asText().isEmpty()) {
        sb.append("data: ").append(JSON.writeValueAsString(JSON.createObjectNode().put("content", c.asText()))).append("\n\n");
      }
    }
    return sb.toString();
  }

  @Test
  void statelessStreamIsTheSeedsEventsByteForByte() throws Exception {
    HttpResponse<String> r =
        send(post("/api/llm/chat/stream", "{\"messages\":[{\"role\":\"user\",\"content\":\"Write a short poem\"}],\"temperature\":0.5}").build());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    assertThat(r.headers().firstValue("X-Accel-Buffering")).hasValue("no");
    assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-cache");
    String body = withoutHeartbeats(r.body());
    assertThat(body).startsWith("data: {\"content\":\"\\n\"}\n\ndata: {\"content\":\"to\"}\n\n");
    assertThat(body).isEqualTo(contentEvents(Transcript.load("chat-stream-usage")) + DONE_USAGE);

    RawServer.Connection upstream = UPSTREAM.chatRequests.poll(5, TimeUnit.SECONDS);
    JsonNode sent = JSON.readTree(upstream.body());
    assertThat(sent.get("messages").toString()).isEqualTo("[{\"role\":\"user\",\"content\":\"Write a short poem\"}]");
    assertThat(sent.get("temperature").asDouble()).isEqualTo(0.5);
    assertThat(sent.get("max_tokens").asInt()).isEqualTo(512); // llama.web.max-tokens, the default
    assertThat(sent.get("stream").asBoolean()).isTrue();
  }

  @Test
  void sessionTurnsCarryTheHistory() throws Exception {
    String first = "{\"session_id\":\"s-" + getClass().getSimpleName() + "\",\"message\":\"Hello\",\"system_prompt\":\"Be brief.\"}";
    HttpResponse<String> r1 = send(post("/api/llm/chat/session/stream", first).build());
    assertThat(withoutHeartbeats(r1.body())).endsWith(DONE_USAGE);
    UPSTREAM.chatRequests.poll(5, TimeUnit.SECONDS);

    String second = "{\"session_id\":\"s-" + getClass().getSimpleName() + "\",\"message\":\"Again\",\"options\":{\"max_tokens\":16}}";
    HttpResponse<String> r2 = send(post("/api/llm/chat/session/stream", second).build());
    assertThat(withoutHeartbeats(r2.body())).endsWith(DONE_USAGE);

    JsonNode sent = JSON.readTree(UPSTREAM.chatRequests.poll(5, TimeUnit.SECONDS).body());
    List<String> roles = new ArrayList<>();
    sent.get("messages").forEach(m -> roles.add(m.get("role").asText() + ":" + m.get("content").asText().length()));
    assertThat(roles).hasSize(4);
    assertThat(sent.get("messages").get(0).get("content").asText()).isEqualTo("Be brief.");
    assertThat(sent.get("messages").get(1).get("content").asText()).isEqualTo("Hello");
    assertThat(sent.get("messages").get(2).get("content").asText()).isEqualTo(Transcript.load("chat-stream-usage").expectedContent());
    assertThat(sent.get("messages").get(3).get("content").asText()).isEqualTo("Again");
    assertThat(sent.get("max_tokens").asInt()).isEqualTo(16);
  }

  @Test
  void anUpstreamErrorIsOnePublicErrorEvent() throws Exception {
    UPSTREAM.onChat = c -> Upstream.replay(c, Transcript.load("chat-error-context-exceeded"));
    HttpResponse<String> r = send(post("/api/llm/chat/stream", "{\"messages\":[{\"role\":\"user\",\"content\":\"long\"}]}").build());

    assertThat(r.statusCode()).isEqualTo(200);
    String body = withoutHeartbeats(r.body());
    assertThat(body).matches("data: \\{\"error\":\"the message is too long for the model \\(ref [0-9a-f]{8}\\)\"}\n\n");
    assertThat(body).doesNotContain("127.0.0.1", "n_ctx", "exceed_context_size_error", "Exception");
  }

  @Test
  void aBadRequestIs400BeforeAnyUpstreamRequest() throws Exception {
    HttpResponse<String> r = send(post("/api/llm/chat/stream", "{\"messages\":[]}").build());
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("\"messages\" must be a non-empty array");
    HttpResponse<String> r2 = send(post("/api/llm/chat/session/stream", "not json").build());
    assertThat(r2.statusCode()).isEqualTo(400);
    assertThat(UPSTREAM.chats()).isZero();
  }

  @Test
  void heartbeatsKeepASilentStreamOpen() throws Exception {
    CountDownLatch sawHeartbeat = new CountDownLatch(1);
    UPSTREAM.onChat =
        c -> {
          c.sseHeaders();
          sawHeartbeat.await(20, TimeUnit.SECONDS); // silent, as while a long prompt is read
          c.chunk(RawServer.contentEvent("late"));
          c.chunk(RawServer.finishEvent());
          c.chunk("data: [DONE]\n\n");
          c.endChunks();
          c.close();
        };
    HttpResponse<InputStream> r =
        http.send(post("/api/llm/chat/stream", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").build(), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = r.body()) {
      String first = readFrame(in);
      assertThat(first).isEqualTo(": keep-alive\n\n");
      sawHeartbeat.countDown();
      StringBuilder rest = new StringBuilder();
      for (String f = readFrame(in); f != null; f = readFrame(in)) {
        rest.append(f);
      }
      assertThat(withoutHeartbeats(rest.toString())).isEqualTo("data: {\"content\":\"late\"}\n\ndata: {\"done\":true,\"finish_reason\":\"stop\"}\n\n");
    }
  }

  @Test
  void aBrowserThatLeavesCancelsTheUpstream() throws Exception {
    UPSTREAM.onChat = c -> c.slowEvents(Duration.ofMillis(20), 100_000);
    HttpResponse<InputStream> r =
        http.send(post("/api/llm/chat/stream", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").build(), HttpResponse.BodyHandlers.ofInputStream());
    InputStream in = r.body();
    String first = readFrame(in);
    while (first != null && first.startsWith(":")) {
      first = readFrame(in);
    }
    assertThat(first).isEqualTo("data: {\"content\":\"t0 \"}\n\n");
    RawServer.Connection upstream = UPSTREAM.chatRequests.poll(5, TimeUnit.SECONDS);
    assertThat(upstream.clientClosed()).isFalse();

    in.close(); // the browser goes away

    assertThat(upstream.awaitClientClose(Duration.ofSeconds(10))).as("the relay closed its upstream connection").isTrue();
  }

  @Test
  void aCallerOverItsBurstGets429BeforeAnyUpstreamRequest() throws Exception {
    String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    String caller = "burst-" + getClass().getSimpleName();
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> ok = send(post("/api/llm/chat/stream", body).setHeader("X-Caller", caller).build());
      assertThat(ok.statusCode()).isEqualTo(200);
    }
    int before = UPSTREAM.chats();

    HttpResponse<String> refused = send(post("/api/llm/chat/stream", body).setHeader("X-Caller", caller).build());

    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow())).isPositive();
    assertThat(JSON.readTree(refused.body()).get("error").asText()).startsWith("too many requests (rate)");
    assertThat(UPSTREAM.chats()).isEqualTo(before);
    HttpResponse<String> other = send(post("/api/llm/chat/stream", body).build()); // another caller is not limited
    assertThat(other.statusCode()).isEqualTo(200);
  }

  @Test
  void openStreamsAreCappedPerCallerAndOverallAtTheServersSlots() throws Exception {
    CountDownLatch finish = new CountDownLatch(1);
    UPSTREAM.onChat =
        c -> {
          c.sseHeaders();
          c.chunk(RawServer.contentEvent("held"));
          finish.await(20, TimeUnit.SECONDS);
          c.chunk(RawServer.finishEvent());
          c.chunk("data: [DONE]\n\n");
          c.endChunks();
          c.close();
        };
    String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    InputStream x = open(post("/api/llm/chat/stream", body).setHeader("X-Caller", "x").build());

    HttpResponse<String> sameCaller = send(post("/api/llm/chat/stream", body).setHeader("X-Caller", "x").build());
    assertThat(sameCaller.statusCode()).isEqualTo(429);
    assertThat(JSON.readTree(sameCaller.body()).get("error").asText()).startsWith("too many requests (caller-streams)");
    InputStream y = open(post("/api/llm/chat/stream", body).setHeader("X-Caller", "y").build());
    HttpResponse<String> third = send(post("/api/llm/chat/stream", body).setHeader("X-Caller", "z").build());
    assertThat(third.statusCode()).as("props.json: total_slots 2").isEqualTo(429);
    assertThat(JSON.readTree(third.body()).get("error").asText()).startsWith("too many requests (streams)");
    assertThat(third.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(UPSTREAM.chats()).isEqualTo(2);

    finish.countDown();
    for (InputStream in : List.of(x, y)) {
      StringBuilder rest = new StringBuilder();
      for (String f = readFrame(in); f != null; f = readFrame(in)) {
        rest.append(f);
      }
      assertThat(withoutHeartbeats(rest.toString())).isEqualTo("data: {\"done\":true,\"finish_reason\":\"stop\"}\n\n");
      in.close();
    }
    assertThat(send(post("/api/llm/chat/stream", body).setHeader("X-Caller", "z").build()).statusCode()).isEqualTo(200);
  }

  /** Opens a stream and reads up to its first content event, so it is known to be running upstream. */
  InputStream open(HttpRequest request) throws Exception {
    HttpResponse<InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    InputStream in = r.body();
    String f = readFrame(in);
    while (f != null && f.startsWith(":")) {
      f = readFrame(in);
    }
    assertThat(f).isEqualTo("data: {\"content\":\"held\"}\n\n");
    return in;
  }

  /** The next SSE frame (up to and including its blank line), or null at the end. */
  static String readFrame(InputStream in) throws IOException {
    java.io.ByteArrayOutputStream frame = new java.io.ByteArrayOutputStream();
    int prev = -1;
    int b;
    while ((b = in.read()) >= 0) {
      frame.write(b);
      if (b == '\n' && prev == '\n') {
        return frame.toString(StandardCharsets.UTF_8);
      }
      prev = b;
    }
    return frame.size() == 0 ? null : frame.toString(StandardCharsets.UTF_8);
  }
}
