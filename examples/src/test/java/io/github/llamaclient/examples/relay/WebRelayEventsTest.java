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
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The relay's event kinds, heartbeats, stream cap and session expiry. */
@Timeout(60)
class WebRelayEventsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "events-token";
  private static final String ASK = "{\"messages\":[{\"role\":\"user\",\"content\":\"Why is the sky blue?\"}]}";

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  /** A clock the test moves. */
  private static final class TestClock implements InstantSource {
    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));

    @Override
    public Instant instant() {
      return now.get();
    }
  }

  private WebRelay relay(PacedUpstream upstream, RelayConfig config, InstantSource clock) throws Exception {
    return relay(upstream, config, clock, WebRelay.Waiting.REAL);
  }

  private WebRelay relay(PacedUpstream upstream, RelayConfig config, InstantSource clock, WebRelay.Waiting waiting)
      throws Exception {
    LlamaClient client = LlamaClient.builder().baseUrl(upstream.url()).build();
    open.add(client);
    SessionManager sessions = WebRelay.sessions(client, config);
    open.add(sessions);
    WebRelay relay = new WebRelay(client, sessions, config, clock, waiting);
    open.add(relay);
    return relay;
  }

  private static RelayConfig config() {
    return new RelayConfig(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN, Set.of());
  }

  private static RelayConfig.Limits limits(int maxStreams, Duration heartbeat, Duration ttl) {
    RelayConfig.Limits d = RelayConfig.Limits.DEFAULTS;
    return new RelayConfig.Limits(
        d.workers(), d.maxConnections(), maxStreams, d.requestTimeout(), d.maxSessions(), ttl, heartbeat, d.maxTokens(), 0);
  }

  private HttpRequest post(WebRelay relay, String path, String body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.address().getPort() + path))
        .header("Authorization", "Bearer " + TOKEN)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  /** The data events of a reply, in order. */
  private List<JsonNode> events(WebRelay relay, String body) throws Exception {
    HttpResponse<String> r = http.send(post(relay, "/api/llm/chat/stream", body), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    List<JsonNode> out = new ArrayList<>();
    for (String frame : r.body().split("\n\n")) {
      if (frame.startsWith("data: ")) {
        out.add(JSON.readTree(frame.substring(6)));
      }
    }
    return out;
  }

  private static List<String> kinds(List<JsonNode> events) {
    List<String> kinds = new ArrayList<>();
    events.forEach(e -> kinds.add(e.fieldNames().next()));
    return kinds;
  }

  @Test
  void reasoningAndProgressEventsAreOffByDefaultAndSentWhenTurnedOn() throws Exception {
    try (PacedUpstream reasoning = new PacedUpstream(Recordings.load("chat-stream-reasoning"), Duration.ofMillis(1));
        PacedUpstream progress = new PacedUpstream(Recordings.load("chat-stream-progress"), Duration.ofMillis(1))) {
      TestClock clock = new TestClock();
      // by default only the seed's three kinds: content, done, error
      assertThat(kinds(events(relay(reasoning, config(), clock), ASK))).containsExactly("done");
      assertThat(kinds(events(relay(progress, config(), clock), ASK))).containsOnly("content", "done").endsWith("done");

      List<JsonNode> withReasoning = events(relay(reasoning, config().withEvents(Set.of("reasoning")), clock), ASK);
      assertThat(kinds(withReasoning)).contains("reasoning").doesNotContain("progress").endsWith("done");
      StringBuilder thought = new StringBuilder();
      withReasoning.stream().filter(e -> e.has("reasoning")).forEach(e -> thought.append(e.get("reasoning").asText()));
      assertThat(thought.toString()).startsWith("\n the license");

      List<JsonNode> withProgress = events(relay(progress, config().withEvents(Set.of("progress")), clock), ASK);
      assertThat(kinds(withProgress)).contains("progress").doesNotContain("reasoning").endsWith("done");
      JsonNode first = withProgress.get(0).get("progress");
      assertThat(first.get("total").asInt()).isEqualTo(1755);
      assertThat(JSON.readTree(progress.requestBodies().get(1)).get("return_progress").asBoolean()).isTrue();
    }
  }

  @Test
  void whileTheModelThinksTheRelaySendsHeartbeatComments() throws Exception {
    // the first wait for an event runs out (a heartbeat interval passes with nothing from the
    // model), the later ones wait as usual: no real time has to pass
    java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
    java.util.concurrent.atomic.AtomicReference<Duration> waitedAtMost = new java.util.concurrent.atomic.AtomicReference<>();
    WebRelay.Waiting intervalPassesOnce =
        (queue, max) -> {
          waitedAtMost.set(max);
          return first.getAndSet(false) ? null : WebRelay.Waiting.REAL.next(queue, max);
        };
    try (PacedUpstream slow = new PacedUpstream(Recordings.load("chat-stream-basic"), Duration.ofMillis(1))) {
      WebRelay relay =
          relay(slow, config().withLimits(limits(8, Duration.ofSeconds(15), Duration.ofHours(1))), new TestClock(), intervalPassesOnce);
      HttpResponse<InputStream> r = http.send(post(relay, "/api/llm/chat/stream", ASK), HttpResponse.BodyHandlers.ofInputStream());
      try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
        String firstLine = in.readLine();
        assertThat(firstLine).as("before the first token: a comment, ignored by SSE readers").isEqualTo(": keep-alive");
        assertThat(in.lines()).as("then the reply").anyMatch(l -> l.startsWith("data: {\"content\""));
      }
      assertThat(waitedAtMost.get()).as("each wait lasts at most the heartbeat interval").isEqualTo(Duration.ofSeconds(15));
    }
  }

  @Test
  void streamsBeyondTheCapGet503AtOnce() throws Exception {
    try (PacedUpstream slow = new PacedUpstream(Recordings.load("chat-stream-basic"), Duration.ofMillis(200))) {
      WebRelay relay = relay(slow, config().withLimits(limits(1, Duration.ofSeconds(15), Duration.ofHours(1))), new TestClock());
      HttpResponse<InputStream> first = http.send(post(relay, "/api/llm/chat/stream", ASK), HttpResponse.BodyHandlers.ofInputStream());
      InputStream body = first.body();
      try {
        assertThat(first.statusCode()).isEqualTo(200);
        HttpResponse<String> second = http.send(post(relay, "/api/llm/chat/stream", ASK), HttpResponse.BodyHandlers.ofString());
        assertThat(second.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(second.body()).get("error").asText()).contains("busy");
      } finally {
        body.close();
      }
    }
  }

  @Test
  void sessionsUnusedForLongerThanTheirTimeToLiveAreDeleted() throws Exception {
    try (PacedUpstream upstream = new PacedUpstream(Recordings.load("chat-stream-basic"), Duration.ofMillis(1))) {
      TestClock clock = new TestClock();
      WebRelay relay = relay(upstream, config().withLimits(limits(8, Duration.ofSeconds(15), Duration.ofMinutes(30))), clock);
      String turn = "{\"session_id\":\"%s\",\"message\":\"Tell me about AI.\"}";
      for (String id : List.of("old", "recent")) {
        HttpResponse<String> r = http.send(post(relay, "/api/llm/chat/session/stream", String.format(turn, id)), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        clock.now.set(clock.now.get().plus(Duration.ofMinutes(20)));
      }
      assertThat(relay.liveSessions()).isEqualTo(2);
      // 40 minutes after "old", 20 after "recent": the next request sweeps "old" away
      HttpResponse<String> r = http.send(post(relay, "/api/llm/chat/session/stream", String.format(turn, "new")), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(relay.liveSessions()).isEqualTo(2);
      assertThat(relay.sessionIds()).containsExactlyInAnyOrder("recent", "new");
    }
  }
}
