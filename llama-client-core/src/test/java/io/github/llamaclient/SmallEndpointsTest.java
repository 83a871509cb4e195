package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.testing.Transcript;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The small endpoints over their recordings: what the client sends, what it makes of the reply. */
@Timeout(30)
class SmallEndpointsTest {
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

  private Transcript replay(String scenario) {
    Transcript t = Transcript.load(scenario);
    server.enqueue(t.response());
    return t;
  }

  private void assertSent(Transcript t) throws Exception {
    RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(r).isNotNull();
    assertThat(r.getMethod()).isEqualTo(t.method());
    assertThat(r.getTarget()).isEqualTo(t.path());
    JsonNode expected = t.requestBody();
    if (expected != null && !expected.isNull()) {
      assertThat(MAPPER.readTree(r.getBody().utf8())).isEqualTo(expected);
    }
  }

  @Test
  void tokenizeWithPieces() throws Exception {
    Transcript t = replay("tokenize");
    List<Token> tokens = client.tokenizer().tokenize("Hello world, the license");
    assertThat(tokens).hasSize(19);
    assertThat(tokens.get(0)).isEqualTo(new Token(301, "H", false));
    assertThat(tokens.get(11)).isEqualTo(new Token(371, " the", false));
    assertSent(t);
  }

  @Test
  void detokenize() throws Exception {
    Transcript t = replay("detokenize");
    assertThat(client.tokenizer().detokenize(List.of(300, 400, 500))).isEqualTo("Gbybut");
    assertSent(t);
  }

  @Test
  void applyTemplate() throws Exception {
    Transcript t = replay("apply-template");
    String prompt =
        client.tokenizer().applyTemplate(List.of(ChatMessage.system("You are a helpful assistant."), ChatMessage.user("Tell me about AI.")));
    assertThat(prompt).startsWith("<|im_start|>system\nYou are a helpful assistant.<|im_end|>").endsWith("<|im_start|>assistant\n");
    assertSent(t);
  }

  @Test
  void props() throws Exception {
    Transcript t = replay("props");
    ServerProps p = client.server().props();
    assertThat(p.contextSize()).isEqualTo(2048);
    assertThat(p.totalSlots()).isEqualTo(2);
    assertThat(p.modelAlias()).isEqualTo("tiny.gguf");
    assertThat(p.chatTemplate()).contains("<|im_start|>");
    assertThat(p.vision()).isFalse();
    assertSent(t);
  }

  @Test
  void slotSaveRestoreErase() throws Exception {
    Transcript save = replay("slot-save");
    assertThat(client.slots().save(0, "session-42.bin")).isEqualTo(new SlotSaveResult(0, "session-42.bin", 128, 67664, 0.783));
    assertSent(save);
    Transcript restore = replay("slot-restore");
    assertThat(client.slots().restore(0, "session-42.bin"))
        .isEqualTo(new SlotRestoreResult(0, "session-42.bin", 128, 67664, 0.153));
    assertSent(restore);
    Transcript erase = replay("slot-erase");
    assertThat(client.slots().erase(0)).isEqualTo(128);
    assertSent(erase);
  }

  @Test
  void slotFilenameMustBePlain() {
    assertThatThrownBy(() -> client.slots().save(0, "../etc/passwd"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("plain file name");
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void healthAndAwaitReady() throws Exception {
    // 503 while loading: the body llama-server sends (API.md section 2; no recording of it exists)
    server.enqueue(
        new MockResponse.Builder()
            .code(503)
            .addHeader("Content-Type", "application/json; charset=utf-8")
            .body("{\"error\":{\"message\":\"Loading model\",\"type\":\"unavailable_error\",\"code\":503}}")
            .build());
    server.enqueue(Transcript.load("health").response());
    client.server().awaitReady(Duration.ofSeconds(5));
    assertThat(server.getRequestCount()).isEqualTo(2);
    server.enqueue(Transcript.load("health").response());
    assertThat(client.server().isReady()).isTrue();
  }

  @Test
  void awaitReadyTimesOutWithItsOwnTypeOnTheClientsClock() throws Exception {
    // two minutes of the client's clock, not of real time: a wait in real time would outlast the
    // class's 30 s limit
    for (int i = 0; i < 200; i++) {
      server.enqueue(
          new MockResponse.Builder()
              .code(503)
              .body("{\"error\":{\"message\":\"Loading model\",\"type\":\"unavailable_error\",\"code\":503}}")
              .build());
    }
    io.github.llamaclient.testing.FakeClock clock = new io.github.llamaclient.testing.FakeClock();
    java.util.concurrent.ExecutorService waiter = java.util.concurrent.Executors.newSingleThreadExecutor();
    try (LlamaClient c = LlamaClient.builder().baseUrl(server.url("/").uri()).clock(clock).build()) {
      java.util.concurrent.Future<?> f = waiter.submit(() -> c.server().awaitReady(Duration.ofMinutes(2)));
      while (!f.isDone()) {
        clock.advance(Duration.ofSeconds(1)); // a poll interval is at most 1 s
        try {
          f.get(5, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          // on
        } catch (java.util.concurrent.ExecutionException e) {
          break; // the failure is checked below
        }
      }
      assertThatThrownBy(f::get)
          .cause()
          .isInstanceOf(LlamaTimeoutException.NotReady.class)
          .hasMessageContaining("503 Loading model")
          .hasMessageContaining("PT2M");
      assertThat(server.getRequestCount()).as("polled, at most once per second of the clock").isBetween(2, 130);
    } finally {
      waiter.shutdownNow();
    }
  }

  @Test
  void notFoundIsTyped() {
    server.enqueue(Transcript.load("not-found").response());
    assertThatThrownBy(() -> client.server().props())
        .isInstanceOfSatisfying(
            LlamaHttpException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(404);
              assertThat(e.errorType()).isEqualTo("not_found_error");
            });
  }
}
