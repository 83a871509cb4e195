package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.internal.flow.StreamCleaner;
import io.github.llamaclient.testing.RawServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Leaked streams close themselves: a pulled stream read in part and dropped without {@code
 * close()} closes its connection once the garbage collector finds it unreachable, on both
 * transports; a stream closed, or read to its end, leaves nothing for the cleaner to do.
 */
@Timeout(60)
class LeakedStreamTest {
  private static final ChatRequest CHAT = ChatRequest.builder().user("Tell me about AI.").build();
  private static final CompletionRequest COMPLETION = CompletionRequest.of("Once upon a time");
  private static final Duration GC_WAIT = Duration.ofSeconds(10);

  private RawServer server;
  private LlamaClient client;

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  /** The pulled faces; each starts a stream, takes its first piece, and drops every reference. */
  enum Face {
    CHAT_STREAM {
      @Override
      Object first(LlamaClient client) {
        ChatStream s = client.chat().stream(CHAT);
        return s.iterator().next();
      }
    },
    CHAT_STREAM_EVENTS {
      @Override
      Object first(LlamaClient client) {
        return client.chat().stream(CHAT).events().findFirst().orElseThrow();
      }
    },
    TEXT_STREAM {
      @Override
      Object first(LlamaClient client) {
        Stream<String> s = client.generateStream(CHAT);
        return s.iterator().next();
      }
    },
    COMPLETION_STREAM {
      @Override
      Object first(LlamaClient client) {
        return client.completions().stream(COMPLETION).iterator().next();
      }
    },
    COMPLETION_TEXT {
      @Override
      Object first(LlamaClient client) {
        return client.completions().textStream(COMPLETION).findFirst().orElseThrow();
      }
    };

    /** Starts a stream and returns its first item; the stream itself is not returned. */
    abstract Object first(LlamaClient client);
  }

  static Stream<Arguments> facesAndTransports() {
    List<Arguments> out = new ArrayList<>();
    for (Face f : Face.values()) {
      out.add(Arguments.of(f, true)); // read on the consuming thread (plain http:)
      out.add(Arguments.of(f, false)); // java.net.http
    }
    return out.stream();
  }

  /** Writes one event, then keeps the connection open as if still generating. */
  private void startGenerating(boolean readOnConsumingThread) {
    server =
        RawServer.start(
            c -> {
              c.sseHeaders();
              c.chunk(
                  c.requestLine().startsWith("POST /completion ")
                      ? "data: {\"index\":0,\"content\":\"first\",\"stop\":false}\n\n"
                      : RawServer.contentEvent("first"));
              c.awaitClientClose(Duration.ofSeconds(60));
            });
    client = LlamaClient.builder().baseUrl(server.url()).readOnConsumingThread(readOnConsumingThread).build();
  }

  @ParameterizedTest(name = "{0}, read on the consuming thread: {1}")
  @MethodSource("facesAndTransports")
  void aStreamDroppedBeforeItsEndClosesItsConnection(Face face, boolean readOnConsumingThread)
      throws Exception {
    startGenerating(readOnConsumingThread);

    assertThat(face.first(client)).isNotNull(); // the stream is dropped here, read in part and not closed
    RawServer.Connection c = server.awaitRequest(Duration.ofSeconds(10));
    assertThat(c).isNotNull();

    assertThat(collectUntilClosed(c))
        .as("the server saw the dropped stream's connection close")
        .isTrue();
  }

  /**
   * Runs the garbage collector until the server sees the client close the connection, or the
   * bounded wait ends: the leaked stream's cleaner is what closes it.
   */
  static boolean collectUntilClosed(RawServer.Connection c) throws InterruptedException {
    long deadline = System.nanoTime() + GC_WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      System.gc();
      if (c.awaitClientClose(Duration.ofMillis(20))) {
        return true;
      }
    }
    return c.clientClosed();
  }

  @Test
  void streamsClosedOrReadToTheirEndLeaveNothingForTheCleaner() throws Exception {
    server =
        RawServer.start(
            c -> {
              c.sseHeaders();
              if (c.requestLine().startsWith("POST /completion ")) {
                c.chunk("data: {\"index\":0,\"content\":\"first\",\"stop\":false}\n\n");
                c.chunk("data: {\"index\":0,\"content\":\"\",\"stop\":true}\n\n");
              } else {
                c.chunk(RawServer.contentEvent("first"));
                c.chunk(RawServer.finishEvent());
                c.chunk("data: [DONE]\n\n");
              }
              c.endChunks();
              c.close();
            });
    client = LlamaClient.builder().baseUrl(server.url()).build();
    // every face stays reachable until the count is taken: only closing or ending deregisters
    List<Object> faces = new ArrayList<>();
    int before = StreamCleaner.registered();

    for (int i = 0; i < 10; i++) {
      try (ChatStream s = client.chat().stream(CHAT)) { // closed early
        faces.add(s);
        assertThat(s.iterator().next()).isInstanceOf(ChatEvent.Content.class);
      }
      ChatStream read = client.chat().stream(CHAT); // read to its end, never closed
      faces.add(read);
      assertThat(read.result().text()).isEqualTo("first");
      Stream<String> text = client.generateStream(CHAT); // read to its end, never closed
      faces.add(text);
      assertThat(text.iterator()).toIterable().containsExactly("first");
      CompletionStream completion = client.completions().stream(COMPLETION);
      faces.add(completion);
      assertThat(completion.result().content()).isEqualTo("first");
      assertThat(client.chat().call(CHAT).text()).isEqualTo("first");
    }

    assertThat(StreamCleaner.registered())
        .as("streams still registered with the cleaner (%s faces held)", faces.size())
        .isLessThanOrEqualTo(before);
    assertThat(server.accepted()).isEqualTo(50);
  }
}
