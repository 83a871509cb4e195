package io.github.llamaclient.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.ChatStream;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.testing.Transcript;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Generation progress events from a recorded reply with the server's timings per token: every
 * {@code progress-every} tokens the server's count and rate, and the time left to {@code
 * max_tokens} at that rate.
 */
@Timeout(30)
class ProgressEventsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void everyFourTokensTheServersCountRateAndTimeLeft() throws Exception {
    Transcript t = Transcript.load("chat-stream-timings-per-token");
    List<String> out = new ArrayList<>();
    try (Upstream upstream = new Upstream();
        LlamaClient client = LlamaClient.builder().baseUrl(upstream.url()).build()) {
      upstream.onChat = c -> Upstream.replay(c, t);
      RelayEvents.Turn turn = new RelayEvents(Set.of("progress"), 4).turn(12);
      try (ChatStream events = client.chat().stream(ChatRequest.builder().user("Hi").maxTokens(12).timingsPerToken(true).build())) {
        for (ChatEvent e : events) {
          turn.map(e, out::add);
        }
      }
    }

    List<JsonNode> progress = new ArrayList<>();
    int contents = 0;
    for (String json : out) {
      JsonNode n = JSON.readTree(json);
      if (n.has("progress")) {
        progress.add(n.get("progress"));
      } else {
        assertThat(n.has("content")).as(json).isTrue();
        contents++;
      }
    }
    assertThat(contents).isEqualTo(12);
    List<Integer> tokens = new ArrayList<>();
    progress.forEach(p -> tokens.add(p.get("tokens").asInt()));
    assertThat(tokens).containsExactly(4, 8, 12);
    for (JsonNode p : progress) {
      double rate = serverRate(t, p.get("tokens").asInt());
      assertThat(p.get("tokens_per_second").asDouble()).isEqualTo(rate);
      assertThat(p.get("max_tokens").asInt()).isEqualTo(12);
      assertThat(p.get("eta_ms").asLong()).isEqualTo(Math.round((12 - p.get("tokens").asInt()) * 1000 / rate));
    }
    assertThat(progress.get(2).get("eta_ms").asLong()).isZero();
    int first = 0;
    while (!out.get(first).startsWith("{\"progress\"")) {
      first++;
    }
    assertThat(first).as("the first progress event follows the fourth piece").isEqualTo(4);
  }

  @Test
  void withoutProgressOnlyTheSeedsEvents() throws Exception {
    RelayEvents.Turn turn = new RelayEvents(Set.of(), 1).turn(12);
    List<String> out = new ArrayList<>();
    turn.map(new ChatEvent.Content("a"), out::add);
    turn.map(new ChatEvent.Reasoning("thinking"), out::add);
    turn.map(new ChatEvent.Progress(10, 0, 5, 3), out::add);
    assertThat(out).containsExactly("{\"content\":\"a\"}");

    RelayEvents.Turn all = new RelayEvents(Set.of("reasoning", "progress"), 100).turn(12);
    List<String> more = new ArrayList<>();
    all.map(new ChatEvent.Reasoning("thinking"), more::add);
    all.map(new ChatEvent.Progress(10, 2, 5, 3), more::add);
    assertThat(more)
        .containsExactly("{\"reasoning\":\"thinking\"}", "{\"progress\":{\"total\":10,\"cache\":2,\"processed\":5,\"time_ms\":3}}");
  }

  /** The recording's predicted_per_second at the chunk that reached {@code n} tokens. */
  private static double serverRate(Transcript t, int n) {
    for (JsonNode chunk : t.chunks()) {
      JsonNode timings = chunk.path("timings");
      if (timings.path("predicted_n").asInt() == n) {
        return timings.get("predicted_per_second").asDouble();
      }
    }
    throw new AssertionError("no chunk with predicted_n " + n);
  }
}
