package io.github.llamaclient.examples.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.examples.testing.ChildProcess;
import io.github.llamaclient.examples.testing.PacedUpstream;
import io.github.llamaclient.testing.Transcript;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The terminal chat run as a process, its standard input and output piped, against a server
 * replaying recordings.
 */
@Timeout(60)
class TerminalChatTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MAIN = TerminalChat.class.getName();
  private static final Pattern STATS =
      Pattern.compile("\\[(\\d+) tokens, [0-9.]+ tokens/s, first token after \\d+ ms, [0-9.]+ s, finish: (\\w+)]");
  private static final Duration WAIT = Duration.ofSeconds(20);

  private MockWebServer server;

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private List<String> args(String url, String... more) {
    List<String> a = new ArrayList<>(List.of("--url", url));
    a.addAll(List.of(more));
    return a;
  }

  /** The recorded basic chat: the same request as recorded, so the recorded reply fits it. */
  private static String[] basicFlags() {
    return new String[] {
      "--system", "You are a helpful assistant.", "--max-tokens", "48", "--temperature", "0.8", "--seed", "1"
    };
  }

  @Test
  void streamsTheReplyThenOneStatsLineAndSendsTheRecordedRequest() throws Exception {
    Transcript health = Transcript.load("health");
    Transcript basic = Transcript.load("chat-stream-basic");
    server.enqueue(health.response());
    server.enqueue(basic.response());
    try (ChildProcess chat = ChildProcess.start(MAIN, args(server.url("/").toString(), basicFlags()), Map.of())) {
      chat.awaitStdout(s -> s.contains(TerminalChat.PROMPT), WAIT, "the prompt");
      chat.type("Tell me about AI.");
      String out = chat.awaitStdout(s -> STATS.matcher(s).find(), WAIT, "the stats line");
      assertThat(out).contains(basic.expectedContent());
      var m = STATS.matcher(out);
      assertThat(m.find()).isTrue();
      assertThat(m.group(1)).isEqualTo("48"); // predicted_n of the recording's timings
      assertThat(m.group(2)).isEqualTo("length");
      // the stats line comes right after the reply, on a line of its own
      assertThat(out).contains(basic.expectedContent() + "\n[48 tokens");

      server.takeRequest(); // GET /health
      RecordedRequest chatRequest = server.takeRequest();
      assertThat(chatRequest.getUrl().encodedPath()).isEqualTo("/v1/chat/completions");
      assertThat(JSON.readTree(chatRequest.getBody().utf8())).isEqualTo(basic.requestBody());

      chat.type("/exit");
      assertThat(chat.awaitExit(WAIT)).isZero();
      assertThat(chat.stderr()).isEmpty();
    }
  }

  @Test
  void noServerGivesOneClearMessageAndAFailingExitCode() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    String url = "http://127.0.0.1:" + port;
    try (ChildProcess chat = ChildProcess.start(MAIN, args(url), Map.of())) {
      int code = chat.awaitExit(WAIT);
      assertThat(code).isEqualTo(2);
      String err = chat.stderr();
      assertThat(err).containsOnlyOnce("No llama-server answers at " + url);
      assertThat(err).contains("llama-server -hf ").contains("llama-server -m ").contains("--url");
      assertThat(err.lines().count()).isLessThanOrEqualTo(6);
      assertThat(chat.stdout()).doesNotContain(TerminalChat.PROMPT);
    }
  }

  @Test
  void theUrlComesFromTheEnvironmentWhenNoFlagSetsIt() throws Exception {
    server.enqueue(Transcript.load("health").response());
    try (ChildProcess chat =
        ChildProcess.start(MAIN, List.of(), Map.of("LLAMA_SERVER_URL", server.url("/").toString()))) {
      chat.awaitStdout(s -> s.contains(TerminalChat.PROMPT), WAIT, "the prompt");
      assertThat(chat.stdout()).contains("Chatting with " + server.url("/"));
      chat.endInput(); // Ctrl-D
      assertThat(chat.awaitExit(WAIT)).isZero();
    }
  }

  @Test
  void waitsVisiblyWhileTheServerLoadsItsModel() throws Exception {
    // no recording of a loading server exists: shaped as API.md section 2 says
    // (503 unavailable_error "Loading model", on every path including /health)
    MockResponse loading =
        new MockResponse.Builder()
            .code(503)
            .addHeader("Content-Type", "application/json; charset=utf-8")
            .body("{\"error\":{\"message\":\"Loading model\",\"type\":\"unavailable_error\",\"code\":503}}")
            .build();
    server.enqueue(loading);
    server.enqueue(loading);
    server.enqueue(loading);
    server.enqueue(Transcript.load("health").response());
    Transcript basic = Transcript.load("chat-stream-basic");
    server.enqueue(basic.response());
    try (ChildProcess chat = ChildProcess.start(MAIN, args(server.url("/").toString(), basicFlags()), Map.of())) {
      String out = chat.awaitStdout(s -> s.contains(TerminalChat.PROMPT), WAIT, "the prompt");
      assertThat(out).contains("is loading its model, waiting ...");
      assertThat(out).contains(" ready.");
      chat.type("Tell me about AI.");
      assertThat(chat.awaitStdout(s -> STATS.matcher(s).find(), WAIT, "the reply")).contains(basic.expectedContent());
      chat.endInput();
      assertThat(chat.awaitExit(WAIT)).isZero();
    }
  }

  @Test
  void ctrlCStopsTheReplyClosesTheConnectionAndReturnsToThePrompt() throws Exception {
    Transcript basic = Transcript.load("chat-stream-basic");
    try (PacedUpstream upstream = new PacedUpstream(basic, Duration.ofMillis(150));
        ChildProcess chat = ChildProcess.start(MAIN, args(upstream.url().toString(), basicFlags()), Map.of())) {
      chat.awaitStdout(s -> s.contains(TerminalChat.PROMPT), WAIT, "the prompt");
      int afterPrompt = chat.stdout().length();
      chat.type("Tell me about AI.");
      // the reply grows piece by piece on the screen
      TreeSet<Integer> lengths = new TreeSet<>();
      long end = System.nanoTime() + WAIT.toNanos();
      while (lengths.size() < 4 && System.nanoTime() < end) {
        int len = chat.stdout().length() - afterPrompt;
        if (len > 0) {
          lengths.add(len);
        }
        Thread.sleep(10);
      }
      assertThat(lengths).as("distinct lengths of the reply on screen").hasSizeGreaterThanOrEqualTo(4);

      chat.interrupt();
      chat.awaitStdout(s -> s.contains(TerminalChat.STOPPED), WAIT, "the stop mark");
      assertThat(upstream.awaitClientClose(Duration.ofSeconds(10))).as("the connection was closed").isTrue();
      assertThat(upstream.segmentsWritten()).isLessThan(upstream.totalSegments());
      String out = chat.awaitStdout(s -> s.endsWith(TerminalChat.PROMPT), WAIT, "a new prompt");
      assertThat(out).doesNotContain("tokens/s");
      assertThat(chat.count(TerminalChat.PROMPT)).isEqualTo(2);

      chat.interrupt(); // a second Ctrl-C, at the prompt, quits
      assertThat(chat.awaitExit(WAIT)).isEqualTo(130);
      assertThat(chat.stderr()).isEmpty();
    }
  }

  @Test
  void reasoningIsShownApartOrHidden() throws Exception {
    Transcript reasoning = Transcript.load("chat-stream-reasoning");
    String thought = reasoning.chunks().stream()
        .map(c -> c.path("choices").path(0).path("delta").path("reasoning_content"))
        .filter(JsonNode::isTextual)
        .map(JsonNode::asText)
        .reduce("", String::concat);
    assertThat(thought).isNotBlank();

    server.enqueue(Transcript.load("health").response());
    server.enqueue(reasoning.response());
    try (ChildProcess chat = ChildProcess.start(MAIN, args(server.url("/").toString(), "--no-color"), Map.of())) {
      chat.awaitStdout(s -> s.contains(TerminalChat.PROMPT), WAIT, "the prompt");
      chat.type("Why is the sky blue?");
      String out = chat.awaitStdout(s -> STATS.matcher(s).find(), WAIT, "the stats line");
      assertThat(out).contains("(thinking) " + thought);
      chat.endInput();
      chat.awaitExit(WAIT);
    }

    server.enqueue(Transcript.load("health").response());
    server.enqueue(reasoning.response());
    try (ChildProcess chat =
        ChildProcess.start(MAIN, args(server.url("/").toString(), "--no-color", "--hide-reasoning"), Map.of())) {
      chat.awaitStdout(s -> s.contains(TerminalChat.PROMPT), WAIT, "the prompt");
      chat.type("Why is the sky blue?");
      String out = chat.awaitStdout(s -> STATS.matcher(s).find(), WAIT, "the stats line");
      assertThat(out).doesNotContain("(thinking)").doesNotContain(thought.strip());
      chat.endInput();
      chat.awaitExit(WAIT);
    }
  }

  @Test
  void commandsSaveLoadResetAndSetTheSystemPrompt(@TempDir Path dir) throws Exception {
    Transcript basic = Transcript.load("chat-stream-basic");
    server.enqueue(Transcript.load("health").response());
    server.enqueue(basic.response());
    server.enqueue(basic.response());
    Path saved = dir.resolve("chat.json");
    try (ChildProcess chat = ChildProcess.start(MAIN, args(server.url("/").toString(), basicFlags()), Map.of())) {
      chat.awaitStdout(s -> s.contains(TerminalChat.PROMPT), WAIT, "the prompt");
      chat.type("/help");
      chat.awaitStdout(s -> s.contains("/save FILE"), WAIT, "the help");
      chat.type("Tell me about AI.");
      chat.awaitStdout(s -> STATS.matcher(s).find(), WAIT, "the reply");
      chat.type("/save " + saved);
      chat.awaitStdout(s -> s.contains("(saved 2 messages"), WAIT, "saved");
      chat.type("/reset");
      chat.awaitStdout(s -> s.contains("(conversation cleared)"), WAIT, "reset");
      chat.type("/load " + saved);
      chat.awaitStdout(s -> s.contains("(loaded 2 messages"), WAIT, "loaded");
      chat.type("/system You are terse.");
      chat.awaitStdout(s -> s.contains("(system prompt set)"), WAIT, "system set");
      chat.type("And then?");
      chat.awaitStdout(s -> STATS.matcher(s).results().count() == 2, WAIT, "the second reply");
      chat.type("/load " + dir.resolve("missing.json"));
      chat.type("/exit");
      assertThat(chat.awaitExit(WAIT)).isZero();
      assertThat(chat.stderr()).contains("load failed").contains("missing.json");
    }
    JsonNode file = JSON.readTree(saved.toFile());
    assertThat(file.get("system").asText()).isEqualTo("You are a helpful assistant.");
    assertThat(file.get("messages")).hasSize(2);
    assertThat(file.get("messages").get(1).get("content").asText()).isEqualTo(basic.expectedContent());

    server.takeRequest(); // health
    server.takeRequest(); // first turn
    JsonNode second = JSON.readTree(server.takeRequest().getBody().utf8());
    JsonNode messages = second.get("messages");
    assertThat(messages).hasSize(4);
    assertThat(messages.get(0).get("content").asText()).isEqualTo("You are terse.");
    assertThat(messages.get(1).get("content").asText()).isEqualTo("Tell me about AI.");
    assertThat(messages.get(2).get("content").asText()).isEqualTo(basic.expectedContent());
    assertThat(messages.get(3).get("content").asText()).isEqualTo("And then?");
  }

  @Test
  void statsFallBackToTheLocalClockWithoutTimings() {
    var result =
        io.github.llamaclient.ChatResult.builder().text("hi").finishReason(io.github.llamaclient.FinishReason.STOP).build();
    io.github.llamaclient.LiveStats live = new io.github.llamaclient.LiveStats();
    for (int i = 0; i < 10; i++) {
      live.accept(new io.github.llamaclient.ChatEvent.Content("x"));
    }
    live.accept(new io.github.llamaclient.ChatEvent.Done(result));
    String line = TerminalChat.stats(result, live, 20_000_000L, 1_020_000_000L);
    // ten pieces counted as ten tokens; the speed measured on the local clock (a number, or ? when
    // the clock saw no time pass between the pieces)
    assertThat(line).matches("\\[10 tokens, ([0-9.]+|\\?) tokens/s, first token after 20 ms, 1\\.0 s, finish: stop]");
  }

  @Test
  void aBadSavedFileIsRefusedWithItsName(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, "{\"messages\": []}");
    Conversation c = new Conversation(null);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.load(bad))
        .hasMessageContaining(bad.toString())
        .hasMessageContaining("not a saved chat");
  }
}
