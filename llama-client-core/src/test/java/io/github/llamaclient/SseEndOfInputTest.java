package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.testing.RawServer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ends of an event stream, over every face and both transports: a body that ends inside an
 * SSE event fails as an interrupted stream that keeps the text so far (the half event is never
 * decoded), and one leading byte order mark is skipped instead of hiding the first event.
 */
@Timeout(60) // a hang is a failure, not a stuck build
class SseEndOfInputTest {
  private static final ChatRequest HI = ChatRequest.builder().user("hi").maxTokens(8).build();

  /** The two ways a stream is read. */
  enum Transport {
    /** The default: pulled faces read their own HTTP/1.1 connection on the consuming thread. */
    CONSUMING_THREAD(b -> b),
    /** Every face through {@code java.net.http}. */
    HTTP_CLIENT(b -> b.readOnConsumingThread(false));

    final UnaryOperator<LlamaClientBuilder> setting;

    Transport(UnaryOperator<LlamaClientBuilder> setting) {
      this.setting = setting;
    }

    LlamaClient client(java.net.URI url) {
      return setting.apply(LlamaClient.builder().baseUrl(url)).build();
    }
  }

  static Stream<Arguments> facesAndTransports() {
    List<Arguments> out = new ArrayList<>();
    for (Faces face : Faces.values()) {
      for (Transport t : Transport.values()) {
        out.add(Arguments.of(face, t));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} over {1}")
  @MethodSource("facesAndTransports")
  void aBodyEndingInsideAnEventIsAnInterruptedStreamWithTheTextSoFar(Faces face, Transport transport)
      throws Exception {
    try (RawServer server =
            RawServer.start(
                c -> {
                  c.sseHeaders();
                  c.chunk(RawServer.contentEvent("Hello"));
                  c.chunk(RawServer.contentEvent(", world"));
                  // the HTTP body ends properly, but inside this event: no blank line after it
                  c.chunk("data: {\"choices\":[{\"delta\":{\"content\":\"Hel");
                  c.endChunks();
                  c.close();
                });
        LlamaClient client = transport.client(server.url())) {
      Faces.Outcome o = face.run(client, HI);
      assertThat(o.failure())
          .isInstanceOfSatisfying(
              StreamInterruptedException.class,
              e -> {
                assertThat(e.partialText()).isEqualTo("Hello, world");
                assertThat(e.getMessage()).contains("ended in the middle of an SSE event");
              });
      if (face.streamsText()) {
        assertThat(o.text()).isEqualTo("Hello, world");
      }
    }
  }

  static Stream<Arguments> facesTransportsAndChunkSizes() {
    List<Arguments> out = new ArrayList<>();
    for (Faces face : Faces.values()) {
      for (Transport t : Transport.values()) {
        for (int chunk : new int[] {1, 2, 4096}) {
          out.add(Arguments.of(face, t, chunk));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} over {1}, HTTP chunks of {2} bytes")
  @MethodSource("facesTransportsAndChunkSizes")
  void aLeadingBomIsSkippedAndTheFirstEventKept(Faces face, Transport transport, int chunkBytes)
      throws Exception {
    String body =
        "\ufeff"
            + RawServer.contentEvent("Hello")
            + RawServer.contentEvent(", world")
            + RawServer.finishEvent()
            + "data: [DONE]\n\n";
    try (MockWebServer server = new MockWebServer()) {
      server.start();
      // chunks of 1 and 2 bytes cut the BOM (EF BB BF) between HTTP chunks, so between reads
      server.enqueue(
          new MockResponse.Builder()
              .addHeader("Content-Type", "text/event-stream")
              .chunkedBody(body, chunkBytes)
              .build());
      try (LlamaClient client = transport.client(server.url("/").uri())) {
        Faces.Outcome o = face.run(client, HI);
        assertThat(o.failure()).isNull();
        assertThat(o.text()).isEqualTo("Hello, world");
      }
    }
  }
}
