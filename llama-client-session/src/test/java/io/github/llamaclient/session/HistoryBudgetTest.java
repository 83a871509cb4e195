package io.github.llamaclient.session;

import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.Recording;
import io.github.llamaclient.testing.StubReply;
import io.github.llamaclient.testing.StubRequest;
import static io.github.llamaclient.session.Fixtures.body;
import static io.github.llamaclient.session.Fixtures.take;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.ToolCall;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** History budgets: whole turns, oldest first; system prompt and tool groups kept whole; exact or estimated counts. */
@Timeout(30)
class HistoryBudgetTest {
  /** Four turns; the second holds a tool call and its result. */
  static final List<ChatMessage> HISTORY =
      List.of(
          ChatMessage.user("u1"),
          ChatMessage.assistant("a1"),
          ChatMessage.user("u2"),
          ChatMessage.assistant("", List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"))),
          ChatMessage.tool("call_1", "{\"temp\":21}"),
          ChatMessage.assistant("a2"),
          ChatMessage.user("u3"),
          ChatMessage.assistant("a3"));

  private LlamaServerStub server;
  private LlamaClient client;
  private SessionStore store;

  @BeforeEach
  void start() throws Exception {
    server = LlamaServerStub.start();
    client = Fixtures.client(server);
    store = SessionStore.inMemory();
    store.save(
        SessionState.empty("s", "SYS", GenerationOptions.none())
            .withMessages(HISTORY.stream().map(SessionMessage::of).toList()));
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  private ChatSession session(HistoryBudget budget) {
    return SessionManager.builder(client).store(store).historyBudget(budget).build().session("s");
  }

  private static List<String> sentContents(JsonNode chatBody) {
    List<String> out = new ArrayList<>();
    for (JsonNode m : chatBody.get("messages")) {
      out.add(m.get("role").asText() + ":" + m.path("content").asText());
    }
    return out;
  }

  private StubRequest takeChat() throws InterruptedException {
    while (true) {
      StubRequest r = take(server);
      if (r.target().equals("/v1/chat/completions")) {
        return r;
      }
    }
  }

  @Test
  void messageBudgetDropsWholeTurnsOldestFirstAndKeepsTheSystemPrompt() throws Exception {
    server.enqueue(StubReply.of(Fixtures.recording("chat-stream-basic")));
    ChatSession s = session(HistoryBudget.messages(6));

    s.send("u4");

    // 9 messages do not fit in 6; dropping turn 1 leaves 7; dropping turn 2 (tool call and result together) leaves 3
    assertThat(sentContents(body(takeChat()))).containsExactly("system:SYS", "user:u3", "assistant:a3", "user:u4");
    assertThat(s.history()).hasSize(10); // trimming applies to what is sent; the stored history is whole
  }

  @Test
  void aToolCallAndItsResultAreNeverSplit() throws Exception {
    server.enqueue(StubReply.of(Fixtures.recording("chat-stream-basic")));
    ChatSession s = session(HistoryBudget.messages(7));

    s.send("u4");

    // keeping turn 2 needs 4+2+1 = 7 messages: it fits whole, tool call and result together
    assertThat(sentContents(body(takeChat())))
        .containsExactly(
            "system:SYS", "user:u2", "assistant:", "tool:{\"temp\":21}", "assistant:a2", "user:u3", "assistant:a3", "user:u4");
  }

  @Test
  void toolResultsAreSentWithTheCallsTheyAnswerEvenOverBudget() throws Exception {
    store.save(
        SessionState.empty("s", "SYS", GenerationOptions.none())
            .withMessages(HISTORY.subList(0, 4).stream().map(SessionMessage::of).toList()));
    server.enqueue(StubReply.of(Fixtures.recording("chat-stream-basic")));
    ChatSession s = session(HistoryBudget.messages(1));

    s.sendToolResults(List.of(ChatMessage.tool("call_1", "{\"temp\":21}")));

    assertThat(sentContents(body(takeChat())))
        .containsExactly("system:SYS", "user:u2", "assistant:", "tool:{\"temp\":21}");
  }

  @Test
  void trimStoredAlsoDropsTheTurnsFromTheStoredHistory() {
    server.enqueue(StubReply.of(Fixtures.recording("chat-stream-basic")));
    ChatSession s = session(HistoryBudget.messages(3).trimStored());

    s.send("u4");

    assertThat(s.messages()).extracting(ChatMessage::content).startsWith("u3", "a3", "u4").hasSize(4);
    assertThat(store.load("s").orElseThrow().messages()).hasSize(4);
  }

  /** Exact counts: the candidate is rendered by /apply-template and counted by /tokenize (19 tokens in the recording). */
  @Test
  void tokenBudgetCountsWithTheServerAndKeepsEverythingThatFits() throws Exception {
    server.answer(
        Fixtures.byPath(
            Map.of("/apply-template", "apply-template", "/tokenize", "tokenize", "/v1/chat/completions", "chat-stream-basic")));
    ChatSession s = session(HistoryBudget.tokens(19));

    s.send("u4");

    StubRequest template = take(server);
    assertThat(template.target()).isEqualTo("/apply-template");
    assertThat(sentContents(body(template))).hasSize(10).startsWith("system:SYS").endsWith("user:u4");
    StubRequest tokenize = take(server);
    assertThat(tokenize.target()).isEqualTo("/tokenize");
    assertThat(body(tokenize).get("content").asText())
        .isEqualTo(Fixtures.MAPPER.readTree(Fixtures.recording("apply-template").bodyText()).get("prompt").asText());
    assertThat(sentContents(body(take(server)))).hasSize(10);
  }

  @Test
  void tokenBudgetSearchesForTheTurnsThatFit() throws Exception {
    server.answer(
        Fixtures.byPath(
            Map.of("/apply-template", "apply-template", "/tokenize", "tokenize", "/v1/chat/completions", "chat-stream-basic")));
    ChatSession s = session(HistoryBudget.tokens(18));

    s.send("u4");

    // 19 > 18 whatever is dropped: all three earlier turns go, the system prompt and the new turn stay
    assertThat(sentContents(body(takeChat()))).containsExactly("system:SYS", "user:u4");
    // the full count (2 requests), one probe with 2 turns dropped (2), then the chat; dropping all 3 needs no count
    assertThat(server.requestCount()).isEqualTo(2 + 2 + 1);
  }

  @Test
  void tokenBudgetFallsBackToTheEstimateWhenTheServerCannotCount() throws Exception {
    server.answer(Fixtures.byPath(Map.of("/v1/chat/completions", "chat-stream-basic"))); // 404 elsewhere
    List<ChatMessage> lastTwo = new ArrayList<>();
    lastTwo.add(ChatMessage.system("SYS"));
    lastTwo.addAll(HISTORY.subList(6, 8));
    lastTwo.add(ChatMessage.user("u4"));
    ChatSession s = session(HistoryBudget.tokens(HistoryBudget.estimateTokens(lastTwo)));

    s.send("u4");

    StubRequest first = take(server);
    assertThat(first.target()).isEqualTo("/apply-template");
    assertThat(sentContents(body(takeChat()))).containsExactly("system:SYS", "user:u3", "assistant:a3", "user:u4");
    assertThat(server.requestCount()).as("the server is asked once, then the estimate is used").isEqualTo(2);
  }

  @Test
  void estimatedBudgetNeverAsksTheServer() throws Exception {
    server.enqueue(StubReply.of(Fixtures.recording("chat-stream-basic")));
    ChatSession s = session(HistoryBudget.tokens(1).estimated());

    s.send("u4");

    assertThat(take(server).target()).isEqualTo("/v1/chat/completions");
    assertThat(server.requestCount()).isEqualTo(1);
  }

  /** The context size comes from /props (n_ctx 2048 in the recording), asked once. */
  @Test
  void contextWindowBudgetReadsTheContextSizeFromProps() throws Exception {
    server.answer(
        Fixtures.byPath(
            Map.of(
                "/props", "props",
                "/apply-template", "apply-template",
                "/tokenize", "tokenize",
                "/v1/chat/completions", "chat-stream-basic")));
    ChatSession s = session(HistoryBudget.contextWindow(2048 - 18));

    s.send("u4");
    s.send("u5");

    List<String> targets = new ArrayList<>();
    for (int i = 0; i < server.requestCount(); i++) {
      targets.add(take(server).target());
    }
    assertThat(targets.stream().filter("/props"::equals)).hasSize(1);
    assertThat(s.history()).hasSize(12);
  }

  @Test
  void estimateFollowsTheDocumentedRule() {
    // "user" + "abcdefgh" = 12 chars -> 3 tokens, + 4 per message, + 3 for the reply prompt
    assertThat(HistoryBudget.estimateTokens(List.of(ChatMessage.user("abcdefgh")))).isEqualTo(3 + 4 + 3);
  }
}
