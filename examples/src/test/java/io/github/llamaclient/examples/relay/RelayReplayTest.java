package io.github.llamaclient.examples.relay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.examples.testing.ChildProcess;
import io.github.llamaclient.examples.testing.HeadlessChromium;
import io.github.llamaclient.examples.testing.Recordings;
import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.Pacing;
import io.github.llamaclient.testing.Recording;
import io.github.llamaclient.testing.StubReply;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session with saved streams survives a kill: a relay in a child JVM keeps its sessions in a
 * directory, runs a turn, and is killed ({@code destroyForcibly}); a new relay on the same directory
 * replays that turn over SSE to the chat page in headless Chromium, piece by piece at the saved
 * pace, and answers 404 for an unknown session, an unknown turn, and a turn without a saved stream.
 */
@Timeout(120)
class RelayReplayTest {
  private static final String TOKEN = "replay-token";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LISTENING = Pattern.compile("on http://127\\.0\\.0\\.1:(\\d+)/");
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir Path sessions;

  private static ChildProcess relay(LlamaServerStub upstream, Path dir) throws Exception {
    return ChildProcess.start(
        WebRelay.class.getName(),
        List.of(),
        Map.of(
            "RELAY_TOKEN", TOKEN,
            "RELAY_PORT", "0",
            "RELAY_SESSIONS_DIR", dir.toString(),
            "LLAMA_SERVER_URL", upstream.url().resolve("/").toString()));
  }

  private static int port(ChildProcess relay) throws InterruptedException {
    Matcher m = LISTENING.matcher(relay.awaitStdout(s -> LISTENING.matcher(s).find(), Duration.ofSeconds(60), "the relay listening"));
    assertThat(m.find()).isTrue();
    return Integer.parseInt(m.group(1));
  }

  private static HttpResponse<String> get(int port, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("Authorization", "Bearer " + TOKEN).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aTurnReplaysInChromiumAfterTheRelayWasKilledAndStartedAgain() throws Exception {
    Recording basic = Recordings.load("chat-stream-basic");
    try (LlamaServerStub upstream = LlamaServerStub.start()) {
      upstream.answer(
          request -> {
            switch (request.path()) {
              case "/props":
                return StubReply.of(Recordings.load("props"));
              case "/apply-template":
                return StubReply.of(Recordings.load("apply-template"));
              case "/tokenize":
                return StubReply.of(Recordings.load("tokenize"));
              default: // the chat turn: a piece every 20 ms
                return StubReply.of(basic).paced(Pacing.every(Duration.ofMillis(20)));
            }
          });
      // a session of the format before saved streams: its turn has nothing to replay
      Files.writeString(
          sessions.resolve("old.json"),
          "{\"format\":1,\"id\":\"old\",\"systemPrompt\":null,\"slot\":null,\"options\":{\"stop\":[]},\"messages\":["
              + "{\"role\":\"user\",\"content\":\"Hi\",\"reasoning\":null,\"toolCalls\":[],\"toolCallId\":null,\"partial\":false},"
              + "{\"role\":\"assistant\",\"content\":\"Hello\",\"reasoning\":null,\"toolCalls\":[],\"toolCallId\":null,\"partial\":false}]}");

      try (ChildProcess first = relay(upstream, sessions)) {
        int port = port(first);
        HttpResponse<String> turn;
        try {
          turn =
            HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/llm/chat/session/stream"))
                    .header("Authorization", "Bearer " + TOKEN)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"session_id\":\"replay-1\",\"message\":\"Tell me about AI.\"}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
          throw new AssertionError("the turn failed" + first.describe(), e);
        }
        assertThat(turn.statusCode()).isEqualTo(200);
        assertThat(turn.body()).as(first.describe()).contains("\"done\":true");
      } // destroyForcibly: the process is killed, nothing is flushed on the way out
      JsonNode file = JSON.readTree(sessions.resolve("replay-1.json").toFile());
      assertThat(file.get("format").asInt()).isEqualTo(2);
      JsonNode saved = file.get("messages").get(1).get("stream").get("events");
      Duration savedSpan = Duration.parse(saved.get(saved.size() - 2).get("at").asText()).minus(Duration.parse(saved.get(0).get("at").asText()));

      HeadlessChromium browser = HeadlessChromium.start();
      try (ChildProcess second = relay(upstream, sessions)) {
        int port = port(second);
        int requestsBefore = upstream.requestCount();
        browser.navigate("http://127.0.0.1:" + port + "/#token=" + TOKEN + "&session=replay-1&replay=0&speed=1");
        browser.await("window.relayTrace && (window.relayTrace.done || window.relayTrace.error !== null)", Duration.ofSeconds(60));
        JsonNode trace = browser.evaluate("window.relayTrace");
        assertThat(trace.get("error").isNull()).as("error: %s%s", trace.get("error"), second.describe()).isTrue();
        assertThat(browser.evaluate("document.querySelector('.reply').textContent").asText()).isEqualTo(basic.content());
        JsonNode lengths = trace.get("lengths");
        assertThat(lengths.size()).isEqualTo(saved.size() - 1); // every content piece, one by one
        for (int i = 1; i < lengths.size(); i++) {
          assertThat(lengths.get(i).asInt()).isGreaterThan(lengths.get(i - 1).asInt());
        }
        JsonNode times = trace.get("times");
        double spanMs = times.get(times.size() - 1).asDouble() - times.get(0).asDouble();
        // paced by waits, a replay comes late under load, never early; only the first piece's way to
        // the page (the response starting) may take longer than the last's, so the bound is loose
        // (played at once, the pieces arrive within about 120 ms)
        assertThat(spanMs).as("the replay took the saved time (%s)", savedSpan).isGreaterThanOrEqualTo(savedSpan.toMillis() * 0.6);
        assertThat(savedSpan).isGreaterThan(Duration.ofMillis(600));
        JsonNode info = trace.get("info");
        assertThat(info.get("finish_reason").asText()).isEqualTo("length");
        assertThat(info.get("timings").get("predicted_n").asInt()).isEqualTo(48);
        assertThat(upstream.requestCount()).as("a replay sends nothing upstream").isEqualTo(requestsBefore);

        HttpResponse<String> unknownSession = get(port, "/api/llm/chat/session/nobody/turns/0/replay");
        assertThat(unknownSession.statusCode()).isEqualTo(404);
        assertThat(unknownSession.body()).contains("no session 'nobody'");
        HttpResponse<String> unknownTurn = get(port, "/api/llm/chat/session/replay-1/turns/1/replay");
        assertThat(unknownTurn.statusCode()).isEqualTo(404);
        assertThat(unknownTurn.body()).contains("has 1 replies").contains("no turn 1");
        HttpResponse<String> noStream = get(port, "/api/llm/chat/session/old/turns/0/replay");
        assertThat(noStream.statusCode()).isEqualTo(404);
        assertThat(noStream.body()).contains("without its stream");
        assertThat(get(port, "/api/llm/chat/session/replay-1/turns/0/replay?speed=-1").statusCode()).isEqualTo(400);
        HttpResponse<String> fastest = get(port, "/api/llm/chat/session/replay-1/turns/0/replay?speed=max");
        assertThat(fastest.statusCode()).isEqualTo(200);
        assertThat(fastest.body()).startsWith("data: {\"content\":").contains("\"done\":true,\"finish_reason\":\"length\"");
      } finally {
        browser.close();
      }
    }
  }
}
