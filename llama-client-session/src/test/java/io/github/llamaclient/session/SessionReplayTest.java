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
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.ToolCall;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Sessions over recorded replies: the request a session builds equals the recorded one, over
 * every face, and the reply is committed with its input.
 */
@Timeout(30)
class SessionReplayTest {
  private LlamaServerStub server;
  private LlamaClient client;

  @BeforeEach
  void start() throws Exception {
    server = LlamaServerStub.start();
    client = Fixtures.client(server);
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  /** chat-stream-multiturn: history of several turns, pinned to slot 0 with cache_prompt. */
  @ParameterizedTest
  @EnumSource(Fixtures.Face.class)
  void multiTurnSessionSendsTheRecordedRequest(Fixtures.Face face) throws Exception {
    Recording t = Fixtures.recording("chat-stream-multiturn");
    server.enqueue(StubReply.of(t));
    SessionStore store = SessionStore.inMemory();
    store.save(
        new SessionState(
            "s1",
            "You are terse.",
            List.of(SessionMessage.of(ChatMessage.user("Hello")), SessionMessage.of(ChatMessage.assistant("Hi there"))),
            GenerationOptions.builder().maxTokens(24).seed(5).build(),
            0));
    SessionManager sessions = SessionManager.builder(client).store(store).build();
    ChatSession s = sessions.session("s1");

    String text = face.run(s, List.of(ChatMessage.user("How are you?")), r -> {});

    assertThat(body(take(server))).isEqualTo(Fixtures.MAPPER.readTree(t.requestBody()));
    assertThat(text).isEqualTo(t.content());
    assertThat(s.messages())
        .containsExactly(
            ChatMessage.user("Hello"),
            ChatMessage.assistant("Hi there"),
            ChatMessage.user("How are you?"),
            ChatMessage.assistant(t.content()));
    assertThat(store.load("s1").orElseThrow().messages()).isEqualTo(s.history());
  }

  /** The same request built through the API: system prompt, options, slot pin, two turns. */
  @Test
  void sessionBuiltThroughTheApiSendsTheRecordedRequest() throws Exception {
    Recording first = Fixtures.recording("chat-stream-basic");
    Recording multi = Fixtures.recording("chat-stream-multiturn");
    server.enqueue(StubReply.of(first));
    server.enqueue(StubReply.of(multi));
    SessionManager sessions =
        SessionManager.builder(client)
            .systemPrompt("You are terse.")
            .defaultOptions(GenerationOptions.builder().maxTokens(24).seed(5).build())
            .build();
    ChatSession s = sessions.session("s1");
    s.pinSlot(0);

    ChatResult r = s.send("Hello");
    take(server);
    // the recording's history holds "Hi there"; rewrite ours to match, then send the next turn
    assertThat(s.messages()).containsExactly(ChatMessage.user("Hello"), ChatMessage.assistant(r.text()));
    SessionState state = s.state();
    sessions.close();
    SessionStore store = SessionStore.inMemory();
    store.save(
        state
            .withMessages(
                List.of(SessionMessage.of(ChatMessage.user("Hello")), SessionMessage.of(ChatMessage.assistant("Hi there")))));
    SessionManager again = SessionManager.builder(client).store(store).build();
    try (var reply = again.processMessageStream("s1", "How are you?")) {
      assertThat(String.join("", reply.toList())).isEqualTo(multi.content());
    }
    assertThat(body(take(server))).isEqualTo(Fixtures.MAPPER.readTree(multi.requestBody()));
  }

  /** Tool loop: a reply with tool calls stays pending until results are sent; results and reply commit together. */
  @ParameterizedTest
  @EnumSource(Fixtures.Face.class)
  void toolCallThenToolResult(Fixtures.Face face) throws Exception {
    Recording calls = Fixtures.recording("chat-stream-tools");
    Recording result = Fixtures.recording("chat-stream-tool-result");
    server.enqueue(StubReply.of(calls));
    server.enqueue(StubReply.of(result));
    Object tools = Fixtures.recordedValue(calls, "tools");
    SessionManager sessions =
        SessionManager.builder(client).everyRequest(b -> b.parameter("tools", tools)).build();
    ChatSession s = sessions.session("weather");

    face.run(
        s,
        List.of(ChatMessage.user("What is the weather in Paris?")),
        b -> b.maxTokens(160).seed(3).parameter("tool_choice", "required"));
    assertThat(body(take(server))).isEqualTo(Fixtures.MAPPER.readTree(calls.requestBody()));
    List<ToolCall> pending = s.pendingToolCalls();
    assertThat(pending).isNotEmpty();
    assertThat(s.history().get(1).message().toolCalls()).isEqualTo(pending);

    // the second recording answers a call named call_1: give the session that exact history
    SessionStore store = SessionStore.inMemory();
    store.save(
        SessionState.empty("weather", null, GenerationOptions.none())
            .withMessages(
                List.of(
                    SessionMessage.of(ChatMessage.user("What is the weather in Paris?")),
                    SessionMessage.of(
                        ChatMessage.assistant(
                            "", List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\",\"unit\":\"c\"}")))))));
    ChatSession s2 =
        SessionManager.builder(client).store(store).everyRequest(b -> b.parameter("tools", tools)).build().session("weather");
    assertThat(s2.pendingToolCalls()).extracting(ToolCall::id).containsExactly("call_1");

    String text = face.run(s2, List.of(ChatMessage.tool("call_1", "{\"temp\":21}")), b -> b.maxTokens(40).seed(6));

    assertThat(body(take(server))).isEqualTo(Fixtures.MAPPER.readTree(result.requestBody()));
    assertThat(text).isEqualTo(result.content());
    assertThat(Fixtures.roles(s2.history())).containsExactly("user", "assistant", "tool", "assistant");
  }

  @Test
  void toolResultForNoPendingCallIsRefusedBeforeSending() {
    SessionManager sessions = SessionManager.builder(client).build();
    ChatSession s = sessions.session("x");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> s.sendToolResults(List.of(ChatMessage.tool("call_9", "{}"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("call_9");
    assertThat(server.requestCount()).isZero();
    assertThat(s.history()).isEmpty();
  }

  /** Reasoning is kept apart in the history, and not sent back with the next turn. */
  @Test
  void reasoningIsKeptApartAndNotSentBack() throws Exception {
    Recording reasoning = Fixtures.recording("chat-stream-reasoning");
    server.enqueue(StubReply.of(reasoning));
    server.enqueue(StubReply.of(Fixtures.recording("chat-stream-basic")));
    ChatSession s = SessionManager.builder(client).build().session("r");

    ChatResult r = s.send("Why is the sky blue?", b -> b.maxTokens(40).seed(1));
    assertThat(body(take(server))).isEqualTo(Fixtures.MAPPER.readTree(reasoning.requestBody()));
    ChatMessage stored = s.messages().get(1);
    assertThat(r.reasoning()).isNotEmpty();
    assertThat(stored.reasoning()).isEqualTo(r.reasoning());
    assertThat(stored.content()).isEqualTo(r.text());

    s.send("And at night?");
    JsonNode next = body(take(server));
    assertThat(next.get("messages")).hasSize(3);
    assertThat(next.get("messages").get(1).has("reasoning_content")).isFalse();
    assertThat(next.get("messages").get(1).get("content").asText()).isEqualTo(r.text());
  }
}
