package io.github.llamaclient.session;

import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.Recording;
import io.github.llamaclient.testing.StubReply;
import io.github.llamaclient.testing.StubRequest;
import static io.github.llamaclient.session.Fixtures.body;
import static io.github.llamaclient.session.Fixtures.take;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ContentPart;
import io.github.llamaclient.LlamaClient;
import java.net.URI;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Images and audio in a session's history: a turn's media parts are committed with it and sent
 * again with the later turns, over every face, and survive the session leaving memory (a new
 * manager over the same store).
 */
@Timeout(30)
class SessionMediaTest {
  /** The recorded vision request's user message: text, an inline PNG and an image URL. */
  static final ChatMessage VISION =
      ChatMessage.user(
          ContentPart.text("What is in these images?"),
          ContentPart.image(
              Base64.getDecoder()
                  .decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="),
              "image/png"),
          ContentPart.imageUrl(URI.create("https://example.com/cat.jpg")));
  /** The recorded audio request's user message: text and a WAV. */
  static final ChatMessage AUDIO =
      ChatMessage.user(
          ContentPart.text("Transcribe this."),
          ContentPart.audio(
              Base64.getDecoder().decode("UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA="), "wav"));

  @TempDir Path dir;
  private LlamaServerStub server;
  private LlamaClient client;
  private final Queue<StubReply> chat = new ConcurrentLinkedQueue<>();

  @BeforeEach
  void start() {
    server = LlamaServerStub.start();
    // the client checks the modalities once (GET /props); chat requests take the replies in order
    server.route("/props", Fixtures.replay("props-vision-audio"));
    server.answer(r -> r.path().equals("/v1/chat/completions") ? chat.remove() : Fixtures.replay("not-found"));
    client = Fixtures.client(server);
  }

  /** The next chat request (the client's look at /props comes first). */
  static JsonNode takeChat(LlamaServerStub server) throws InterruptedException {
    StubRequest r = take(server);
    while (!r.path().equals("/v1/chat/completions")) {
      r = take(server);
    }
    return body(r);
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  static Stream<Arguments> cases() {
    return Stream.of(Fixtures.Face.values())
        .flatMap(
            face ->
                Stream.of("memory", "directory")
                    .flatMap(
                        store ->
                            Stream.of(
                                Arguments.of(face, store, "chat-stream-vision", VISION),
                                Arguments.of(face, store, "chat-stream-audio", AUDIO))));
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("cases")
  void mediaPartsStayInTheHistoryAndAreSentAgain(Fixtures.Face face, String storeKind, String scenario, ChatMessage input)
      throws Exception {
    Recording first = Fixtures.recording(scenario);
    Recording second = Fixtures.recording("chat-stream-basic");
    chat.add(StubReply.of(first));
    chat.add(StubReply.of(second));
    SessionStore store = storeKind.equals("memory") ? SessionStore.inMemory() : SessionStore.inDirectory(dir);
    GenerationOptions options = GenerationOptions.builder().maxTokens(48).temperature(0.8).seed(1).build();

    SessionManager before =
        SessionManager.builder(client).store(store).systemPrompt("You are a helpful assistant.").defaultOptions(options).build();
    face.run(before.session("s1"), List.of(input), r -> {});
    JsonNode sent = takeChat(server);
    assertThat(sent).isEqualTo(Fixtures.MAPPER.readTree(first.requestBody()));
    before.close();

    // the session leaves memory: a new manager reads it from the store
    SessionManager after = SessionManager.builder(client).store(store).build();
    ChatSession s = after.session("s1");
    assertThat(s.messages()).containsExactly(input, ChatMessage.assistant(first.content()));
    face.run(s, List.of(ChatMessage.user("And now?")), r -> {});

    JsonNode messages = takeChat(server).get("messages");
    assertThat(messages).hasSize(4);
    assertThat(messages.get(1)).isEqualTo(sent.get("messages").get(1)); // the parts, as first sent
    assertThat(messages.get(2).get("content").asText()).isEqualTo(first.content());
    assertThat(messages.get(3).get("content").asText()).isEqualTo("And now?");
    assertThat(s.messages()).containsExactly(
        input, ChatMessage.assistant(first.content()), ChatMessage.user("And now?"), ChatMessage.assistant(second.content()));
    after.close();
  }

  /** A part over the limit refuses its turn before anything is sent, over every face. */
  @ParameterizedTest
  @EnumSource(Fixtures.Face.class)
  void aPartOverTheLimitIsRefusedBeforeSending(Fixtures.Face face) {
    SessionManager sessions = SessionManager.builder(client).media(MediaPolicy.inline(69)).build();
    ChatSession s = sessions.session("s1");

    // the PNG of the recording is 70 bytes
    assertThatThrownBy(() -> face.run(s, List.of(VISION), r -> {}))
        .isInstanceOf(MediaTooLargeException.class)
        .hasMessageContaining("image/png, 70 bytes inline")
        .hasMessageContaining("limit of 69 bytes")
        .satisfies(e -> assertThat(((MediaTooLargeException) e).sizeBytes()).isEqualTo(70))
        .satisfies(e -> assertThat(((MediaTooLargeException) e).limitBytes()).isEqualTo(69));
    assertThat(server.requestCount()).isZero();
    assertThat(s.history()).isEmpty();
  }

  static Stream<Arguments> placeholders() {
    String png = "[image not kept in the session history: image/png, 70 bytes inline";
    String cat = "[image not kept in the session history: https://example.com/cat.jpg; the session keeps no media]";
    ContentPart text = VISION.parts().get(0);
    ContentPart url = VISION.parts().get(2);
    return Stream.of(
        Arguments.of(
            MediaPolicy.inline(69).placeholderWhenTooLarge(),
            List.of(text, ContentPart.text(png + ", over the limit of 69 bytes per part]"), url)),
        Arguments.of(
            MediaPolicy.referenceOnly(),
            List.of(text, ContentPart.text(png + "; the session keeps media URLs only]"), url)),
        Arguments.of(
            MediaPolicy.drop(),
            List.of(text, ContentPart.text(png + "; the session keeps no media]"), ContentPart.text(cat))));
  }

  /** The turn sends its media; the history (memory and store) keeps what the policy says, visibly. */
  @ParameterizedTest
  @MethodSource("placeholders")
  void theHistoryKeepsAVisiblePlaceholder(MediaPolicy policy, List<ContentPart> kept) throws Exception {
    Recording first = Fixtures.recording("chat-stream-vision");
    chat.add(StubReply.of(first));
    chat.add(StubReply.of(Fixtures.recording("chat-stream-basic")));
    SessionStore store = SessionStore.inDirectory(dir);
    SessionManager sessions =
        SessionManager.builder(client)
            .store(store)
            .media(policy)
            .systemPrompt("You are a helpful assistant.")
            .defaultOptions(GenerationOptions.builder().maxTokens(48).temperature(0.8).seed(1).build())
            .build();
    ChatSession s = sessions.session("s1");

    s.send(List.of(VISION), r -> {});
    assertThat(takeChat(server)).isEqualTo(Fixtures.MAPPER.readTree(first.requestBody())); // sent whole

    ChatMessage stored = ChatMessage.user(kept.get(0), kept.subList(1, kept.size()).toArray(new ContentPart[0]));
    assertThat(s.messages().get(0)).isEqualTo(stored);
    assertThat(store.load("s1").orElseThrow().messages().get(0).message()).isEqualTo(stored);
    s.send("And now?");
    assertThat(takeChat(server).get("messages").get(1))
        .isEqualTo(Fixtures.MAPPER.readTree("{\"role\":\"user\",\"content\":" + partsJson(kept) + "}"));
  }

  private static String partsJson(List<ContentPart> parts) throws Exception {
    List<Object> out = new java.util.ArrayList<>();
    for (ContentPart p : parts) {
      if (p instanceof ContentPart.Text) {
        out.add(java.util.Map.of("type", "text", "text", ((ContentPart.Text) p).text()));
      } else {
        out.add(java.util.Map.of("type", "image_url", "image_url", java.util.Map.of("url", ((ContentPart.Image) p).url())));
      }
    }
    return Fixtures.MAPPER.writeValueAsString(out);
  }
}
