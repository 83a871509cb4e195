package io.github.llamaclient.session;

import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.Recording;
import io.github.llamaclient.testing.StubReply;
import io.github.llamaclient.testing.StubRequest;
import static io.github.llamaclient.session.Fixtures.body;
import static io.github.llamaclient.session.Fixtures.take;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.LlamaClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Slot pinning with the prompt cache saved and restored per session; eviction from memory. */
@Timeout(30)
class SlotAndEvictionTest {
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

  private List<String> drain() throws InterruptedException {
    List<String> out = new ArrayList<>();
    int n = server.requestCount();
    for (int i = 0; i < n; i++) {
      StubRequest r = take(server);
      String what = r.target();
      if (what.startsWith("/slots/")) {
        what += " " + body(r).get("filename").asText();
      }
      out.add(what);
    }
    return out;
  }

  @Test
  void sessionsSharingASlotSaveAndRestoreTheirCaches() throws Exception {
    server.answer(
        Fixtures.byPath(
            Map.of(
                "/slots/0?action=save", "slot-save",
                "/slots/0?action=restore", "slot-restore",
                "/v1/chat/completions", "chat-stream-basic")));
    SessionManager sessions = SessionManager.builder(client).slotCache(true).build();
    ChatSession a = sessions.session("a");
    ChatSession b = sessions.session("b");
    a.pinSlot(0);
    b.pinSlot(0);
    String fileA = SessionIds.slotFileName("a");
    String fileB = SessionIds.slotFileName("b");

    a.send("hello");
    a.send("again"); // a still owns the slot: nothing to save or restore
    b.send("hello");
    sessions.close();

    assertThat(drain())
        .containsExactly(
            "/slots/0?action=restore " + fileA,
            "/v1/chat/completions",
            "/v1/chat/completions",
            "/slots/0?action=save " + fileA,
            "/slots/0?action=restore " + fileB,
            "/v1/chat/completions",
            "/slots/0?action=save " + fileB);
    assertThat(fileA).matches("llama-session-[0-9a-f]{40}\\.bin");
  }

  @Test
  void aPinnedSessionSendsIdSlotAndCachePrompt() throws Exception {
    server.enqueue(StubReply.of(Fixtures.recording("chat-stream-basic")));
    ChatSession s = SessionManager.builder(client).build().session("s");
    s.pinSlot(1);

    s.send("hello");

    var sent = body(take(server));
    assertThat(sent.get("id_slot").asInt()).isEqualTo(1);
    assertThat(sent.get("cache_prompt").asBoolean()).isTrue();
    assertThat(server.requestCount()).as("no slot cache calls unless asked for").isEqualTo(1);
    assertThat(s.state().slot()).isEqualTo(1);
  }

  @Test
  void aFailedSlotRestoreDoesNotStopTheTurn() throws Exception {
    server.answer(Fixtures.byPath(Map.of("/v1/chat/completions", "chat-stream-basic"))); // 404 for /slots
    ChatSession s = SessionManager.builder(client).slotCache(true).build().session("s");
    s.pinSlot(0);

    s.send("hello");

    assertThat(s.history()).hasSize(2);
  }

  @Test
  void idleSessionsLeaveMemoryAndComeBackFromTheStore() {
    AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    SessionStore store = SessionStore.inMemory();
    SessionManager sessions =
        SessionManager.builder(client).store(store).maxIdle(Duration.ofMinutes(10)).clock(now::get).build();
    server.enqueue(StubReply.of(Fixtures.recording("chat-stream-basic")));
    ChatSession s = sessions.session("s");
    s.send("hello");
    List<SessionMessage> history = s.history();
    assertThat(sessions.inMemory()).isEqualTo(1);

    now.set(now.get().plus(Duration.ofMinutes(11)));
    assertThat(sessions.evictIdle()).isEqualTo(1);

    assertThat(sessions.inMemory()).isZero();
    assertThat(sessions.list()).containsExactly("s");
    assertThat(s.history()).isEqualTo(history); // the old handle still works: loaded again
    assertThat(sessions.inMemory()).isEqualTo(1);
  }

  @Test
  void maxInMemoryEvictsTheLeastRecentlyUsed() {
    AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    SessionManager sessions = SessionManager.builder(client).maxInMemory(2).clock(now::get).build();
    for (String id : List.of("a", "b", "c")) {
      now.set(now.get().plusSeconds(1));
      sessions.session(id).systemPrompt("prompt of " + id);
    }
    assertThat(sessions.inMemory()).isEqualTo(2);
    assertThat(sessions.list()).containsExactly("a", "b", "c");
    assertThat(sessions.session("a").systemPrompt()).isEqualTo("prompt of a");
  }

  @Test
  void aSessionWithARunningTurnIsNotEvicted() {
    AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    SessionManager sessions =
        SessionManager.builder(client).maxIdle(Duration.ofMinutes(1)).clock(now::get).build();
    Recording basic = Fixtures.recording("chat-stream-basic");
    server.enqueue(StubReply.of(basic));
    server.enqueue(StubReply.of(basic));
    ChatSession s = sessions.session("s");

    try (Stream<String> reply = s.sendStream("hello")) {
      now.set(now.get().plus(Duration.ofHours(1)));
      assertThat(sessions.evictIdle()).isZero();
      // another call on the same id reaches the same session and waits its turn, not a second copy
      assertThat(String.join("", reply.toList())).isEqualTo(basic.content());
    }
    s.send("again");
    assertThat(s.messages()).extracting(ChatMessage::content).containsExactly("hello", basic.content(), "again", basic.content());
  }

  @Test
  void removeDeletesFromMemoryAndStore() {
    SessionStore store = SessionStore.inMemory();
    SessionManager sessions = SessionManager.builder(client).store(store).build();
    sessions.session("s").systemPrompt("x");
    assertThat(store.ids()).containsExactly("s");

    sessions.remove("s");

    assertThat(store.ids()).isEmpty();
    assertThat(sessions.list()).isEmpty();
    assertThat(sessions.session("s").systemPrompt()).isNull(); // a new, empty session
  }
}
