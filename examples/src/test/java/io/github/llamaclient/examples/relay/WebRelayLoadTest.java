package io.github.llamaclient.examples.relay;

import io.github.llamaclient.testing.LlamaServerStub;
import java.util.function.Function;
import io.github.llamaclient.testing.Recording;
import io.github.llamaclient.testing.StubReply;
import io.github.llamaclient.testing.StubRequest;
import io.github.llamaclient.examples.testing.Recordings;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.session.SessionManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The relay under load and over long conversations: bounded threads, sessions and prompts. */
@Timeout(300)
class WebRelayLoadTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "load-token";

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private record Relay(WebRelay relay, SessionManager sessions) {}

  private Relay relay(URI upstream, RelayConfig.Limits limits) throws Exception {
    RelayConfig config =
        new RelayConfig(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN, Set.of()).withLimits(limits);
    LlamaClient client = LlamaClient.builder().baseUrl(upstream).build();
    open.add(client);
    SessionManager sessions = WebRelay.sessions(client, config);
    open.add(sessions);
    WebRelay relay = new WebRelay(client, sessions, config);
    open.add(relay);
    return new Relay(relay, sessions);
  }

  private static RelayConfig.Limits limits(int workers, int maxSessions, Duration requestTimeout) {
    RelayConfig.Limits d = RelayConfig.Limits.DEFAULTS;
    return new RelayConfig.Limits(
        workers, d.maxConnections(), d.maxStreams(), requestTimeout, maxSessions, d.sessionTtl(), d.heartbeat(), d.maxTokens(), 0);
  }

  private HttpResponse<String> sessionTurn(WebRelay relay, String id, String message) throws Exception {
    String body = JSON.createObjectNode().put("session_id", id).put("message", message).toString();
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.address().getPort() + "/api/llm/chat/session/stream"))
            .header("Authorization", "Bearer " + TOKEN)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The relay's threads alive now. */
  private static int relayThreads() {
    return (int) Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith("relay-")).count();
  }

  @Test
  void threeHundredSlowHeadsKeepTheThreadsBoundedAndAreCutAtTheDeadline() throws Exception {
    LlamaServerStub upstream = LlamaServerStub.start();
    open.add(upstream);
    upstream.answer(replaying());
    int workers = 8;
    Relay r = relay(upstream.url(), limits(workers, 100, Duration.ofSeconds(3)));
    int port = r.relay().address().getPort();

    ScheduledExecutorService drip = Executors.newScheduledThreadPool(2);
    List<Socket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < 300; i++) {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        sockets.add(s);
        OutputStream out = s.getOutputStream();
        out.write("POST /api/llm/chat/session/stream HTTP/1.1\r\n".getBytes(StandardCharsets.ISO_8859_1));
        AtomicInteger line = new AtomicInteger();
        drip.scheduleAtFixedRate(
            () -> {
              try {
                out.write(("X-Drip-" + line.incrementAndGet() + ": a\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
              } catch (IOException e) {
                throw new IllegalStateException("closed", e); // ends this drip
              }
            },
            1,
            1,
            TimeUnit.SECONDS);
      }
      int peak = relayThreads();
      // while they drip, a real request is served at once: no worker waits on a slow head
      HttpResponse<String> served = sessionTurn(r.relay(), "s1", "Tell me about AI.");
      peak = Math.max(peak, relayThreads());
      assertThat(served.statusCode()).isEqualTo(200);
      assertThat(WebRelayTest.lastEvent(served.body()).get("done").asBoolean()).isTrue();
      assertThat(peak).as("relay threads: %d workers, the selector, the session sweeper", workers).isLessThanOrEqualTo(workers + 2);

      // every dripping connection is closed by the relay once its deadline passes
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      for (Socket s : sockets) {
        s.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
        InputStream in = s.getInputStream();
        try {
          assertThat(in.read()).as("the relay closed the slow connection").isEqualTo(-1);
        } catch (java.net.SocketTimeoutException e) {
          throw new AssertionError("a connection dripping its head was still open after the deadline", e);
        } catch (IOException e) {
          // reset: closed too
        }
        peak = Math.max(peak, relayThreads());
      }
      assertThat(peak).isLessThanOrEqualTo(workers + 2);
      assertThat(r.relay().connections()).isZero();
    } finally {
      drip.shutdownNow();
      for (Socket s : sockets) {
        s.close();
      }
    }
  }

  @Test
  void aThousandPageLoadsLeaveAtMostTheConfiguredNumberOfSessions() throws Exception {
    LlamaServerStub upstream = LlamaServerStub.start();
    open.add(upstream);
    upstream.answer(replaying());
    int max = 25;
    Relay r = relay(upstream.url(), limits(8, max, Duration.ofSeconds(10)));
    ExecutorService pages = Executors.newFixedThreadPool(4);
    try {
      List<Future<Integer>> loads = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        String id = "page-" + i; // each page load makes a new session id
        loads.add(pages.submit(() -> sessionTurn(r.relay(), id, "Tell me about AI.").statusCode()));
      }
      for (Future<Integer> f : loads) {
        assertThat(f.get(120, TimeUnit.SECONDS)).isEqualTo(200);
      }
    } finally {
      pages.shutdownNow();
    }
    assertThat(r.relay().liveSessions()).isLessThanOrEqualTo(max);
    assertThat(r.sessions().list()).hasSizeLessThanOrEqualTo(max);
    assertThat(r.sessions().inMemory()).isLessThanOrEqualTo(max);
    // the most recent ones are those kept
    assertThat(r.sessions().list()).contains("page-999");
  }

  @Test
  void fiftyTurnsOfFiveHundredTokensInA2kContextNeverOverflow() throws Exception {
    ContextServer server = new ContextServer(2048);
    LlamaServerStub upstream = LlamaServerStub.start();
    open.add(upstream);
    upstream.answer(server);
    Relay r = relay(upstream.url(), limits(4, 100, Duration.ofSeconds(10)));
    for (int turn = 0; turn < 50; turn++) {
      StringBuilder message = new StringBuilder("turn" + turn);
      for (int w = 1; w < 500; w++) {
        message.append(' ').append("word").append(w % 37);
      }
      HttpResponse<String> reply = sessionTurn(r.relay(), "long", message.toString());
      assertThat(reply.statusCode()).isEqualTo(200);
      JsonNode last = WebRelayTest.lastEvent(reply.body());
      assertThat(last.has("error")).as("turn %d: %s", turn, last).isFalse();
      assertThat(last.get("done").asBoolean()).isTrue();
    }
    assertThat(server.overflows.get()).as("requests the server refused for their size").isZero();
    // the budget is the context less the largest reply (512): the history was trimmed to fit
    assertThat(server.largestPrompt.get()).isBetween(1000, 2048 - 512);
    List<?> kept = r.sessions().session("long").history();
    assertThat(kept).hasSize(100); // the stored history keeps every turn; only what is sent is trimmed
  }

  /** Answers every chat request with the basic recording. */
  private static Function<StubRequest, StubReply> replaying() {
    StubReply basic = StubReply.of(Recordings.load("chat-stream-basic"));
    return request -> basic;
  }

  /**
   * A stand-in llama-server with a context of {@code nCtx} tokens: it renders messages with a
   * ChatML template, counts a token per whitespace-separated word ({@code /tokenize} counts the
   * same way), and refuses a prompt that does not fit the way llama-server does ({@code
   * exceed_context_size_error}, as in the recording {@code chat-error-context-exceeded}).
   */
  private static final class ContextServer implements Function<StubRequest, StubReply> {
    final int nCtx;
    final AtomicInteger overflows = new AtomicInteger();
    final AtomicInteger largestPrompt = new AtomicInteger();

    ContextServer(int nCtx) {
      this.nCtx = nCtx;
    }

    @Override
    public StubReply apply(StubRequest request) {
      try {
        String path = request.path();
        if (path.equals("/props")) {
          return json(200, "{\"default_generation_settings\":{\"n_ctx\":" + nCtx + "},\"total_slots\":1}");
        }
        JsonNode body = JSON.readTree(request.body());
        if (path.equals("/apply-template")) {
          return json(200, JSON.createObjectNode().put("prompt", render(body.get("messages"))).toString());
        }
        if (path.equals("/tokenize")) {
          int n = count(body.get("content").asText());
          StringBuilder tokens = new StringBuilder("{\"tokens\":[");
          for (int i = 0; i < n; i++) {
            tokens.append(i == 0 ? "" : ",").append(i % 1000);
          }
          return json(200, tokens.append("]}").toString());
        }
        int prompt = count(render(body.get("messages")));
        largestPrompt.accumulateAndGet(prompt, Math::max);
        if (prompt >= nCtx) {
          overflows.incrementAndGet();
          return json(
              400,
              "{\"error\":{\"code\":400,\"message\":\"request (" + prompt + " tokens) exceeds the available context size ("
                  + nCtx + " tokens), try increasing it\",\"type\":\"exceed_context_size_error\",\"n_prompt_tokens\":"
                  + prompt + ",\"n_ctx\":" + nCtx + "}}");
        }
        return StubReply.of(Recordings.load("chat-stream-basic"));
      } catch (IOException e) {
        return json(500, "{\"error\":{\"code\":500,\"message\":\"" + e + "\"}}");
      }
    }

    private static String render(JsonNode messages) {
      StringBuilder sb = new StringBuilder();
      for (JsonNode m : messages) {
        sb.append("<|im_start|>").append(m.get("role").asText()).append('\n').append(m.path("content").asText()).append("<|im_end|>\n");
      }
      return sb.append("<|im_start|>assistant\n").toString();
    }

    private static int count(String text) {
      int n = 0;
      for (String w : text.split("\\s+")) {
        if (!w.isEmpty()) {
          n++;
        }
      }
      return n;
    }

    private static StubReply json(int status, String body) {
      return StubReply.json(status, body);
    }
  }
}
