package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.testing.RecordedRequests;
import io.github.llamaclient.testing.Transcript;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The relay wire format: framing, JSON escaping, one flush per event, and cancel on write failure. */
@Timeout(30)
class SseFramesTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private MockWebServer server;
  private LlamaClient client;

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    server.start();
    client = LlamaClient.builder().baseUrl(server.url("/").uri()).build();
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  /** Counts flushes and records what was written before each. */
  static final class Recorder extends OutputStream {
    final ByteArrayOutputStream all = new ByteArrayOutputStream();
    final List<String> flushed = new ArrayList<>();
    private int mark;

    @Override
    public void write(int b) {
      all.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      all.write(b, off, len);
    }

    @Override
    public void flush() {
      byte[] bytes = all.toByteArray();
      flushed.add(new String(bytes, mark, bytes.length - mark, StandardCharsets.UTF_8));
      mark = bytes.length;
    }
  }

  @Test
  void eachFrameIsOneDataLineOfJsonAndIsFlushed() throws IOException {
    Recorder out = new Recorder();
    SseFrames frames = SseFrames.to(out);
    frames.content("line 1\nline \"2\" é €");
    frames.error("boom");
    frames.done();
    assertThat(out.flushed)
        .containsExactly(
            "data: {\"content\":\"line 1\\nline \\\"2\\\" é €\"}\n\n",
            "data: {\"error\":\"boom\"}\n\n",
            "data: {\"done\":true}\n\n");
  }

  @Test
  void relaysARecordedReplyPieceByPieceThenDone() throws IOException {
    Transcript t = Transcript.load("chat-stream-basic");
    server.enqueue(t.response());
    Recorder out = new Recorder();
    boolean ok = SseFrames.to(out).relay(client.generateStream(RecordedRequests.chat(t.requestBody())));
    assertThat(ok).isTrue();
    StringBuilder text = new StringBuilder();
    List<String> frames = out.flushed;
    for (String f : frames.subList(0, frames.size() - 1)) {
      assertThat(f).startsWith("data: ").endsWith("\n\n");
      JsonNode n = MAPPER.readTree(f.substring(6));
      text.append(n.get("content").asText());
    }
    assertThat(frames.get(frames.size() - 1)).isEqualTo("data: {\"done\":true}\n\n");
    assertThat(frames.size() - 1).isGreaterThan(10); // one frame per piece, not one lump
    assertThat(text.toString()).isEqualTo(t.expectedContent());
  }

  @Test
  void anErrorMidStreamBecomesAnErrorFrame() throws IOException {
    Transcript t = Transcript.load("chat-stream-error-mid-stream");
    // WHOLE: this synthetic recording's segment list ends in a negative size, so it cannot be
    // replayed as recorded
    server.enqueue(t.response(Transcript.Cut.WHOLE, false));
    Recorder out = new Recorder();
    boolean ok = SseFrames.to(out).relay(client.generateStream(RecordedRequests.chat(t.requestBody())));
    assertThat(ok).isFalse();
    String last = out.flushed.get(out.flushed.size() - 1);
    assertThat(MAPPER.readTree(last.substring(6)).get("error").asText()).isNotBlank();
    assertThat(out.all.toString(StandardCharsets.UTF_8)).doesNotContain("\"done\"");
  }

  @Test
  void aFailedWriteClosesTheReplyStreamAndIsRethrown() {
    AtomicBoolean closed = new AtomicBoolean();
    Stream<String> reply = Stream.of("a", "b", "c").onClose(() -> closed.set(true));
    OutputStream gone =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            throw new IOException("Broken pipe");
          }
        };
    assertThatThrownBy(() -> SseFrames.to(gone).relay(reply)).isInstanceOf(IOException.class).hasMessage("Broken pipe");
    assertThat(closed).isTrue();
  }
}
