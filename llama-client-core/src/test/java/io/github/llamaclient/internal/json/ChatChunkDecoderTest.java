package io.github.llamaclient.internal.json;

import io.github.llamaclient.*;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamaclient.testing.RawServer;
import io.github.llamaclient.testing.Transcript;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The event decoder alone, fed the data of recorded events; and the memory bounds end to end. */
@Timeout(30)
class ChatChunkDecoderTest {

  private static boolean decode(ChatChunkDecoder d, String data, List<ChatEvent> out) {
    byte[] b = ("xx" + data + "yy").getBytes(StandardCharsets.UTF_8); // an offset into a buffer
    return d.decode(b, 2, b.length - 4, out::add);
  }

  @Test
  void doneEndsTheStream() {
    ChatChunkDecoder d = new ChatChunkDecoder(1 << 20);
    List<ChatEvent> out = new ArrayList<>();
    Transcript t = Transcript.load("chat-stream-basic");
    List<String> data = t.dataLines();
    for (String line : data.subList(0, data.size() - 1)) {
      assertThat(decode(d, line, out)).as(line).isFalse();
    }
    assertThat(decode(d, "[DONE]", out)).isTrue();
    ChatResult r = d.finish(true);
    assertThat(r.text()).isEqualTo(t.expectedContent());
    assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
    assertThat(out).filteredOn(e -> e instanceof ChatEvent.Content).hasSizeGreaterThan(10);
  }

  @Test
  void errorEventMidStreamCarriesCodeTypeMessageAndPartialText() {
    Transcript t = Transcript.load("chat-stream-error-mid-stream");
    ChatChunkDecoder d = new ChatChunkDecoder(1 << 20);
    List<ChatEvent> out = new ArrayList<>();
    List<String> data = t.dataLines();
    String error = data.get(data.size() - 1);
    assertThat(error).startsWith("{\"error\":");
    for (String line : data.subList(0, data.size() - 1)) {
      decode(d, line, out);
    }
    assertThatThrownBy(() -> decode(d, error, out))
        .isInstanceOfSatisfying(
            LlamaStreamException.class,
            e -> {
              assertThat(e.code()).isEqualTo(500);
              assertThat(e.errorType()).isEqualTo("server_error");
              assertThat(e.serverMessage()).isEqualTo("Compute error.");
              assertThat(e.partialText()).isEqualTo(t.expectedContent()).isNotEmpty();
            });
  }

  @Test
  void nonJsonDataIsAProtocolViolationNamingTheLine() {
    ChatChunkDecoder d = new ChatChunkDecoder(1 << 20);
    for (String bad : new String[] {"hello", "42", "[1,2]", "{\"choices\":[", "\"text\"", ""}) {
      assertThatThrownBy(() -> decode(d, bad, new ArrayList<>()))
          .as(bad)
          .isInstanceOfSatisfying(
              LlamaProtocolException.class,
              e -> {
                assertThat(e.offendingLine()).isEqualTo(bad);
                assertThat(e.getMessage()).endsWith(": " + bad);
              });
    }
  }

  @Test
  void aLongOffendingLineIsTruncatedInTheException() {
    ChatChunkDecoder d = new ChatChunkDecoder(1 << 20);
    String bad = "not json " + "q".repeat(5000);
    assertThatThrownBy(() -> decode(d, bad, new ArrayList<>()))
        .isInstanceOfSatisfying(
            LlamaProtocolException.class,
            e -> {
              assertThat(e.offendingLine()).startsWith("not json qqq").hasSizeLessThanOrEqualTo(201);
              assertThat(e.getMessage().length()).isLessThan(600);
            });
  }

  @Test
  void endWithoutDoneOrFinishReasonIsAnInterruption() {
    ChatChunkDecoder d = new ChatChunkDecoder(1 << 20);
    decode(d, "{\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\"par\"}}]}", new ArrayList<>());
    assertThatThrownBy(() -> d.finish(false))
        .isInstanceOfSatisfying(StreamInterruptedException.class, e -> assertThat(e.partialText()).isEqualTo("par"));
  }

  @Test
  void anOverLongLineFromTheServerFailsTheStream() {
    String longLine = "data: " + "w".repeat(3000) + "\n\n";
    try (RawServer server =
            RawServer.start(
                c -> {
                  c.sseHeaders();
                  c.chunk(RawServer.contentEvent("a"));
                  c.chunk(longLine);
                  c.awaitClientClose(java.time.Duration.ofSeconds(30));
                });
        LlamaClient client = LlamaClient.builder().baseUrl(server.url()).maxLineBytes(1024).build()) {
      for (Faces face : Faces.values()) {
        Faces.Outcome o;
        try {
          o = face.run(client, ChatRequest.builder().user("hi").build());
        } catch (Exception e) {
          throw new AssertionError(e);
        }
        assertThat(o.failure())
            .as(face.name())
            .isInstanceOfSatisfying(
                LlamaProtocolException.class,
                e -> assertThat(e.offendingLine()).startsWith("data: www").hasSizeLessThanOrEqualTo(201));
      }
    }
  }

  @Test
  void tooMuchTextFailsTheStream() {
    try (RawServer server = RawServer.start(c -> c.slowEvents(java.time.Duration.ofMillis(0), 400));
        LlamaClient client = LlamaClient.builder().baseUrl(server.url()).maxResponseChars(1024).build()) {
      assertThatThrownBy(() -> client.chat().call(ChatRequest.builder().user("hi").build()))
          .isInstanceOf(ResponseTooLargeException.class)
          .hasMessageContaining("1024");
    }
  }
}
