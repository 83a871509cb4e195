package io.github.llamaclient.examples.chat;

import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.Recording;
import io.github.llamaclient.testing.StubReply;
import io.github.llamaclient.testing.StubRequest;
import io.github.llamaclient.examples.testing.Recordings;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.examples.testing.ChildProcess;
import io.github.llamaclient.examples.testing.PacedUpstream;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The terminal chat run as a process, its standard input and output piped (so it reads plain lines),
 * against a server replaying recordings; its JLine input on a terminal made of pipes, in process;
 * and the {@code ./chat} script's first build, with a stand-in for Maven.
 */
@Timeout(60)
class TerminalChatTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MAIN = TerminalChat.class.getName();
  private static final Pattern STATS =
      Pattern.compile("\\[(\\d+) tokens, [0-9.]+ tokens/s, first token after \\d+ ms, [0-9.]+ s, finish: (\\w+)]");
  private static final Duration WAIT = Duration.ofSeconds(20);

  private LlamaServerStub server;

  @BeforeEach
  void start() throws Exception {
    server = LlamaServerStub.start();
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
    Recording health = Recordings.load("health");
    Recording basic = Recordings.load("chat-stream-basic");
    server.enqueue(StubReply.of(health));
    server.enqueue(StubReply.of(basic));
    try (ChildProcess chat = ChildProcess.start(MAIN, args(server.url().resolve("/").toString(), basicFlags()), Map.of())) {
      chat.awaitStdout(s -> s.contains(TerminalChat.PROMPT), WAIT, "the prompt");
      chat.type("Tell me about AI.");
      String out = chat.awaitStdout(s -> STATS.matcher(s).find(), WAIT, "the stats line");
      assertThat(out).contains(basic.content());
      var m = STATS.matcher(out);
      assertThat(m.find()).isTrue();
      assertThat(m.group(1)).isEqualTo("48"); // predicted_n of the recording's timings
      assertThat(m.group(2)).isEqualTo("length");
      // the stats line comes right after the reply, on a line of its own
      assertThat(out).contains(basic.content() + "\n[48 tokens");

      server.takeRequest(); // GET /health
      StubRequest chatRequest = server.takeRequest();
      assertThat(chatRequest.path()).isEqualTo("/v1/chat/completions");
      assertThat(JSON.readTree(chatRequest.body())).isEqualTo(JSON.readTree(basic.requestBody()));

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
    server.enqueue(StubReply.of(Recordings.load("health")));
    try (ChildProcess chat =
        ChildProcess.start(MAIN, List.of(), Map.of("LLAMA_SERVER_URL", server.url().resolve("/").toString()))) {
      chat.awaitStdout(s -> s.contains(TerminalChat.PROMPT), WAIT, "the prompt");
      assertThat(chat.stdout()).contains("Chatting with " + server.url().resolve("/"));
      chat.endInput(); // Ctrl-D
      assertThat(chat.awaitExit(WAIT)).isZero();
    }
  }

  @Test
  void waitsVisiblyWhileTheServerLoadsItsModel() throws Exception {
    // no recording of a loading server exists: shaped as API.md section 2 says
    // (503 unavailable_error "Loading model", on every path including /health)
    StubReply loading = StubReply.loading();
    server.enqueue(loading);
    server.enqueue(loading);
    server.enqueue(loading);
    server.enqueue(StubReply.of(Recordings.load("health")));
    Recording basic = Recordings.load("chat-stream-basic");
    server.enqueue(StubReply.of(basic));
    try (ChildProcess chat = ChildProcess.start(MAIN, args(server.url().resolve("/").toString(), basicFlags()), Map.of())) {
      String out = chat.awaitStdout(s -> s.contains(TerminalChat.PROMPT), WAIT, "the prompt");
      assertThat(out).contains("is loading its model, waiting ...");
      assertThat(out).contains(" ready.");
      chat.type("Tell me about AI.");
      assertThat(chat.awaitStdout(s -> STATS.matcher(s).find(), WAIT, "the reply")).contains(basic.content());
      chat.endInput();
      assertThat(chat.awaitExit(WAIT)).isZero();
    }
  }

  @Test
  void ctrlCStopsTheReplyClosesTheConnectionAndReturnsToThePrompt() throws Exception {
    Recording basic = Recordings.load("chat-stream-basic");
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
    Recording reasoning = Recordings.load("chat-stream-reasoning");
    String thought = reasoning.events().stream()
        .filter(e -> !e.equals("[DONE]"))
        .map(e -> { try { return JSON.readTree(e); } catch (java.io.IOException x) { throw new AssertionError(x); } })
        .map(c -> c.path("choices").path(0).path("delta").path("reasoning_content"))
        .filter(JsonNode::isTextual)
        .map(JsonNode::asText)
        .reduce("", String::concat);
    assertThat(thought).isNotBlank();

    server.enqueue(StubReply.of(Recordings.load("health")));
    server.enqueue(StubReply.of(reasoning));
    try (ChildProcess chat = ChildProcess.start(MAIN, args(server.url().resolve("/").toString(), "--no-color"), Map.of())) {
      chat.awaitStdout(s -> s.contains(TerminalChat.PROMPT), WAIT, "the prompt");
      chat.type("Why is the sky blue?");
      String out = chat.awaitStdout(s -> STATS.matcher(s).find(), WAIT, "the stats line");
      assertThat(out).contains("(thinking) " + thought);
      chat.endInput();
      chat.awaitExit(WAIT);
    }

    server.enqueue(StubReply.of(Recordings.load("health")));
    server.enqueue(StubReply.of(reasoning));
    try (ChildProcess chat =
        ChildProcess.start(MAIN, args(server.url().resolve("/").toString(), "--no-color", "--hide-reasoning"), Map.of())) {
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
    Recording basic = Recordings.load("chat-stream-basic");
    server.enqueue(StubReply.of(Recordings.load("health")));
    server.enqueue(StubReply.of(basic));
    server.enqueue(StubReply.of(basic));
    Path saved = dir.resolve("chat.json");
    try (ChildProcess chat = ChildProcess.start(MAIN, args(server.url().resolve("/").toString(), basicFlags()), Map.of())) {
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
    assertThat(file.get("messages").get(1).get("content").asText()).isEqualTo(basic.content());

    server.takeRequest(); // health
    server.takeRequest(); // first turn
    JsonNode second = JSON.readTree(server.takeRequest().body());
    JsonNode messages = second.get("messages");
    assertThat(messages).hasSize(4);
    assertThat(messages.get(0).get("content").asText()).isEqualTo("You are terse.");
    assertThat(messages.get(1).get("content").asText()).isEqualTo("Tell me about AI.");
    assertThat(messages.get(2).get("content").asText()).isEqualTo(basic.content());
    assertThat(messages.get(3).get("content").asText()).isEqualTo("And then?");
  }

  /** A chat reply in the recordings' chunk shape. */
  private static StubReply sseReply(String... contents) {
    return StubReply.chatStream().content(contents).build();
  }

  @Test
  void controlCharactersFromTheModelAreEscapedNewlinesAndTabsKept() throws Exception {
    server.enqueue(StubReply.of(Recordings.load("health")));
    // clear screen, a carriage return, a bell, a C1 control, a right-to-left override
    server.enqueue(sseReply("a\u001b[2Jb", "\rc\u0007", "\td\ne", "\u009bf\u202eg"));
    try (ChildProcess chat = ChildProcess.start(MAIN, args(server.url().resolve("/").toString()), Map.of())) {
      chat.awaitStdout(s -> s.contains(TerminalChat.PROMPT), WAIT, "the prompt");
      chat.type("Hi");
      String out = chat.awaitStdout(s -> s.contains("finish: stop]"), WAIT, "the stats line");
      assertThat(out).contains("a^[[2Jb^Mc^G\td\ne\\u009bf\\u202eg");
      assertThat(out.chars().filter(c -> (c < 0x20 && c != '\n' && c != '\t') || (c >= 0x7f && c <= 0x9f) || c == 0x202e))
          .as("raw control characters on stdout")
          .isEmpty();
      chat.endInput();
      assertThat(chat.awaitExit(WAIT)).isZero();
    }
  }

  @Test
  void a401SaysHowToGiveTheServersKey() throws Exception {
    server.enqueue(StubReply.of(Recordings.load("auth-health-public")));
    server.enqueue(StubReply.of(Recordings.load("auth-missing-key")));
    try (ChildProcess chat = ChildProcess.start(MAIN, args(server.url().resolve("/").toString()), Map.of())) {
      chat.awaitStdout(s -> s.contains(TerminalChat.PROMPT), WAIT, "the prompt");
      chat.type("Hi");
      chat.awaitStdout(s -> chat.count(TerminalChat.PROMPT) == 2, WAIT, "the next prompt");
      chat.endInput();
      assertThat(chat.awaitExit(WAIT)).isZero();
      assertThat(chat.stderr())
          .contains("wants an API key (401): it was started with --api-key")
          .contains("./chat --api-key KEY (or set LLAMA_API_KEY)");
    }
  }

  @Test
  void aWrongKeyIsCalledWrong() throws Exception {
    server.enqueue(StubReply.of(Recordings.load("auth-health-public")));
    server.enqueue(StubReply.of(Recordings.load("auth-wrong-key")));
    try (ChildProcess chat = ChildProcess.start(MAIN, args(server.url().resolve("/").toString(), "--api-key", "sk-wrong"), Map.of())) {
      chat.awaitStdout(s -> s.contains(TerminalChat.PROMPT), WAIT, "the prompt");
      chat.type("Hi");
      chat.awaitStdout(s -> chat.count(TerminalChat.PROMPT) == 2, WAIT, "the next prompt");
      chat.endInput();
      chat.awaitExit(WAIT);
      assertThat(chat.stderr()).contains("refused the API key given (401)").contains("--api-key KEY");
    }
  }

  @Test
  void aServerThatListensButNeverAnswersIsToldApartWithTheTimeWaited() throws Exception {
    try (LlamaServerStub silent = LlamaServerStub.start()) { // reads the request, never answers
      silent.answer(request -> StubReply.json(200, "{}").slowFirstToken(Duration.ofDays(1)));
      String url = silent.url().toString();
      try (ChildProcess chat = ChildProcess.start(MAIN, args(url, "--wait", "1"), Map.of())) {
        assertThat(chat.awaitExit(WAIT)).as(chat.describe()).isEqualTo(2);
        assertThat(chat.stderr())
            .contains("Something is listening at " + url + " but did not answer GET /health")
            .containsPattern("waited [1-9]\\.\\d s")
            .doesNotContain("No llama-server answers");
        assertThat(chat.stdout()).doesNotContain(TerminalChat.PROMPT);
      }
      assertThat(silent.requestCount()).isPositive();
    }
  }

  @Test
  void theInputLineCanBeEditedRecallsHistoryAndTakesAPasteAsOneMessage() throws Exception {
    Recording basic = Recordings.load("chat-stream-basic");
    server.enqueue(StubReply.of(Recordings.load("health")));
    for (int i = 0; i < 3; i++) {
      server.enqueue(StubReply.of(basic));
    }
    PipedOutputStream keys = new PipedOutputStream();
    PipedInputStream terminalIn = new PipedInputStream(keys, 1 << 16);
    ByteArrayOutputStream screen = new ByteArrayOutputStream();
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    Terminal terminal =
        TerminalBuilder.builder().system(false).streams(terminalIn, screen).type("xterm").size(new Size(80, 24)).build();
    ChatOptions options = ChatOptions.parse(List.of("--no-color"), false);
    try (LlamaClient client = LlamaClient.builder().baseUrl(server.url()).build()) {
      TerminalChat chat =
          new TerminalChat(client, client, options, false, new PrintStream(printed, true, StandardCharsets.UTF_8));
      java.util.concurrent.CompletableFuture<Integer> code =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> chat.run(LineInput.jline(terminal), new PrintStream(errors, true, StandardCharsets.UTF_8)));
      // "helo", cursor left, "l": hello; then arrow up recalls it; then a bracketed paste of two lines
      // (the arrows as an xterm sends them in the keypad mode JLine switches on)
      keys.write("helo\u001bODl\r".getBytes(StandardCharsets.UTF_8));
      keys.write("\u001bOA\r".getBytes(StandardCharsets.UTF_8));
      keys.write("\u001b[200~line one\nline two\u001b[201~\r".getBytes(StandardCharsets.UTF_8));
      keys.flush();
      // Ctrl-D once the third reply is done and the line editor asks for the next line (its fourth
      // prompt): typed earlier, the key watcher of the ending reply could take it (CI saw that once)
      long end = System.nanoTime() + WAIT.toNanos();
      while ((STATS.matcher(printed.toString(StandardCharsets.UTF_8)).results().count() < 3
              || screen.toString(StandardCharsets.UTF_8).split("\u001b\\[\\?2004h> ", -1).length - 1 < 4)
          && System.nanoTime() < end) {
        Thread.sleep(10);
      }
      keys.write(4);
      keys.flush();
      Integer exit;
      try {
        exit = code.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        throw new AssertionError(
            "the chat did not end; screen:\n" + screen.toString(StandardCharsets.UTF_8).replace("\u001b", "^[")
                + "\nprinted:\n" + printed.toString(StandardCharsets.UTF_8) + "\nerrors:\n" + errors.toString(StandardCharsets.UTF_8),
            e);
      }
      assertThat(exit).as(errors.toString(StandardCharsets.UTF_8)).isZero();
    } finally {
      terminal.close();
    }
    server.takeRequest(); // health
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      JsonNode messages = JSON.readTree(server.takeRequest().body()).get("messages");
      sent.add(messages.get(messages.size() - 1).get("content").asText());
    }
    assertThat(sent).containsExactly("hello", "hello", "line one\nline two");
    assertThat(STATS.matcher(printed.toString(StandardCharsets.UTF_8)).results().count()).isEqualTo(3);
  }

  @Test
  void theFirstBuildShowsItsProgress(@TempDir Path root) throws Exception {
    Path repo = Path.of("..").toAbsolutePath().normalize();
    Files.copy(repo.resolve("chat"), root.resolve("chat"));
    for (String src : List.of("llama-client-core/src", "llama-client-session/src", "examples/src")) {
      Files.createDirectories(root.resolve(src));
    }
    // a stand-in for the Maven wrapper: Maven's lines for a two-module build (none with -q, as Maven),
    // then the jar; and for java, which the script runs last
    Files.writeString(
        root.resolve("mvnw"),
        String.join(
            "\n",
            "#!/bin/sh",
            "for a in \"$@\"; do [ \"$a\" = -q ] && { mkdir -p examples/target; : > examples/target/llama-chat.jar; exit 0; }; done",
            "echo '[INFO] Scanning for projects...'",
            "echo 'Downloaded from central: https://repo.example/a.jar (10 kB at 1 MB/s)'",
            "echo '[INFO] Building llama-client core 0.1.0-SNAPSHOT                             [1/2]'",
            "echo '[INFO] Building examples 0.1.0-SNAPSHOT                                      [2/2]'",
            "mkdir -p examples/target; : > examples/target/llama-chat.jar",
            ""));
    Path bin = Files.createDirectories(root.resolve("bin"));
    Files.writeString(bin.resolve("java"), "#!/bin/sh\necho \"chat started: $*\"\n");
    for (Path p : List.of(root.resolve("mvnw"), root.resolve("chat"), bin.resolve("java"))) {
      p.toFile().setExecutable(true);
    }
    ProcessBuilder pb = new ProcessBuilder("sh", root.resolve("chat").toString(), "--help").redirectErrorStream(false);
    pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    Process p = pb.start();
    String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(stderr).isZero();
    assertThat(stderr)
        .contains("Building the chat (first run only)")
        .contains("downloading libraries: 1 files so far")
        .contains("  building llama-client core 0.1.0-SNAPSHOT [1/2]")
        .contains("  building examples 0.1.0-SNAPSHOT [2/2]")
        .containsPattern("Built in \\d+ s\\.");
    assertThat(stdout).contains("chat started: -jar " + root.resolve("examples/target/llama-chat.jar") + " --help");
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
