package io.github.llamaclient.session;

import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.Recording;
import io.github.llamaclient.testing.StubReply;
import io.github.llamaclient.testing.StubRequest;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.Tool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** docs/sessions.md: every Java snippet is a tagged region of {@link SessionGuideExamples}, and each one runs. */
@Timeout(30)
class SessionGuideTest {
  private static final String EXAMPLES =
      "llama-client-session/src/test/java/io/github/llamaclient/session/SessionGuideExamples.java";
  private LlamaServerStub server;
  private LlamaClient client;
  @TempDir Path dir;

  @BeforeEach
  void start() throws Exception {
    server = LlamaServerStub.start();
    server.answer(
        Fixtures.byPath(
            Map.of(
                "/v1/chat/completions", "chat-stream-basic",
                "/slots/0?action=save", "slot-save",
                "/slots/0?action=restore", "slot-restore",
                "/apply-template", "apply-template",
                "/tokenize", "tokenize")));
    client = Fixtures.client(server);
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  static Path root() {
    Path root = Path.of("").toAbsolutePath();
    while (!Files.exists(root.resolve("mvnw"))) {
      root = root.getParent();
    }
    return root;
  }

  @Test
  void everySnippetIsCompiledCode() throws Exception {
    String guide = Files.readString(root().resolve("docs/sessions.md"));
    String source = Files.readString(root().resolve(EXAMPLES));
    // the marker scheme of all of docs/ (checked there by the examples' DocsSnippetsTest too): path#tag
    Matcher m =
        Pattern.compile(
                "<!-- snippet: " + Pattern.quote(EXAMPLES) + "#([a-z-]+) -->\n```java\n(.*?)```", Pattern.DOTALL)
            .matcher(guide);
    List<String> names = new ArrayList<>();
    while (m.find()) {
      names.add(m.group(1));
      assertThat(m.group(2)).as("snippet " + m.group(1)).isEqualTo(tagged(source, m.group(1)));
    }
    assertThat(names).contains("quick-start", "session-api", "faces", "cancel", "busy", "tools", "budgets", "media", "slots", "replay");
    assertThat(guide.split("```java", -1).length - 1).as("every java block is a checked snippet").isEqualTo(names.size());
  }

  private static String tagged(String source, String name) {
    String start = "    // tag::" + name + "[]\n";
    int from = source.indexOf(start);
    assertThat(from).as("tag " + name).isNotNegative();
    String region = source.substring(from + start.length(), source.indexOf("    // end::" + name + "[]", from));
    StringBuilder out = new StringBuilder();
    for (String line : region.split("\n", -1)) {
      out.append(line.startsWith("    ") ? line.substring(4) : line).append('\n');
    }
    return out.substring(0, out.length() - 1);
  }

  @Test
  void theSnippetsRun() throws Exception {
    SessionManager sessions = SessionGuideExamples.quickStart(client, dir);
    assertThat(sessions.session("user-42").history()).hasSize(2);
    assertThat(Files.exists(dir.resolve("user-42.json"))).isTrue();
    SessionGuideExamples.sessionApi(sessions);
    assertThat(sessions.session("user-42").history()).isEmpty();
    SessionGuideExamples.faces(sessions.session("faces"));
    assertThat(sessions.session("faces").history()).hasSize(8);
    SessionGuideExamples.cancel(client);
    SessionGuideExamples.busy(client);
    SessionGuideExamples.budgets(client);
    SessionGuideExamples.slots(client);
    Path replayDir = Files.createDirectory(dir.resolve("replay"));
    assertThat(SessionGuideExamples.replay(client, replayDir)).isEqualTo(Fixtures.recording("chat-stream-basic").content());
    assertThat(Files.readString(replayDir.resolve("user-42.json"))).contains("\"stream\"");
  }

  @Test
  void theMediaSnippetRuns() throws Exception {
    server.route("/props", Fixtures.replay("props-vision-audio")); // a server with a projector
    Path photo = Files.write(dir.resolve("photo.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G'});
    Path sessionsDir = dir.resolve("sessions");

    SessionManager sessions = SessionGuideExamples.media(client, sessionsDir, photo);

    List<SessionMessage> history = SessionStore.inDirectory(sessionsDir).load("user-42").orElseThrow().messages();
    assertThat(history).hasSize(4);
    assertThat(history.get(0).message().parts().get(1)).isEqualTo(io.github.llamaclient.ContentPart.image(photo));
    assertThat(sessions.session("user-42").history()).isEqualTo(history);
  }

  @Test
  void theToolSnippetRuns() {
    LlamaServerStub tools = server;
    tools.answer(
        new java.util.function.Function<StubRequest, StubReply>() {
          final java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();

          @Override
          public StubReply apply(StubRequest request) {
            return StubReply.of(Fixtures.recording(n.getAndIncrement() == 0 ? "chat-stream-tools" : "chat-stream-tool-result"));
          }
        });
    Map<?, ?> recorded =
        (Map<?, ?>) ((Map<?, ?>) ((List<?>) Fixtures.recordedValue(Fixtures.recording("chat-stream-tools"), "tools")).get(0))
            .get("function");
    @SuppressWarnings("unchecked")
    Tool tool =
        Tool.function(
            (String) recorded.get("name"),
            (String) recorded.get("description"),
            (Map<String, ?>) recorded.get("parameters"));
    SessionManager sessions = SessionManager.builder(client).build();
    SessionGuideExamples.tools(sessions, tool);
    assertThat(Fixtures.roles(sessions.session("weather").history()))
        .startsWith("user", "assistant", "tool")
        .endsWith("assistant");
  }
}
