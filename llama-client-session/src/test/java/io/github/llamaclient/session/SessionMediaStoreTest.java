package io.github.llamaclient.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ContentPart;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Content parts in the stored session (format 2), and format-1 files still read. */
@Timeout(30)
class SessionMediaStoreTest {
  @TempDir Path dir;

  static SessionState withMedia(String id) {
    return new SessionState(
        id,
        null,
        List.of(
            SessionMessage.of(SessionMediaTest.VISION),
            SessionMessage.of(ChatMessage.assistant("a pixel and a cat")),
            SessionMessage.of(ChatMessage.user(ContentPart.image(new byte[] {1, 2, 3}, "image/webp"))), // no text
            SessionMessage.of(ChatMessage.assistant("bytes")),
            SessionMessage.of(SessionMediaTest.AUDIO),
            new SessionMessage(ChatMessage.assistant("silence"), true),
            SessionMessage.of(ChatMessage.user(ContentPart.text("two "), ContentPart.text("texts"))),
            SessionMessage.of(ChatMessage.user(ContentPart.imageUrl(URI.create("https://example.com/a.png"))))),
        GenerationOptions.none(),
        null);
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "directory", "format"})
  void partsRoundTrip(String where) {
    SessionState s = withMedia("m1");
    SessionState back;
    if (where.equals("format")) {
      back = SessionFormat.read(SessionFormat.write(s));
    } else {
      SessionStore store = where.equals("memory") ? SessionStore.inMemory() : SessionStore.inDirectory(dir);
      store.save(s);
      back = store.load("m1").orElseThrow();
    }
    assertThat(back).isEqualTo(s);
    assertThat(back.messages().get(0).message().parts()).isEqualTo(SessionMediaTest.VISION.parts());
  }

  /** Both additions of format 2 on one session: the user's image and the reply's saved stream. */
  @ParameterizedTest
  @ValueSource(strings = {"directory", "format"})
  void partsAndASavedStreamRoundTripTogether(String where) {
    SavedStream stream =
        new SavedStream(
            List.of(
                new SavedStream.Event(java.time.Duration.ofMillis(12), new io.github.llamaclient.ChatEvent.Content("a ")),
                new SavedStream.Event(java.time.Duration.ofMillis(30), new io.github.llamaclient.ChatEvent.Content("cat"))),
            false);
    SessionState s =
        new SessionState(
            "both",
            null,
            List.of(SessionMessage.of(SessionMediaTest.VISION), new SessionMessage(ChatMessage.assistant("a cat"), false, stream)),
            GenerationOptions.none(),
            null);
    SessionState back;
    if (where.equals("format")) {
      back = SessionFormat.read(SessionFormat.write(s));
    } else {
      SessionStore store = SessionStore.inDirectory(dir);
      store.save(s);
      back = store.load("both").orElseThrow();
    }
    assertThat(back.messages().get(0).message().parts()).isEqualTo(SessionMediaTest.VISION.parts());
    assertThat(back.messages().get(1).stream()).isEqualTo(stream);
    assertThat(back).isEqualTo(s);
  }

  @Test
  void theFileIsFormat2WithPartsOnlyWhereAMessageHasThem() throws Exception {
    SessionStore.inDirectory(dir).save(withMedia("m1"));
    String json = Files.readString(dir.resolve("m1.json"));
    assertThat(json)
        .contains("\"format\" : 2")
        .contains("\"type\" : \"image_url\"")
        .contains("\"url\" : \"https://example.com/cat.jpg\"")
        .contains("\"type\" : \"input_audio\"")
        .contains("\"format\" : \"wav\"");
    // 8 messages, 5 of them with parts (the assistant replies are plain text)
    assertThat(json.split("\"parts\"", -1)).hasSize(6);
  }

  @Test
  void aFileWrittenByFormat1IsStillRead() throws Exception {
    byte[] legacy;
    try (InputStream in = getClass().getResourceAsStream("format-1-session.json")) {
      legacy = in.readAllBytes();
    }
    assertThat(new String(legacy, StandardCharsets.UTF_8)).contains("\"format\" : 1");
    SessionState expected = SessionStoreTest.sample("written-by-format-1");

    assertThat(SessionFormat.read(legacy)).isEqualTo(expected);
    Files.write(dir.resolve("written-by-format-1.json"), legacy);
    SessionStore store = SessionStore.inDirectory(dir);
    assertThat(store.load("written-by-format-1")).contains(expected);
    store.save(expected); // saved again: now format 2, same state
    assertThat(Files.readString(dir.resolve("written-by-format-1.json"))).contains("\"format\" : 2");
    assertThat(store.load("written-by-format-1")).contains(expected);
  }

  @Test
  void anUnknownPartTypeIsRefusedClearly() throws Exception {
    Files.writeString(
        dir.resolve("s1.json"),
        "{\"format\":2,\"id\":\"s1\",\"messages\":[{\"role\":\"user\",\"content\":null,"
            + "\"parts\":[{\"type\":\"video_url\",\"video_url\":{\"url\":\"https://example.com/v.mp4\"}}]}]}");
    assertThatThrownBy(() -> SessionStore.inDirectory(dir).load("s1"))
        .isInstanceOf(SessionStoreException.class)
        .hasMessageContaining("unknown content part type 'video_url'");
  }

  /** The limit is on a part's decoded size: base64 decoded, a plain data URI as written (percent escapes counted whole). */
  @Test
  void theLimitIsOnTheDecodedSize() {
    List<ChatMessage> png = List.of(SessionMediaTest.VISION); // a 70-byte PNG (96 base64 characters) and a URL
    MediaPolicy.inline(70).check("s", png);
    assertThatThrownBy(() -> MediaPolicy.inline(69).check("s", png)).isInstanceOf(MediaTooLargeException.class);

    List<ChatMessage> svg = List.of(ChatMessage.user(new ContentPart.Image("data:image/svg+xml,%3Csvg%2F%3E")));
    MediaPolicy.inline(12).check("s", svg);
    assertThatThrownBy(() -> MediaPolicy.inline(11).check("s", svg))
        .isInstanceOf(MediaTooLargeException.class)
        .hasMessageContaining("image/svg+xml, 12 bytes inline");
  }
}
