package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.testing.FakeClock;
import io.github.llamaclient.testing.RecordedRequests;
import io.github.llamaclient.testing.Transcript;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Router mode, replayed from real exchanges with a llama-server started with {@code --models-dir}
 * (recordings {@code models-*} and {@code chat-router-*}): the models with their state, load and
 * unload, waiting for a model, and requests routed by their model.
 */
@Timeout(30)
class RouterModeTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private MockWebServer server;
  private LlamaClient client;
  private final FakeClock clock = new FakeClock();

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    server.start();
    client = LlamaClient.builder().baseUrl(server.url("/").uri()).clock(clock).build();
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  private RecordedRequest taken() throws InterruptedException {
    return server.takeRequest(5, TimeUnit.SECONDS);
  }

  @Test
  void listsTheModelsWithTheirState() throws Exception {
    server.enqueue(Transcript.load("models-router").response());
    List<RouterModel> models = client.models().list();
    assertThat(models).extracting(RouterModel::id).containsExactly("alpha", "beta");
    assertThat(models).extracting(RouterModel::status).containsExactly(RouterModel.Status.LOADED, RouterModel.Status.UNLOADED);
    RouterModel alpha = models.get(0);
    assertThat(alpha.failed()).isFalse();
    assertThat(alpha.exitCode()).isNull();
    assertThat(alpha.source()).isEqualTo("models_dir");
    assertThat(alpha.contextLength()).isPositive();
    assertThat(alpha.inputModalities()).containsExactly("text");
    assertThat(taken().getTarget()).isEqualTo("/models");
  }

  @Test
  void aModelWhoseProcessEndedIsFailedWithItsExitCode() {
    server.enqueue(Transcript.load("models-router-failed").response());
    RouterModel broken = client.models().get("broken").orElseThrow();
    assertThat(broken.status()).isEqualTo(RouterModel.Status.UNLOADED);
    assertThat(broken.failed()).isTrue();
    assertThat(broken.exitCode()).isEqualTo(1);
  }

  @Test
  void loadAndUnloadSendTheModelsName() throws Exception {
    server.enqueue(Transcript.load("models-load").response());
    server.enqueue(Transcript.load("models-unload").response());
    client.models().load("alpha");
    client.models().unload("alpha");
    RecordedRequest load = taken();
    assertThat(load.getMethod()).isEqualTo("POST");
    assertThat(load.getTarget()).isEqualTo("/models/load");
    assertThat(MAPPER.readTree(load.getBody().utf8())).isEqualTo(Transcript.load("models-load").requestBody());
    RecordedRequest unload = taken();
    assertThat(unload.getTarget()).isEqualTo("/models/unload");
    assertThat(MAPPER.readTree(unload.getBody().utf8())).isEqualTo(Transcript.load("models-unload").requestBody());
  }

  @Test
  void theRoutersRefusalsAreTypedWithItsMessage() {
    server.enqueue(Transcript.load("models-unload-not-loaded").response());
    assertThatThrownBy(() -> client.models().unload("beta"))
        .isInstanceOfSatisfying(LlamaHttpException.class, e -> assertThat(e.statusCode()).isEqualTo(400))
        .hasMessageContaining("model is not running");
    server.enqueue(Transcript.load("models-load-unknown").response());
    assertThatThrownBy(() -> client.models().load("nope"))
        .isInstanceOfSatisfying(LlamaHttpException.class, e -> assertThat(e.statusCode()).isEqualTo(404));
    assertThatThrownBy(() -> client.models().load("")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void awaitLoadedPollsOnTheClientsClockUntilTheModelIsUp() throws Exception {
    // first answer: alpha unloaded (the failed-load listing has alpha unloaded, not failed); then loaded
    server.enqueue(Transcript.load("models-router-failed").response());
    server.enqueue(Transcript.load("models-router").response());
    CompletableFuture<RouterModel> loaded = CompletableFuture.supplyAsync(() -> client.models().awaitLoaded("alpha", Duration.ofSeconds(30)));
    RouterModel alpha = clock.advanceUntilDone(loaded, Duration.ofMillis(50));
    assertThat(alpha.status()).isEqualTo(RouterModel.Status.LOADED);
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void awaitLoadedFailsTypedWhenTheModelsProcessEnded() {
    server.enqueue(Transcript.load("models-router-failed").response());
    assertThatThrownBy(() -> client.models().awaitLoaded("broken", Duration.ofSeconds(30)))
        .isInstanceOfSatisfying(ModelLoadException.class, e -> {
          assertThat(e.model()).isEqualTo("broken");
          assertThat(e.exitCode()).isEqualTo(1);
        })
        .hasMessageContaining("'broken'")
        .hasMessageContaining("code 1");
  }

  @Test
  void awaitLoadedOfAModelTheRouterDoesNotListSaysSo() {
    server.enqueue(Transcript.load("models-router").response());
    assertThatThrownBy(() -> client.models().awaitLoaded("nope", Duration.ofSeconds(30)))
        .isExactlyInstanceOf(LlamaException.class)
        .hasMessageContaining("has no model 'nope'");
  }

  @Test
  void awaitLoadedGivesUpAtItsTimeoutOnTheClientsClock() throws Exception {
    for (int i = 0; i < 20; i++) {
      server.enqueue(Transcript.load("models-router").response()); // beta stays unloaded
    }
    CompletableFuture<RouterModel> waiting = CompletableFuture.supplyAsync(() -> client.models().awaitLoaded("beta", Duration.ofSeconds(2)));
    assertThatThrownBy(() -> clock.advanceUntilDone(waiting, Duration.ofMillis(100)))
        .hasRootCauseInstanceOf(LlamaTimeoutException.NotReady.class)
        .rootCause()
        .hasMessageContaining("model 'beta'")
        .hasMessageContaining("unloaded");
  }

  @Test
  void aRequestReachesTheModelItNames() throws Exception {
    Transcript t = Transcript.load("chat-router-stream-model");
    server.enqueue(t.response());
    ChatRequest request = RecordedRequests.chat(t.requestBody());
    assertThat(request.model()).isEqualTo("beta");
    String text;
    try (ChatStream s = client.chat().stream(request)) {
      text = s.events().filter(e -> e instanceof ChatEvent.Content).map(e -> ((ChatEvent.Content) e).text()).collect(Collectors.joining());
      assertThat(s.result().model()).isEqualTo("beta");
    }
    assertThat(text).isEqualTo(t.expectedContent());
    assertThat(MAPPER.readTree(taken().getBody().utf8()).path("model").asText()).isEqualTo("beta");
  }

  @Test
  void theRoutersChatRefusalsAreTypedWithItsMessage() {
    for (String scenario : List.of("chat-router-no-model", "chat-router-unknown-model", "chat-router-broken-model")) {
      Transcript t = Transcript.load(scenario);
      server.enqueue(t.response());
      ChatRequest request = RecordedRequests.chat(t.requestBody());
      assertThatThrownBy(() -> client.chat().call(request))
          .as(scenario)
          .isInstanceOfSatisfying(LlamaHttpException.class, e -> assertThat(e.statusCode()).isEqualTo(t.status()))
          .hasMessageContaining(errorMessage(t));
    }
  }

  private static String errorMessage(Transcript t) {
    try {
      return MAPPER.readTree(t.bodyText()).path("error").path("message").asText();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
