package io.github.llamaclient.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.testing.RawServer;
import io.github.llamaclient.testing.Transcript;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.search.Search;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * The relay's contract on Spring MVC (Tomcat, {@code SseEmitter}), and in the same application the
 * meters (on Micrometer's mock clock, which the replayed server advances) and the health
 * indicator. The rate limiter here runs on a fake clock, so a refusal's {@code Retry-After} can be
 * lived through without waiting.
 */
@SpringBootTest(
    classes = TestApp.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"spring.main.web-application-type=servlet", "management.endpoint.health.show-details=always"})
@Import(MvcRelayTest.Clocks.class)
class MvcRelayTest extends RelayContract {
  static final FakeTime LIMITER_TIME = new FakeTime();

  @TestConfiguration(proxyBeanMethods = false)
  static class Clocks {
    @Bean
    MockClock micrometerClock() {
      return new MockClock();
    }

    @Bean
    RateLimiter fakeTimeRateLimiter(LlamaProperties properties, LlamaClient client) {
      return RateLimiter.perCaller(properties.getRateLimit(), LlamaWebAutoConfiguration.serverSlots(client), LIMITER_TIME);
    }
  }

  @Autowired MeterRegistry meters;
  @Autowired MockClock clock;

  private double total(String timer, String... tags) {
    var t = Search.in(meters).name(timer).tags(tags).timer();
    return t == null ? 0 : t.totalTime(TimeUnit.MILLISECONDS);
  }

  private double sum(String summary, String... tags) {
    var s = Search.in(meters).name(summary).tags(tags).summary();
    return s == null ? 0 : s.totalAmount();
  }

  private double count(String counter, String... tags) {
    var c = Search.in(meters).name(counter).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  private double active() {
    return meters.get(MicrometerStreamObserver.ACTIVE).gauge().value();
  }

  @Test
  void metersCountAReplyOnTheMockClock() throws Exception {
    double firstChunk = total(MicrometerStreamObserver.FIRST_CHUNK);
    double duration = total(MicrometerStreamObserver.DURATION, "error.type", "none");
    double input = sum(MicrometerStreamObserver.TOKEN_USAGE, "gen_ai.token.type", "input");
    double output = sum(MicrometerStreamObserver.TOKEN_USAGE, "gen_ai.token.type", "output");
    double speed = sum(MicrometerStreamObserver.TOKENS_PER_SECOND);
    UPSTREAM.onChat =
        c -> {
          clock.add(Duration.ofMillis(250)); // the server thinks, then answers with its first token
          Upstream.replay(c, Transcript.load("chat-stream-usage"));
        };

    HttpResponse<String> r = send(post("/api/llm/chat/stream", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").build());
    assertThat(withoutHeartbeats(r.body())).endsWith(DONE_USAGE);

    assertThat(total(MicrometerStreamObserver.FIRST_CHUNK) - firstChunk).isEqualTo(250.0);
    assertThat(total(MicrometerStreamObserver.DURATION, "error.type", "none") - duration).isEqualTo(250.0);
    assertThat(sum(MicrometerStreamObserver.TOKEN_USAGE, "gen_ai.token.type", "input") - input).isEqualTo(60.0);
    assertThat(sum(MicrometerStreamObserver.TOKEN_USAGE, "gen_ai.token.type", "output") - output).isEqualTo(32.0);
    assertThat(sum(MicrometerStreamObserver.TOKENS_PER_SECOND) - speed).isEqualTo(11307.420494699647);
    var tagged = meters.get(MicrometerStreamObserver.TOKEN_USAGE).tags("gen_ai.operation.name", "chat", "gen_ai.provider.name", "llama.cpp").summaries();
    assertThat(tagged).hasSize(2);
    assertThat(active()).isZero();
  }

  @Test
  void metersCountErrorsByTypeCancellationsAndOpenStreams() throws Exception {
    double errors = count(MicrometerStreamObserver.ERRORS, "error.type", "ContextSizeExceededException");
    UPSTREAM.onChat = c -> Upstream.replay(c, Transcript.load("chat-error-context-exceeded"));
    send(post("/api/llm/chat/stream", "{\"messages\":[{\"role\":\"user\",\"content\":\"long\"}]}").build());
    assertThat(count(MicrometerStreamObserver.ERRORS, "error.type", "ContextSizeExceededException") - errors).isEqualTo(1.0);

    double cancellations = count(MicrometerStreamObserver.CANCELLATIONS);
    UPSTREAM.chatRequests.clear();
    UPSTREAM.onChat = c -> c.slowEvents(Duration.ofMillis(20), 100_000);
    HttpResponse<InputStream> r =
        http.send(post("/api/llm/chat/stream", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").build(), HttpResponse.BodyHandlers.ofInputStream());
    InputStream in = r.body();
    String frame = readFrame(in);
    while (frame != null && frame.startsWith(":")) {
      frame = readFrame(in);
    }
    assertThat(active()).isEqualTo(1.0);
    in.close();
    RawServer.Connection upstream = UPSTREAM.chatRequests.poll(5, TimeUnit.SECONDS);
    assertThat(upstream.awaitClientClose(Duration.ofSeconds(10))).isTrue();
    // counted on the relay's thread before it closed the upstream connection, which the server saw
    assertThat(count(MicrometerStreamObserver.CANCELLATIONS) - cancellations).isEqualTo(1.0);
    assertThat(active()).isZero();
  }

  @Test
  void aRefusedCallerIsAdmittedAgainAfterItsRetryAfter() throws Exception {
    String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    double refusals = count(MicrometerStreamObserver.REFUSED, "reason", "rate");
    for (int i = 0; i < 3; i++) {
      send(post("/api/llm/chat/stream", body).setHeader("X-Caller", "patient").build());
    }
    HttpResponse<String> refused = send(post("/api/llm/chat/stream", body).setHeader("X-Caller", "patient").build());
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(count(MicrometerStreamObserver.REFUSED, "reason", "rate") - refusals).isEqualTo(1.0);
    long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
    assertThat(retryAfter).isEqualTo(60_000); // one request per 60 000 s: llama.rate-limit.requests-per-minute=0.001

    LIMITER_TIME.advance(Duration.ofSeconds(retryAfter - 1));
    assertThat(send(post("/api/llm/chat/stream", body).setHeader("X-Caller", "patient").build()).statusCode()).isEqualTo(429);
    LIMITER_TIME.advance(Duration.ofSeconds(1));
    assertThat(send(post("/api/llm/chat/stream", body).setHeader("X-Caller", "patient").build()).statusCode()).isEqualTo(200);
  }

  @Test
  void healthShowsReadyLoadingAndUnreachable() throws Exception {
    HttpResponse<String> up = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/llama")).build());
    assertThat(up.statusCode()).isEqualTo(200);
    JsonNode h = JSON.readTree(up.body());
    assertThat(h.get("status").asText()).isEqualTo("UP");
    assertThat(h.get("details").get("state").asText()).isEqualTo("ready");
    assertThat(h.get("details").get("server").asText()).isEqualTo(UPSTREAM.url().toString());

    UPSTREAM.onHealth = Upstream::loading;
    HttpResponse<String> loading = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/llama")).build());
    assertThat(loading.statusCode()).isEqualTo(503);
    JsonNode l = JSON.readTree(loading.body());
    assertThat(l.get("status").asText()).isEqualTo("OUT_OF_SERVICE");
    assertThat(l.get("details").get("state").asText()).isEqualTo("loading");
    HttpResponse<String> all = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health")).build());
    assertThat(JSON.readTree(all.body()).get("status").asText()).as("the application is out of service while the model loads").isEqualTo("OUT_OF_SERVICE");
  }

  @Test
  void healthIsDownWhenNothingAnswers() {
    URI url;
    try (RawServer gone = RawServer.start(c -> {})) {
      url = gone.url(); // closed at the end of the block: nothing listens there any more
    }
    try (LlamaClient client = LlamaClient.builder().baseUrl(url).build()) {
      var health = new LlamaHealthIndicator(client).health();
      assertThat(health.getStatus().getCode()).isEqualTo("DOWN");
      assertThat(health.getDetails()).containsEntry("state", "unreachable");
    }
  }

  private SocketClient socket(String caller) {
    return new SocketClient(http, URI.create("ws://127.0.0.1:" + port + "/api/llm/chat/ws"), caller);
  }

  /** The seed's messages for a recording's reply, one per line, as the socket sends them. */
  private static String socketTurn(Transcript t, String done) throws Exception {
    return contentEvents(t).replace("data: ", "").replace("\n\n", "\n") + done + "\n";
  }

  @Test
  void oneSocketCarriesManyTurnsInTheSeedsMessages() throws Exception {
    String done = DONE_USAGE.substring("data: ".length()).trim();
    try (SocketClient ws = socket("socket-turns")) {
      ws.send("{\"messages\":[{\"role\":\"user\",\"content\":\"Write a short poem\"}]}");
      assertThat(ws.turn()).isEqualTo(socketTurn(Transcript.load("chat-stream-usage"), done));
      ws.send("{\"session_id\":\"ws-1\",\"message\":\"Hello\"}");
      assertThat(ws.turn()).isEqualTo(socketTurn(Transcript.load("chat-stream-usage"), done));
      ws.send("{\"session_id\":\"ws-1\",\"message\":\"Again\"}");
      assertThat(ws.turn()).endsWith(done + "\n");
    }
    assertThat(UPSTREAM.chats()).isEqualTo(3);
    UPSTREAM.chatRequests.poll();
    UPSTREAM.chatRequests.poll();
    JsonNode third = JSON.readTree(UPSTREAM.chatRequests.poll().body());
    assertThat(third.get("messages")).hasSize(3); // Hello, the reply, Again: the session kept the first turn
    assertThat(third.get("messages").get(0).get("content").asText()).isEqualTo("Hello");
  }

  @Test
  void cancelOnASocketStopsTheUpstreamAndTheSocketGoesOn() throws Exception {
    UPSTREAM.onChat = c -> c.slowEvents(Duration.ofMillis(20), 100_000);
    try (SocketClient ws = socket("socket-cancel")) {
      ws.send("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      assertThat(ws.next()).isEqualTo("{\"content\":\"t0 \"}");
      ws.send("{\"messages\":[{\"role\":\"user\",\"content\":\"too soon\"}]}");
      ws.send("{\"cancel\":true}");
      String m;
      while ((m = ws.next()).startsWith("{\"content\"")) {
        // pieces sent before the cancel arrived
      }
      assertThat(m).isEqualTo("{\"error\":\"a reply is still streaming; send {\\\"cancel\\\": true} first\"}");
      while ((m = ws.next()).startsWith("{\"content\"")) {
        // pieces sent before the cancel arrived
      }
      assertThat(m).isEqualTo(ChatSocketHandler.CANCELLED);
      RawServer.Connection upstream = UPSTREAM.chatRequests.poll(5, TimeUnit.SECONDS);
      assertThat(upstream.awaitClientClose(Duration.ofSeconds(10))).as("the relay closed its upstream connection").isTrue();

      UPSTREAM.onChat = c -> Upstream.replay(c, Transcript.load("chat-stream-usage"));
      ws.send("{\"messages\":[{\"role\":\"user\",\"content\":\"next\"}]}");
      assertThat(ws.turn()).endsWith(DONE_USAGE.substring("data: ".length()).trim() + "\n");
      assertThat(ws.messages).isEmpty();
    }
  }

  @Test
  void aSocketThatDropsCancelsItsTurn() throws Exception {
    UPSTREAM.onChat = c -> c.slowEvents(Duration.ofMillis(20), 100_000);
    SocketClient ws = socket("socket-drop");
    ws.send("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(ws.next()).isEqualTo("{\"content\":\"t0 \"}");
    RawServer.Connection upstream = UPSTREAM.chatRequests.poll(5, TimeUnit.SECONDS);

    ws.abort();

    assertThat(upstream.awaitClientClose(Duration.ofSeconds(10))).as("the relay closed its upstream connection").isTrue();
  }

  @Test
  void aRefusedTurnOnASocketIsAnErrorMessageAndTheSocketStaysOpen() throws Exception {
    try (SocketClient ws = socket("socket-burst")) {
      ws.send("{\"messages\":[]}"); // refused as a bad request: a token of the burst is spent all the same
      assertThat(ws.next()).isEqualTo("{\"error\":\"\\\"messages\\\" must be a non-empty array\"}");
      for (int i = 0; i < 2; i++) {
        ws.send("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(ws.turn()).startsWith("{\"content\"");
      }
      int before = UPSTREAM.chats();
      ws.send("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      assertThat(ws.next()).startsWith("{\"error\":\"too many requests (rate); try again in ");
      assertThat(UPSTREAM.chats()).isEqualTo(before);
    }
  }

  /**
   * 200 callers hammer the stateless endpoint at once, each sending its next request when the last
   * ends, for {@code llama.load.seconds} (3 by default; the 20 with {@code
   * -Dllama.load.seconds=20}). The limits hold: each caller is admitted at most its burst (the
   * limiter's fake clock does not move, so nothing refills), the server never has more than its 2
   * slots' streams open at once (counted at the server), every admitted stream ends with its done
   * event, every refusal is a 429 with Retry-After, and nothing hangs.
   */
  @Test
  @org.junit.jupiter.api.Timeout(180)
  void twoHundredCallersHammeringGet429sAndNeverMoreStreamsThanSlots() throws Exception {
    int callers = 200;
    long seconds = Long.getLong("llama.load.seconds", 3);
    java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger mostOpen = new java.util.concurrent.atomic.AtomicInteger();
    UPSTREAM.onChat =
        c -> {
          mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
          try {
            c.slowEvents(Duration.ofMillis(5), 4);
          } finally {
            open.decrementAndGet();
          }
        };
    java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> admitted = new java.util.concurrent.ConcurrentHashMap<>();
    java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> refusals = new java.util.concurrent.ConcurrentHashMap<>();
    java.util.Queue<String> problems = new java.util.concurrent.ConcurrentLinkedQueue<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    java.util.List<java.util.concurrent.CompletableFuture<Void>> loops = new java.util.ArrayList<>();
    for (int i = 0; i < callers; i++) {
      String caller = "load-" + i;
      loops.add(hammer(caller, body, deadline, admitted, refusals, problems));
    }
    java.util.concurrent.CompletableFuture.allOf(loops.toArray(new java.util.concurrent.CompletableFuture<?>[0]))
        .get(120, TimeUnit.SECONDS); // nothing hangs

    assertThat(problems).isEmpty();
    assertThat(mostOpen.get()).as("streams open at the server at once (props.json: total_slots 2)").isBetween(1, 2);
    int total = admitted.values().stream().mapToInt(java.util.concurrent.atomic.AtomicInteger::get).sum();
    assertThat(total).isEqualTo(UPSTREAM.chats());
    admitted.forEach((caller, n) -> assertThat(n.get()).as(caller).isLessThanOrEqualTo(3)); // llama.rate-limit.burst
    assertThat(refusals.values().stream().mapToInt(java.util.concurrent.atomic.AtomicInteger::get).sum()).isPositive();
  }

  /** One caller's loop: a request, then the next when it ends, until the deadline. */
  private java.util.concurrent.CompletableFuture<Void> hammer(
      String caller,
      String body,
      long deadline,
      java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> admitted,
      java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> refusals,
      java.util.Queue<String> problems) {
    if (System.nanoTime() > deadline) {
      return java.util.concurrent.CompletableFuture.completedFuture(null);
    }
    return http.sendAsync(post("/api/llm/chat/stream", body).setHeader("X-Caller", caller).build(), HttpResponse.BodyHandlers.ofString())
        .thenCompose(
            r -> {
              if (r.statusCode() == 200) {
                admitted.computeIfAbsent(caller, k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
                if (!withoutHeartbeats(r.body()).endsWith("data: {\"done\":true,\"finish_reason\":\"stop\"}\n\n")) {
                  problems.add(caller + ": an admitted stream did not complete: " + r.body());
                }
              } else if (r.statusCode() == 429 && r.headers().firstValue("Retry-After").isPresent()) {
                refusals.computeIfAbsent(caller, k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
              } else {
                problems.add(caller + ": " + r.statusCode() + " " + r.body());
              }
              return hammer(caller, body, deadline, admitted, refusals, problems);
            });
  }
}
