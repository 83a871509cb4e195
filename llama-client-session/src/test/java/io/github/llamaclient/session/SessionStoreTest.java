package io.github.llamaclient.session;

import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.Recording;
import io.github.llamaclient.testing.StubReply;
import io.github.llamaclient.testing.StubRequest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.ToolCall;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The JSON directory store: round trips, atomic writes, versioned format, corrupt files. */
@Timeout(30)
class SessionStoreTest {
  @TempDir Path dir;

  static SessionState sample(String id) {
    return new SessionState(
        id,
        "You are terse.",
        List.of(
            SessionMessage.of(ChatMessage.user("What is the weather in Paris?")),
            SessionMessage.of(
                ChatMessage.builder("assistant")
                    .content("")
                    .reasoning("thinking…")
                    .toolCalls(List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}")))
                    .build()),
            SessionMessage.of(ChatMessage.tool("call_1", "{\"temp\":21}")),
            new SessionMessage(ChatMessage.assistant("It is 21 °C and sun"), true)),
        GenerationOptions.builder().temperature(0.7).topP(0.9).topK(40).minP(0.05).maxTokens(64).seed(5).stop(List.of("\n\n")).build(),
        1);
  }

  static List<String> ids() {
    return List.of("s1", "User-42", "a/b\\c", "..", "ünï códe 🦙", "x".repeat(256), "é".repeat(100));
  }

  @ParameterizedTest
  @MethodSource("ids")
  void roundTripsEverySessionId(String id) {
    SessionStore store = SessionStore.inDirectory(dir);
    SessionState s = sample(id);
    store.save(s);

    assertThat(store.load(id)).contains(s);
    assertThat(store.ids()).containsExactly(id);
    assertThat(SessionStore.inDirectory(dir).load(id)).contains(s); // a new store over the same files
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.toList()).hasSize(1).allSatisfy(f -> assertThat(f.getParent()).isEqualTo(dir));
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    store.delete(id);
    assertThat(store.load(id)).isEmpty();
    assertThat(store.ids()).isEmpty();
  }

  @Test
  void idsThatDifferInCaseGetDifferentFiles() {
    SessionStore store = SessionStore.inDirectory(dir);
    store.save(sample("abc"));
    store.save(sample("ABC"));
    assertThat(store.ids()).containsExactlyInAnyOrder("abc", "ABC");
    assertThat(DirectoryStore.fileName("abc")).isNotEqualToIgnoringCase(DirectoryStore.fileName("ABC"));
  }

  @Test
  void fileCarriesTheFormatVersionAndNoTemporaryFileIsLeft() throws Exception {
    SessionStore store = SessionStore.inDirectory(dir);
    store.save(sample("s1"));
    store.save(sample("s1").withMessages(List.of()));

    String json = Files.readString(dir.resolve("s1.json"));
    assertThat(json).contains("\"format\" : 2").contains("\"id\" : \"s1\"");
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("s1.json");
    }
    assertThat(store.load("s1").orElseThrow().messages()).isEmpty();
  }

  @Test
  void aTemporaryFileLeftByACrashIsIgnoredAndTheCommittedVersionSurvives() throws Exception {
    SessionStore store = SessionStore.inDirectory(dir);
    SessionState committed = sample("s1");
    store.save(committed);
    // a crash between writing the temporary file and moving it: half a file under a temp name
    Files.writeString(dir.resolve(".s1.json.tmp7"), "{\"format\":1,\"id\":\"s1\",\"mess");

    SessionStore reopened = SessionStore.inDirectory(dir);
    assertThat(reopened.ids()).containsExactly("s1");
    assertThat(reopened.load("s1")).contains(committed);
  }

  @Test
  void aCorruptFileNamesTheFileAndDoesNotStopOtherSessions() throws Exception {
    SessionStore store = SessionStore.inDirectory(dir);
    store.save(sample("good"));
    store.save(sample("bad"));
    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, "{\"format\":1,\"id\":\"bad\",\"messages\":[{\"role\":", StandardCharsets.UTF_8);

    assertThatThrownBy(() -> store.load("bad"))
        .isInstanceOf(SessionStoreException.class)
        .hasMessageContaining(bad.toString())
        .hasMessageContaining("corrupt")
        .satisfies(e -> assertThat(((SessionStoreException) e).file()).contains(bad));
    assertThat(store.load("good")).contains(sample("good"));
    assertThat(store.ids()).containsExactlyInAnyOrder("good", "bad");

    try (LlamaServerStub server = LlamaServerStub.start()) {
      try (LlamaClient client = Fixtures.client(server)) {
        SessionManager sessions = SessionManager.builder(client).store(store).build();
        assertThat(sessions.list()).containsExactly("bad", "good");
        assertThatThrownBy(() -> sessions.session("bad")).isInstanceOf(SessionStoreException.class);
        assertThat(sessions.session("good").history()).hasSize(4);
        server.enqueue(StubReply.of(Fixtures.recording("chat-stream-basic")));
        sessions.session("good").send("more");
        assertThat(store.load("good").orElseThrow().messages()).hasSize(6);
        sessions.remove("bad"); // a corrupt session can still be removed
        assertThat(sessions.list()).containsExactly("good");
      }
    }
  }

  @Test
  void anUnknownFormatVersionIsRefusedClearly() throws Exception {
    SessionStore store = SessionStore.inDirectory(dir);
    Files.writeString(dir.resolve("s1.json"), "{\"format\":3,\"id\":\"s1\",\"messages\":[]}");
    assertThatThrownBy(() -> store.load("s1"))
        .isInstanceOf(SessionStoreException.class)
        .hasMessageContaining("format 3 is not supported")
        .hasMessageContaining("s1.json");
  }

  @Test
  void aFileHoldingAnotherSessionIsRefused() throws Exception {
    SessionStore store = SessionStore.inDirectory(dir);
    store.save(sample("a"));
    Files.move(dir.resolve("a.json"), dir.resolve("b.json"));
    assertThatThrownBy(() -> store.load("b")).isInstanceOf(SessionStoreException.class).hasMessageContaining("holds session 'a'");
  }

  @Test
  void sessionsSurviveARestartOfTheManager() throws Exception {
    try (LlamaServerStub server = LlamaServerStub.start()) {
      server.enqueue(StubReply.of(Fixtures.recording("chat-stream-basic")));
      try (LlamaClient client = Fixtures.client(server)) {
        SessionManager first = SessionManager.builder(client).store(SessionStore.inDirectory(dir)).systemPrompt("Be brief.").build();
        first.processMessage("u1", "hello");
        List<SessionMessage> history = first.session("u1").history();
        first.close();

        SessionManager second = SessionManager.builder(client).store(SessionStore.inDirectory(dir)).build();
        assertThat(second.list()).containsExactly("u1");
        assertThat(second.session("u1").history()).isEqualTo(history);
        assertThat(second.session("u1").systemPrompt()).isEqualTo("Be brief.");
      }
    }
  }
}
