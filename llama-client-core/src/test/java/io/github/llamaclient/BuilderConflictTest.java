package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The builder refuses settings that contradict each other, at {@code build()}, naming both, instead
 * of letting the last call win or ignoring one; the builder stays usable once the conflict is gone.
 */
@Timeout(30)
class BuilderConflictTest {

  private static void refuses(LlamaClientBuilder b, String... named) {
    assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class).hasMessageContainingAll(named);
  }

  @Test
  void twoStreamLimits() {
    refuses(
        LlamaClient.builder().maxConcurrentStreams(4).concurrencyFromServerSlots(),
        "maxConcurrentStreams(4)",
        "concurrencyFromServerSlots()");
    refuses(
        LlamaClient.builder().concurrencyFromServerSlots().maxConcurrentStreams(4),
        "maxConcurrentStreams(4)",
        "concurrencyFromServerSlots()");
  }

  @Test
  void queueSettingsWithoutAStreamLimit() {
    refuses(LlamaClient.builder().maxQueuedStreams(8), "maxQueuedStreams(8)", "maxConcurrentStreams", "concurrencyFromServerSlots");
    refuses(
        LlamaClient.builder().queueTimeout(Duration.ofSeconds(3)),
        "queueTimeout(PT3S)",
        "maxConcurrentStreams",
        "concurrencyFromServerSlots");
    // with a limit they mean something
    LlamaClientBuilder b = LlamaClient.builder().maxQueuedStreams(8).queueTimeout(Duration.ofSeconds(3));
    refuses(b, "maxQueuedStreams(8)");
    try (LlamaClient c = b.maxConcurrentStreams(2).build()) {
      assertThat(c.limiter()).isNotNull();
    }
  }

  @Test
  void apiKeyWithCredentialsInTheBaseUrl() {
    LlamaClientBuilder b = LlamaClient.builder().apiKey("sk-key-1").baseUrl("http://proxy-user:hunter2@127.0.0.1:8080");
    refuses(b, "apiKey(...)", "the credentials in baseUrl", "Authorization");
    assertThatThrownBy(b::build).satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2", "sk-key-1", "proxy-user"));
    // the same from the environment
    LlamaClientBuilder env =
        LlamaClient.builderFromEnv(
            Map.of("LLAMA_SERVER_URL", "http://proxy-user:hunter2@127.0.0.1:8080", "LLAMA_API_KEY", "sk-key-1"));
    refuses(env, "apiKey(...)", "the credentials in baseUrl");
    // a base URL without credentials resolves it
    try (LlamaClient c = b.baseUrl("http://127.0.0.1:8080").build()) {
      assertThat(c.toString()).contains("apiKey=***");
    }
  }

  @Test
  void connectTimeoutOnYourOwnHttpClient() {
    HttpClient http = HttpClient.newHttpClient();
    refuses(
        LlamaClient.builder(http).connectTimeout(Duration.ofSeconds(2)),
        "connectTimeout(PT2S)",
        "LlamaClient.builder(HttpClient)",
        "HttpClient.newBuilder().connectTimeout");
  }
}
