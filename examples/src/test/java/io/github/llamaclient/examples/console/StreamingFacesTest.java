package io.github.llamaclient.examples.console;

import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.Recording;
import io.github.llamaclient.testing.StubReply;
import io.github.llamaclient.testing.StubRequest;
import io.github.llamaclient.examples.testing.Recordings;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.LlamaClient;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every face of the guide's snippets gives the recorded reply; the error snippet names the failure. */
@Timeout(30)
class StreamingFacesTest {
  interface Face {
    String run(LlamaClient client, io.github.llamaclient.ChatRequest request) throws Exception;
  }

  private static String replay(String scenario, Face face, int responses) throws Exception {
    Recording t = Recordings.load(scenario);
    try (LlamaServerStub server = LlamaServerStub.start()) {
      for (int i = 0; i < responses; i++) {
        server.enqueue(StubReply.of(t));
      }
      try (LlamaClient client = LlamaClient.builder().baseUrl(server.url()).build()) {
        // the stub answers whatever was asked: a request of the recording's shape is enough
        return face.run(client, io.github.llamaclient.ChatRequest.builder().user("Tell me about AI.").maxTokens(48).build());
      }
    }
  }

  @Test
  void everyFaceGivesTheRecordedText() throws Exception {
    String expected = Recordings.load("chat-stream-basic").content();
    assertThat(replay("chat-stream-basic", StreamingFaces::textStream, 1)).isEqualTo(expected);
    assertThat(replay("chat-stream-basic", StreamingFaces::events, 1)).isEqualTo(expected);
    assertThat(replay("chat-stream-basic", StreamingFaces::callbacks, 1)).isEqualTo(expected);
    assertThat(replay("chat-stream-basic", StreamingFaces::publisher, 1)).isEqualTo(expected);
    assertThat(replay("chat-stream-basic", StreamingFaces::blocking, 2)).isEqualTo(expected);
    assertThat(replay("chat-stream-basic", (c, r) -> StreamingFaces.firstChars(c, r, 10), 1)).isEqualTo(expected.substring(0, 10));
    assertThat(replay("chat-stream-progress", StreamingFaces::events, 1)).isEqualTo(Recordings.load("chat-stream-progress").content());
  }

  @Test
  void theErrorSnippetSaysWhatHappened() throws Exception {
    assertThat(replay("chat-error-context-exceeded", StreamingFaces::errors, 1)).startsWith("prompt too long");
    assertThat(replay("chat-stream-basic", StreamingFaces::errors, 1)).isEqualTo(Recordings.load("chat-stream-basic").content());
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    try (LlamaClient client = LlamaClient.builder().baseUrl("http://127.0.0.1:" + port).build()) {
      assertThat(StreamingFaces.errors(client, io.github.llamaclient.ChatRequest.builder().user("hi").build())).startsWith("no server");
    }
    try (LlamaClient client = StreamingFaces.configured()) {
      assertThat(client.toString()).doesNotContain("sk-my-key");
    }
  }

  @Test
  void theLlamaCppRequestCarriesItsFields() {
    io.github.llamaclient.ChatRequest r = StreamingFaces.llamaCppRequest();
    assertThat(r.returnProgress()).isTrue();
    assertThat(r.idSlot()).isZero();
    assertThat(r.parameters()).containsKey("grammar");
  }
}
