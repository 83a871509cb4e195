package io.github.llamaclient.examples.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.ChatStream;
import io.github.llamaclient.CompletionRequest;
import io.github.llamaclient.CompletionStream;
import io.github.llamaclient.FinishReason;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.SlotInfo;
import io.github.llamaclient.ToolChoice;
import io.github.llamaclient.ToolLoopResult;
import io.github.llamaclient.examples.console.ConsoleStreaming;
import io.github.llamaclient.examples.testing.ChildProcess;
import io.github.llamaclient.examples.tools.LocalTools;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Against a real llama-server (started by {@code .ci/live-check.sh} with a tiny random model, which
 * sets {@code LLAMA_LIVE_URL}): every face streams a reply, closing a stream early makes the server
 * stop generating, and the tool-loop example runs to the end, also when a call is cut. Runs only where that server is; the replay tests cover everything else.
 */
@EnabledIfEnvironmentVariable(named = "LLAMA_LIVE_URL", matches = "http://.+")
@Timeout(120)
class LiveServerTest {
  private static final int TOKENS = 16;
  private static LlamaClient client;

  @BeforeAll
  static void connect() {
    client = LlamaClient.builder().baseUrl(System.getenv("LLAMA_LIVE_URL")).build();
    client.server().awaitReady(Duration.ofSeconds(30));
  }

  @AfterAll
  static void close() {
    client.close();
  }

  private static ChatRequest request(int maxTokens) {
    // the random model may pick its end-of-text token; ignore_eos makes every reply run to the limit
    return ChatRequest.builder().user("Tell me about AI.").maxTokens(maxTokens).parameter("ignore_eos", true).build();
  }

  @Test
  void everyFaceStreamsAReply() throws Exception {
    try (ChatStream s = client.chat().stream(request(TOKENS))) {
      StringBuilder text = new StringBuilder();
      for (ChatEvent e : s) {
        if (e instanceof ChatEvent.Content c) {
          text.append(c.text());
        }
      }
      ChatResult r = s.result();
      assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
      assertThat(r.text()).isEqualTo(text.toString());
      assertThat(r.timings()).isNotNull();
      assertThat(r.timings().predictedN()).isEqualTo(TOKENS);
    }
    try (Stream<String> s = client.generateStream(request(TOKENS))) {
      assertThat(s.count()).isPositive();
    }
    assertThat(client.chat().call(request(TOKENS)).finishReason()).isEqualTo(FinishReason.LENGTH);
    assertThat(client.chat().callAsync(request(TOKENS)).get(30, TimeUnit.SECONDS).finishReason()).isEqualTo(FinishReason.LENGTH);
    try (CompletionStream s =
        client.completions().stream(CompletionRequest.builder().prompt("Once upon a time").nPredict(TOKENS).parameter("ignore_eos", true).build())) {
      s.forEach(e -> {});
      assertThat(s.result().timings().predictedN()).isEqualTo(TOKENS);
    }
  }

  @Test
  void closingAStreamStopsTheServerGenerating() throws Exception {
    double before = client.server().metrics().tokensPredictedTotal();
    try (Stream<String> s = client.generateStream(request(8000))) {
      assertThat(s.limit(5).count()).isEqualTo(5);
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
    while (client.slots().list().stream().anyMatch(SlotInfo::processing) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(client.slots().list()).as("the server stopped within 0.5 s").noneMatch(SlotInfo::processing);
    // no slot is processing: the closed stream's generation ended, and its tokens are counted
    double generated = client.server().metrics().tokensPredictedTotal() - before;
    assertThat(generated).as("tokens generated for the closed stream").isLessThan(2000);
  }

  @Test
  void theConsoleExampleStreamsFromIt() throws Exception {
    try (ChildProcess p =
        ChildProcess.start(
            ConsoleStreaming.class.getName(),
            List.of("Tell", "me", "about", "AI."),
            Map.of("LLAMA_SERVER_URL", System.getenv("LLAMA_LIVE_URL"), "LLM_MAX_TOKENS", "12"))) {
      assertThat(p.awaitExit(Duration.ofSeconds(60))).as(p.describe()).isZero();
      assertThat(p.stdout()).isNotBlank();
    }
  }

  @Test
  @Timeout(300) // two replies of up to 120 tokens under a grammar: slow on a busy 2-core machine
  void theToolLoopExampleRunsToTheEnd() throws Exception {
    // the tiny model calls get_weather in the first round (tool_choice required: the server's grammar
    // holds it to the template's call format), reads the result and answers in the second
    try (ChildProcess p =
        ChildProcess.start(
            LocalTools.class.getName(),
            List.of("--required", "What", "is", "the", "weather", "in", "Paris?"),
            Map.of("LLAMA_SERVER_URL", System.getenv("LLAMA_LIVE_URL"), "LLM_MAX_TOKENS", "120"))) {
      assertThat(p.awaitExit(Duration.ofSeconds(280))).as(p.describe()).isZero();
      assertThat(p.stdout()).as(p.describe()).contains("[get_weather {");
      assertThat(p.stderr()).as(p.describe()).doesNotContain("Exception").doesNotContain("\tat ");
    }
  }

  @Test
  @Timeout(300)
  void aToolCallCutByMaxTokensIsToldToTheModelAndTheLoopGoesOn() {
    // A reply cut by max_tokens inside the call's arguments ({"city": "... or {) must never go back
    // as it is (llama-server would answer 500 to every later round). Where the cut falls depends on
    // the tiny model's output, which even greedy varies with what the server's other slot does: the
    // limit steps through the range where the call's opening ends and its arguments begin. Every
    // limit that gives a call must see the loop go on; at least one must have cut the arguments.
    List<String> seen = new java.util.ArrayList<>();
    boolean cut = false;
    for (int limit = 24; limit <= 60 && !cut; limit += 2) {
      try (LlamaClient small =
          LlamaClient.builder().baseUrl(System.getenv("LLAMA_LIVE_URL")).defaultMaxTokens(limit).defaultTemperature(0).build()) {
        ToolLoopResult r =
            LocalTools.run(
                small,
                "What is the weather in Paris?",
                ToolChoice.REQUIRED,
                5,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        if (r.messages().size() < 2 || r.messages().get(1).toolCalls().isEmpty()) {
          seen.add(limit + ": no call yet");
          continue; // cut before the call's arguments began: no call to tell about
        }
        assertThat(r.result().toolCalls()).isEmpty();
        assertThat(r.rounds()).isGreaterThanOrEqualTo(2);
        ChatMessage calls = r.messages().get(1);
        ChatMessage told = r.messages().get(1 + calls.toolCalls().size());
        assertThat(told.role()).isEqualTo("tool");
        seen.add(limit + ": " + told.content());
        if (told.content().contains("max_tokens")) {
          assertThat(told.content()).contains("\"error\"");
          assertThat(calls.toolCalls().get(calls.toolCalls().size() - 1).arguments()).isEqualTo("{}");
          cut = true;
        }
      }
    }
    assertThat(cut).as("a call cut by max_tokens; told: %s", seen).isTrue();
  }

  @Test
  void smallEndpointsAnswer() {
    assertThat(client.server().props().totalSlots()).isEqualTo(2);
    List<Integer> ids = client.tokenizer().tokenize("hello world").stream().map(t -> t.id()).collect(Collectors.toList());
    assertThat(client.tokenizer().detokenize(ids)).contains("hello world");
  }
}
