package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamaclient.testing.FakeClock;
import io.github.llamaclient.testing.KeepAliveServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The one retry rule, on both transports ({@code readOnConsumingThread} true: our HTTP/1.1 reader;
 * false: {@code java.net.http}): a request is sent again only when that is harmless (idempotent) or
 * the facts prove the server had dropped a reused connection; never a request the server worked on.
 */
class RetryPolicyTest {
  private static final byte[] TOKENS = "{\"tokens\":[1,2,3]}".getBytes(StandardCharsets.UTF_8);
  private static final byte[] COMPLETION =
      "{\"content\":\"ok\",\"stop\":true,\"stop_type\":\"eos\"}".getBytes(StandardCharsets.UTF_8);
  private static final CompletionRequest PROMPT = CompletionRequest.builder().prompt("hi").build();

  private static void json(OutputStream out, byte[] body) throws IOException {
    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nKeep-Alive: timeout=5, max=100\r\n"
            + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
  }

  @ParameterizedTest(name = "read on the consuming thread: {0}")
  @ValueSource(booleans = {true, false})
  void anIdempotentCallWhoseConnectionDiedIsSentAgainOnce(boolean readOnConsumingThread) throws Exception {
    try (KeepAliveServer server = KeepAliveServer.start((request, out) -> {
          if (request == 2) {
            return false; // drops the kept-alive connection without an answer
          }
          json(out, TOKENS);
          return true;
        });
        LlamaClient client = LlamaClient.builder().baseUrl(server.url()).readOnConsumingThread(readOnConsumingThread).build()) {
      assertThat(client.tokenizer().count("abc")).isEqualTo(3);
      assertThat(client.tokenizer().count("abc")).isEqualTo(3);
      assertThat(server.requests()).as("the second call was sent twice").isEqualTo(3);
      assertThat(client.tokenizer().count("abc")).isEqualTo(3);
      assertThat(server.requests()).isEqualTo(4);
    }
  }

  @ParameterizedTest(name = "read on the consuming thread: {0}")
  @ValueSource(booleans = {true, false})
  void aRequestTheServerWorkedOnThenDroppedIsNeverSentAgain(boolean readOnConsumingThread) throws Exception {
    FakeClock clock = new FakeClock();
    try (KeepAliveServer server = KeepAliveServer.start((request, out) -> {
          if (request == 2) {
            clock.advance(Duration.ofSeconds(3)); // works on a long prompt, then dies without a word
            return false;
          }
          json(out, request == 1 ? TOKENS : COMPLETION);
          return true;
        });
        LlamaClient client =
            LlamaClient.builder().baseUrl(server.url()).readOnConsumingThread(readOnConsumingThread).clock(clock).build()) {
      assertThat(client.tokenizer().count("abc")).isEqualTo(3); // leaves a kept-alive connection
      assertThatThrownBy(() -> client.completions().callNonStreaming(PROMPT))
          .isInstanceOf(StreamInterruptedException.class)
          .hasMessageContaining("closed before any response");
      assertThat(server.requests()).as("sent once: the server had it for 3 s").isEqualTo(2);
    }
  }

  @ParameterizedTest(name = "read on the consuming thread: {0}")
  @ValueSource(booleans = {true})
  void aReusedConnectionTheServerHadDroppedIsResentByOurReader(boolean readOnConsumingThread) throws Exception {
    try (KeepAliveServer server = KeepAliveServer.start((request, out) -> {
          if (request == 2) {
            return false; // had closed the idle connection: not a byte of an answer, at once
          }
          json(out, request == 1 ? TOKENS : COMPLETION);
          return true;
        });
        LlamaClient client = LlamaClient.builder().baseUrl(server.url()).readOnConsumingThread(readOnConsumingThread).build()) {
      assertThat(client.tokenizer().count("abc")).isEqualTo(3);
      assertThat(client.completions().callNonStreaming(PROMPT).content()).isEqualTo("ok");
      assertThat(server.requests()).as("resent once, on a new connection").isEqualTo(3);
      assertThat(server.connections()).isEqualTo(2);
    }
  }

  @ParameterizedTest(name = "read on the consuming thread: {0}")
  @ValueSource(booleans = {false})
  void theJdkTransportCannotProveStalenessSoANonIdempotentCallFailsTyped(boolean readOnConsumingThread) throws Exception {
    try (KeepAliveServer server = KeepAliveServer.start((request, out) -> {
          if (request == 2) {
            return false;
          }
          json(out, request == 1 ? TOKENS : COMPLETION);
          return true;
        });
        LlamaClient client = LlamaClient.builder().baseUrl(server.url()).readOnConsumingThread(readOnConsumingThread).build()) {
      assertThat(client.tokenizer().count("abc")).isEqualTo(3);
      assertThatThrownBy(() -> client.completions().callNonStreaming(PROMPT)).isInstanceOf(StreamInterruptedException.class);
      assertThat(server.requests()).as("not sent again: nothing proves the server did not work on it").isEqualTo(2);
    }
  }
}
