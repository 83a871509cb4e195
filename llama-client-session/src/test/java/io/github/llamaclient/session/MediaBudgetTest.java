package io.github.llamaclient.session;

import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.StubReply;
import io.github.llamaclient.testing.StubRequest;
import static io.github.llamaclient.session.Fixtures.body;
import static io.github.llamaclient.session.Fixtures.take;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ContentPart;
import io.github.llamaclient.LlamaClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Token budgets with images and audio: the server counts the text (each part as its marker), a
 * part costs what the server's reply measured, else the configured estimate.
 *
 * <p>The stand-in renders a template as one line per message ({@code role:text}, text parts joined)
 * and counts one token per character, so the test can compute every count the server gives.
 */
@Timeout(30)
class MediaBudgetTest {
  private static final ChatMessage LOOK =
      ChatMessage.user(ContentPart.text("look"), ContentPart.image(new byte[] {1, 2, 3, 4, 5, 6}, "image/png"));

  private LlamaServerStub server;
  private LlamaClient client;
  private final Queue<StubReply> chat = new ConcurrentLinkedQueue<>();
  private final List<JsonNode> templates = new ArrayList<>();

  @BeforeEach
  void start() {
    server = LlamaServerStub.start();
    server.route("/props", Fixtures.replay("props-vision-audio"));
    server.answer(
        r -> {
          switch (r.path()) {
            case "/apply-template":
              synchronized (templates) {
                templates.add(body(r));
              }
              return StubReply.json(200, Fixtures.MAPPER.createObjectNode().put("prompt", render(body(r).get("messages"))).toString());
            case "/tokenize":
              StringBuilder tokens = new StringBuilder("{\"tokens\":[");
              for (int i = 0; i < body(r).get("content").asText().length(); i++) {
                tokens.append(i == 0 ? "" : ",").append(i);
              }
              return StubReply.json(200, tokens.append("]}").toString());
            case "/v1/chat/completions":
              return chat.remove();
            default:
              return Fixtures.replay("not-found");
          }
        });
    client = Fixtures.client(server);
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  /** The stand-in's template: {@code role:text} per message, one token per character. */
  static String render(JsonNode messages) {
    StringBuilder sb = new StringBuilder();
    for (JsonNode m : messages) {
      sb.append(m.get("role").asText()).append(':');
      JsonNode c = m.get("content");
      if (c.isArray()) {
        for (JsonNode p : c) {
          sb.append(p.get("text").asText()); // a media part here would fail: the counts send markers
        }
      } else {
        sb.append(c.asText());
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /** The second turn's full prompt text: the first turn's image as its marker. */
  private static final int SECOND_TURN_TEXT =
      "system:SYS\nuser:look<__media__>\nassistant:seen\nuser:u2\n".length();
  private static final int FIRST_TURN_TEXT = "system:SYS\nuser:look<__media__>\n".length();

  private List<String> runTwoTurns(StubReply firstReply, HistoryBudget budget) throws Exception {
    chat.add(firstReply);
    chat.add(StubReply.chatStream().content("ok").build());
    ChatSession s = SessionManager.builder(client).systemPrompt("SYS").historyBudget(budget).build().session("s");
    s.send(List.of(LOOK), r -> {});
    s.send("u2");
    List<JsonNode> chats = new ArrayList<>();
    while (chats.size() < 2) {
      StubRequest r = take(server);
      if (r.path().equals("/v1/chat/completions")) {
        chats.add(body(r));
      }
    }
    List<String> second = new ArrayList<>();
    for (JsonNode m : chats.get(1).get("messages")) {
      second.add(m.get("role").asText());
    }
    return second;
  }

  /** The first reply reports the prompt's tokens: the image cost 300, and the second turn fits exactly. */
  @Test
  void aPartCostsWhatTheServerReported() throws Exception {
    StubReply first = StubReply.chatStream().content("seen").timings(FIRST_TURN_TEXT + 300, 5.0, 1, 1.0).build();

    List<String> second = runTwoTurns(first, HistoryBudget.tokens(SECOND_TURN_TEXT + 300));

    assertThat(second).containsExactly("system", "user", "assistant", "user");
    // the counts sent the marker, never the image
    synchronized (templates) {
      assertThat(templates).isNotEmpty();
      for (JsonNode t : templates) {
        assertThat(t.toString()).doesNotContain("data:image").contains("<__media__>");
      }
    }
  }

  /** No usable report (the stand-in's default timings say 1 prompt token): the estimate applies. */
  @Test
  void anUnmeasuredPartCostsTheEstimate() throws Exception {
    StubReply first = StubReply.chatStream().content("seen").build();

    assertThat(runTwoTurns(first, HistoryBudget.tokens(SECOND_TURN_TEXT + 300))).containsExactly("system", "user");
  }

  @Test
  void theEstimateIsConfigurable() throws Exception {
    StubReply first = StubReply.chatStream().content("seen").build();

    assertThat(runTwoTurns(first, HistoryBudget.tokens(SECOND_TURN_TEXT + 300).mediaTokens(300, 0)))
        .containsExactly("system", "user", "assistant", "user");
  }

  @Test
  void theOfflineEstimateCountsEachPart() {
    ChatMessage text = ChatMessage.user("look");
    int base = HistoryBudget.estimateTokens(List.of(text));
    assertThat(HistoryBudget.estimateTokens(List.of(LOOK))).isEqualTo(base + HistoryBudget.DEFAULT_IMAGE_TOKENS);
    assertThat(HistoryBudget.estimateTokens(List.of(SessionMediaTest.AUDIO)))
        .isEqualTo(HistoryBudget.estimateTokens(List.of(ChatMessage.user("Transcribe this."))) + HistoryBudget.DEFAULT_AUDIO_TOKENS);
  }
}
