package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.testing.RecordedRequests;
import io.github.llamaclient.testing.Transcript;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Images and audio in messages: the content parts on the wire, the modality check before sending
 * (from the server's {@code /props}, looked up once), the server's own refusal typed the same way,
 * and a vision reply streamed over every face.
 */
@Timeout(60)
class MultimodalTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private MockWebServer server;
  private LlamaClient client;

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    server.start();
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    server.close();
  }

  private LlamaClient client(Transports t, boolean check) {
    client = t.builder(server.url("/").uri()).checkModalities(check).build();
    return client;
  }

  static List<org.junit.jupiter.params.provider.Arguments> faces() {
    return Transports.faces().toList();
  }

  private static ChatRequest recorded(String scenario) {
    return RecordedRequests.chat(Transcript.load(scenario).requestBody());
  }

  @ParameterizedTest(name = "{0} via {1}")
  @MethodSource("faces")
  void imageForAServerWithoutVisionFailsBeforeSending(Faces face, Transports transport) throws Exception {
    server.enqueue(Transcript.load("props").response()); // modalities: vision false, audio false
    Faces.Outcome o = face.run(client(transport, true), recorded("chat-stream-vision"));

    assertThat(o.failure())
        .isInstanceOfSatisfying(
            ModalityNotSupportedException.class,
            e -> {
              assertThat(e.modality()).isEqualTo("image");
              assertThat(e.checkedBeforeSending()).isTrue();
              assertThat(e.serverFlag()).isEqualTo("--mmproj");
              assertThat(e.getMessage()).contains("--mmproj").contains("nothing was sent");
            });
    assertThat(o.text()).isEmpty();
    assertThat(server.takeRequest(5, TimeUnit.SECONDS).getTarget()).isEqualTo("/props");
    assertThat(server.getRequestCount()).as("only /props: the chat request was never sent").isEqualTo(1);
  }

  @ParameterizedTest(name = "{0} via {1}")
  @MethodSource("faces")
  void theServersRefusalIsTheSameTypedError(Faces face, Transports transport) throws Exception {
    Transcript t = Transcript.load("chat-error-image-no-mmproj");
    server.enqueue(t.response());
    Faces.Outcome o = face.run(client(transport, false), RecordedRequests.chat(t.requestBody()));

    assertThat(o.failure())
        .isInstanceOfSatisfying(
            ModalityNotSupportedException.class,
            e -> {
              assertThat(e.modality()).isEqualTo("image");
              assertThat(e.checkedBeforeSending()).isFalse();
              assertThat(e.getCause()).isInstanceOfSatisfying(LlamaHttpException.class, h -> assertThat(h.statusCode()).isEqualTo(500));
              assertThat(e.getMessage()).contains("--mmproj").contains("image input is not supported");
            });
    RecordedRequest sent = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(MAPPER.readTree(sent.getBody().utf8())).isEqualTo(t.requestBody());
  }

  @Test
  void audioRefusedByTheServerNamesAudio() throws Exception {
    Transcript t = Transcript.load("chat-error-audio-no-mmproj");
    server.enqueue(t.response());
    client(Transports.HTTP1, false);
    assertThatThrownBy(() -> client.chat().call(RecordedRequests.chat(t.requestBody())))
        .isInstanceOfSatisfying(ModalityNotSupportedException.class, e -> assertThat(e.modality()).isEqualTo("audio"));
    assertThat(MAPPER.readTree(server.takeRequest(5, TimeUnit.SECONDS).getBody().utf8())).isEqualTo(t.requestBody());
  }

  @Test
  void audioForAServerWithoutAudioFailsBeforeSendingNotStreamedToo() throws Exception {
    server.enqueue(Transcript.load("props").response());
    client(Transports.HTTP1, true);
    assertThatThrownBy(() -> client.chat().callNonStreaming(recorded("chat-stream-audio")))
        .isInstanceOfSatisfying(ModalityNotSupportedException.class, e -> assertThat(e.modality()).isEqualTo("audio"));
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0} via {1}")
  @MethodSource("faces")
  void aVisionReplyStreamsLikeAnyOther(Faces face, Transports transport) throws Exception {
    Transcript t = Transcript.load("chat-stream-vision");
    server.enqueue(Transcript.load("props-vision-audio").response());
    server.enqueue(t.response());
    Faces.Outcome o = face.run(client(transport, true), recorded("chat-stream-vision"));

    assertThat(o.failure()).isNull();
    assertThat(o.text()).isEqualTo(t.expectedContent());
    assertThat(server.takeRequest(5, TimeUnit.SECONDS).getTarget()).isEqualTo("/props");
    RecordedRequest chat = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(chat.getTarget()).isEqualTo("/v1/chat/completions");
    assertThat(MAPPER.readTree(chat.getBody().utf8())).isEqualTo(t.requestBody());
  }

  @Test
  void propsAreLookedUpOnceAndNeverForText() throws Exception {
    client(Transports.HTTP1, true);
    server.enqueue(Transcript.load("chat-stream-basic").response());
    client.chat().call(recorded("chat-stream-basic"));
    assertThat(server.takeRequest(5, TimeUnit.SECONDS).getTarget()).isEqualTo("/v1/chat/completions");

    server.enqueue(Transcript.load("props-vision-audio").response());
    server.enqueue(Transcript.load("chat-stream-vision").response());
    server.enqueue(Transcript.load("chat-stream-audio").response());
    client.chat().call(recorded("chat-stream-vision"));
    client.chat().call(recorded("chat-stream-audio"));
    assertThat(server.takeRequest(5, TimeUnit.SECONDS).getTarget()).isEqualTo("/props");
    assertThat(server.takeRequest(5, TimeUnit.SECONDS).getTarget()).isEqualTo("/v1/chat/completions");
    assertThat(server.takeRequest(5, TimeUnit.SECONDS).getTarget()).isEqualTo("/v1/chat/completions");
    assertThat(server.getRequestCount()).isEqualTo(4);
  }

  @Test
  void partsOnTheWire(@TempDir Path dir) throws Exception {
    byte[] png = Base64.getDecoder().decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==");
    Path file = Files.write(dir.resolve("dot.PNG"), png);
    Path wav = Files.write(dir.resolve("a.wav"), new byte[] {1, 2, 3});
    ChatMessage m =
        ChatMessage.user(
            ContentPart.text("look: "),
            ContentPart.image(file),
            ContentPart.imageUrl(URI.create("https://example.com/cat.jpg")),
            ContentPart.audio(wav),
            ContentPart.text("done"));
    assertThat(m.content()).isEqualTo("look: done");
    assertThat(m.hasParts()).isTrue();
    assertThat(((ContentPart.Image) m.parts().get(1)).inline()).isTrue();
    assertThat(m.parts().get(1).toString()).isEqualTo("Image[data:image/png;base64, 96 chars]");
    assertThat(m.toString()).doesNotContain(Base64.getEncoder().encodeToString(png));

    JsonNode sent = MAPPER.readTree(RequestJson.chatBody(ChatRequest.builder().message(m).build(), true, ClientDefaults.NONE));
    JsonNode parts = sent.get("messages").get(0).get("content");
    assertThat(parts.toString())
        .isEqualTo(
            "[{\"type\":\"text\",\"text\":\"look: \"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,"
                + Base64.getEncoder().encodeToString(png)
                + "\"}},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.jpg\"}},"
                + "{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"AQID\",\"format\":\"wav\"}},"
                + "{\"type\":\"text\",\"text\":\"done\"}]");
    // a text message is still a plain string
    JsonNode text = MAPPER.readTree(RequestJson.chatBody(ChatRequest.builder().user("hi").build(), true, ClientDefaults.NONE));
    assertThat(text.get("messages").get(0).get("content").isTextual()).isTrue();
    assertThat(ChatMessage.user("hi").parts()).containsExactly(ContentPart.text("hi"));
    assertThat(ChatMessage.user("hi").hasParts()).isFalse();
    assertThat(new String(RequestJson.chatBody(ChatRequest.builder().user("hi").build(), false, ClientDefaults.NONE), StandardCharsets.UTF_8))
        .contains("\"content\":\"hi\"");
  }

  @Test
  void badPartsFailWhenBuilt(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> ContentPart.image(new byte[] {1}, "text/plain")).hasMessageContaining("image/");
    assertThatThrownBy(() -> ContentPart.image(new byte[0], "image/png")).hasMessageContaining("at least one byte");
    assertThatThrownBy(() -> ContentPart.imageUrl(URI.create("file:///etc/passwd"))).hasMessageContaining("http:, https: or a data: URI");
    assertThatThrownBy(() -> ContentPart.audio(new byte[] {1}, "ogg")).hasMessageContaining("wav or mp3");
    assertThatThrownBy(() -> ContentPart.image(Files.write(dir.resolve("x.tiff"), new byte[] {1}))).hasMessageContaining("extension");
    assertThatThrownBy(() -> ContentPart.image(dir.resolve("missing.png"))).isInstanceOf(java.io.UncheckedIOException.class);
    assertThatThrownBy(
            () -> ChatMessage.builder("assistant").part(ContentPart.image(new byte[] {1}, "image/png")).build())
        .hasMessageContaining("images and audio go in user messages");
  }
}
