package io.github.llamaclient.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.StreamInterruptedException;
import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.StubReply;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Saved streams: each reply keeps its events with their offsets on the manager's clock, within the
 * limits, in both stores and across a restart; session files of format 1 still load.
 */
@Timeout(30)
class SavedStreamTest {
  @TempDir Path dir;
  private LlamaServerStub server;
  private LlamaClient client;

  @BeforeEach
  void start() {
    server = LlamaServerStub.start();
    client = Fixtures.client(server);
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  /** A clock the test sets. */
  static final class SetClock implements InstantSource {
    volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public Instant instant() {
      return now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }
  }

  private static String content(SavedStream s) {
    return s.events().stream()
        .map(SavedStream.Event::event)
        .filter(e -> e instanceof ChatEvent.Content)
        .map(e -> ((ChatEvent.Content) e).text())
        .collect(Collectors.joining());
  }

  @Test
  void eachEventIsSavedWithItsOffsetOnTheManagersClock() {
    server.enqueue(Fixtures.replay("chat-stream-basic"));
    SetClock clock = new SetClock();
    SessionManager sessions = SessionManager.builder(client).saveStreams(true).clock(clock).build();
    ChatSession s = sessions.session("s1");
    int n = 0;
    ChatResult result = null;
    try (Stream<ChatEvent> events = s.sendEvents(List.of(ChatMessage.user("Tell me about AI.")), r -> {})) {
      Iterator<ChatEvent> it = events.iterator();
      while (true) {
        clock.advance(Duration.ofMillis(100)); // each event arrives 100 ms after the one before
        if (!it.hasNext()) {
          break;
        }
        ChatEvent e = it.next();
        n++;
        if (e instanceof ChatEvent.Done) {
          result = ((ChatEvent.Done) e).result();
        }
      }
    }
    SavedStream saved = Objects.requireNonNull(s.replies().get(0).stream());
    assertThat(saved.events()).hasSize(n);
    for (int i = 0; i < n; i++) {
      assertThat(saved.events().get(i).offset()).isEqualTo(Duration.ofMillis(100L * (i + 1)));
    }
    assertThat(saved.truncated()).isFalse();
    assertThat(saved.result()).contains(Objects.requireNonNull(result));
    assertThat(content(saved)).isEqualTo(result.text()).isEqualTo(Fixtures.recording("chat-stream-basic").content());
  }

  @ParameterizedTest
  @EnumSource(Fixtures.Face.class)
  void everyFaceSavesTheStreamItStreamed(Fixtures.Face face) throws Exception {
    server.enqueue(Fixtures.replay("chat-stream-reasoning"));
    SessionManager sessions = SessionManager.builder(client).saveStreams(true).build();
    String text = face.run(sessions.session("s1"), List.of(ChatMessage.user("hi")), r -> {});
    SessionMessage reply = sessions.session("s1").replies().get(0);
    SavedStream saved = Objects.requireNonNull(reply.stream());
    assertThat(content(saved)).isEqualTo(text); // this recording ran out of tokens while reasoning
    String reasoning =
        saved.events().stream()
            .map(SavedStream.Event::event)
            .filter(e -> e instanceof ChatEvent.Reasoning)
            .map(e -> ((ChatEvent.Reasoning) e).text())
            .collect(Collectors.joining());
    assertThat(reasoning).isNotEmpty().isEqualTo(reply.message().reasoning());
    assertThat(saved.result().orElseThrow().text()).isEqualTo(text);
  }

  @Test
  void withoutSavingTheHistoryHasNoStream() {
    server.enqueue(Fixtures.replay("chat-stream-basic"));
    SessionManager sessions = SessionManager.builder(client).build();
    sessions.session("s1").send("hi");
    assertThat(sessions.session("s1").replies()).hasSize(1);
    assertThat(sessions.session("s1").replies().get(0).stream()).isNull();
  }

  @Test
  void overTheEventLimitSavingStopsAndTheStreamIsMarkedTruncated() {
    server.enqueue(Fixtures.replay("chat-stream-basic"));
    SessionManager sessions = SessionManager.builder(client).saveStreams(StreamSaving.limits(5, 1_000_000)).build();
    ChatResult r = sessions.session("s1").send("hi");
    SavedStream saved = Objects.requireNonNull(sessions.session("s1").replies().get(0).stream());
    assertThat(saved.truncated()).isTrue();
    assertThat(saved.events()).hasSize(6); // five events, then the Done
    assertThat(saved.events().get(5).event()).isInstanceOf(ChatEvent.Done.class);
    assertThat(saved.result()).contains(r);
    assertThat(r.text()).startsWith(content(saved)).isNotEqualTo(content(saved));
    assertThat(sessions.session("s1").replies().get(0).message().content()).isEqualTo(r.text()); // the reply is whole
  }

  @Test
  void overTheCharacterLimitSavingStopsAndTheStreamIsMarkedTruncated() {
    server.enqueue(Fixtures.replay("chat-stream-basic"));
    SessionManager sessions = SessionManager.builder(client).saveStreams(StreamSaving.limits(1000, 20)).build();
    ChatResult r = sessions.session("s1").send("hi");
    SavedStream saved = Objects.requireNonNull(sessions.session("s1").replies().get(0).stream());
    assertThat(saved.truncated()).isTrue();
    assertThat(content(saved).length()).isLessThanOrEqualTo(20).isPositive();
    assertThat(r.text()).startsWith(content(saved));
  }

  @Test
  void underTheLimitsTheStreamIsNotTruncated() {
    server.enqueue(Fixtures.replay("chat-stream-basic"));
    String text = Fixtures.recording("chat-stream-basic").content();
    SessionManager sessions = SessionManager.builder(client).saveStreams(StreamSaving.limits(1000, text.length())).build();
    sessions.session("s1").send("hi");
    SavedStream saved = Objects.requireNonNull(sessions.session("s1").replies().get(0).stream());
    assertThat(saved.truncated()).isFalse();
    assertThat(content(saved)).isEqualTo(text);
  }

  @Test
  void aPartialReplyKeepsItsStreamWithoutDoneAndItsReplayEndsAsItDid() {
    server.enqueue(Fixtures.replay("chat-stream-basic").cutAfter(5));
    SessionManager sessions = SessionManager.builder(client).saveStreams(true).keepPartialReplies(true).build();
    assertThatThrownBy(() -> sessions.session("s1").send("hi")).isInstanceOf(io.github.llamaclient.LlamaException.class);
    SessionMessage reply = sessions.session("s1").replies().get(0);
    assertThat(reply.partial()).isTrue();
    SavedStream saved = Objects.requireNonNull(reply.stream());
    assertThat(saved.result()).isEmpty();
    assertThat(content(saved)).isEqualTo(reply.message().content()).isNotEmpty();
    assertThatThrownBy(() -> saved.replay().fastest().textStream().collect(Collectors.joining()))
        .isInstanceOf(StreamInterruptedException.class)
        .hasMessageContaining("cut short");
  }

  @ParameterizedTest
  @ValueSource(strings = {"chat-stream-basic", "chat-stream-reasoning", "chat-stream-tools", "chat-stream-progress", "chat-stream-usage"})
  void theSavedStreamSurvivesTheDirectoryStoreAndARestart(String scenario) {
    server.enqueue(Fixtures.replay(scenario));
    SetClock clock = new SetClock();
    SessionManager first =
        SessionManager.builder(client).store(SessionStore.inDirectory(dir)).saveStreams(true).clock(clock).build();
    first.session("s1").send(List.of(ChatMessage.user("hi")), r -> r.returnProgress(scenario.contains("progress")));
    SessionState before = first.session("s1").state();
    first.close();

    SessionManager second = SessionManager.builder(client).store(SessionStore.inDirectory(dir)).build();
    SessionState after = second.session("s1").state();
    assertThat(after).isEqualTo(before);
    SavedStream saved = Objects.requireNonNull(after.messages().get(1).stream());
    assertThat(saved.result()).isPresent();
    if (scenario.equals("chat-stream-tools")) {
      assertThat(saved.events()).anyMatch(e -> e.event() instanceof ChatEvent.ToolCallStarted);
      assertThat(saved.events()).anyMatch(e -> e.event() instanceof ChatEvent.ToolCallArguments);
    }
    // what the directory store writes is what SessionFormat writes: the JDBC store's format too
    assertThat(SessionFormat.read(SessionFormat.write(before))).isEqualTo(before);
  }

  @Test
  void aFormat1FileStillLoads() throws Exception {
    // written by the format-1 code (before saved streams), not by hand
    try (InputStream in = SavedStreamTest.class.getResourceAsStream("/format1/format1-session.json")) {
      Files.write(dir.resolve("format1-session.json"), Objects.requireNonNull(in).readAllBytes());
    }
    assertThat(Files.readString(dir.resolve("format1-session.json"))).contains("\"format\" : 1");
    SessionManager sessions = SessionManager.builder(client).store(SessionStore.inDirectory(dir)).build();
    SessionState s = sessions.session("format1-session").state();
    assertThat(s.systemPrompt()).isEqualTo("You are terse.");
    assertThat(s.slot()).isEqualTo(1);
    assertThat(s.options().maxTokens()).isEqualTo(64);
    assertThat(Fixtures.roles(s.messages())).containsExactly("user", "assistant", "user", "assistant(partial)");
    assertThat(s.messages().get(1).message().reasoning()).isEqualTo("The user greets me.");
    assertThat(s.messages().get(3).message().toolCalls().get(0).arguments()).isEqualTo("{\"a\":2,\"b\":2}");
    assertThat(s.messages()).allMatch(m -> m.stream() == null);

    // the next commit writes format 2, with the new reply's stream
    server.enqueue(Fixtures.replay("chat-stream-basic"));
    SessionManager saving = SessionManager.builder(client).store(SessionStore.inDirectory(dir)).saveStreams(true).build();
    saving.session("format1-session").sendToolResults(List.of(ChatMessage.tool("call_1", "4")));
    String json = Files.readString(dir.resolve("format1-session.json"));
    assertThat(json).contains("\"format\" : 2").contains("\"stream\" :");
    assertThat(SessionStore.inDirectory(dir).load("format1-session").orElseThrow().messages().get(5).stream()).isNotNull();
  }

  @Test
  void theMemoryStoreKeepsTheStream() {
    server.enqueue(Fixtures.replay("chat-stream-basic"));
    SessionStore store = SessionStore.inMemory();
    SessionManager sessions = SessionManager.builder(client).store(store).saveStreams(true).build();
    sessions.session("s1").send("hi");
    sessions.close();
    SavedStream saved = store.load("s1").orElseThrow().messages().get(1).stream();
    assertThat(saved).isNotNull();
    assertThat(content(saved)).isEqualTo(Fixtures.recording("chat-stream-basic").content());
  }

  @Test
  void limitsAreChecked() {
    assertThatThrownBy(() -> StreamSaving.limits(0, 10)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxEvents");
    assertThatThrownBy(() -> StreamSaving.limits(10, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxChars");
    assertThatThrownBy(() -> new SessionMessage(ChatMessage.user("x"), false, new SavedStream(List.of(), false)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aBrokenStreamInAFileNamesWhatIsWrong() throws Exception {
    Files.writeString(
        dir.resolve("s1.json"),
        "{\"format\":2,\"id\":\"s1\",\"messages\":[{\"role\":\"assistant\",\"content\":\"x\","
            + "\"stream\":{\"events\":[{\"at\":\"soon\",\"content\":\"x\"}]}}]}");
    assertThatThrownBy(() -> SessionStore.inDirectory(dir).load("s1"))
        .isInstanceOf(SessionStoreException.class)
        .hasMessageContaining("ISO-8601");
  }
}
