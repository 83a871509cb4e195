package io.github.llamaclient.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.LlamaException;
import io.github.llamaclient.session.SessionManager;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The client and session beans from properties and the seed's variables, without a web server. */
@Timeout(60)
class LlamaAutoConfigurationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static Upstream upstream;

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(LlamaAutoConfiguration.class));

  @BeforeAll
  static void start() {
    upstream = new Upstream();
  }

  @AfterAll
  static void stop() {
    upstream.close();
  }

  @Test
  void theClientTakesTheLlamaProperties() {
    runner
        .withPropertyValues(
            "llama.server-url=http://127.0.0.1:9/prefix",
            "llama.connect-timeout=2s",
            "llama.response-timeout=3m",
            "llama.idle-timeout=45s",
            "llama.api-key=sk-secret")
        .run(
            ctx -> {
              LlamaClient client = ctx.getBean(LlamaClient.class);
              assertThat(client.baseUrl()).isEqualTo(URI.create("http://127.0.0.1:9/prefix"));
              assertThat(client.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
              assertThat(client.responseTimeout()).isEqualTo(Duration.ofMinutes(3));
              assertThat(client.idleTimeout()).isEqualTo(Duration.ofSeconds(45));
              assertThat(client.toString()).doesNotContain("sk-secret");
              assertThat(ctx.getBean(SessionManager.class)).isNotNull();
            });
  }

  @Test
  void theSeedsVariablesAreHonouredAndTheLlamaPropertiesWinOverThem() {
    runner
        .withPropertyValues("LLM_SERVER_URL=http://127.0.0.1:7", "LLM_TIMEOUT=42")
        .run(
            ctx -> {
              LlamaClient client = ctx.getBean(LlamaClient.class);
              assertThat(client.baseUrl()).isEqualTo(URI.create("http://127.0.0.1:7"));
              assertThat(client.responseTimeout()).isEqualTo(Duration.ofSeconds(42));
              assertThat(client.idleTimeout()).isEqualTo(Duration.ofSeconds(42));
            });
    runner
        .withPropertyValues("LLM_SERVER_URL=http://127.0.0.1:7", "llama.server-url=http://127.0.0.1:8")
        .run(ctx -> assertThat(ctx.getBean(LlamaClient.class).baseUrl()).isEqualTo(URI.create("http://127.0.0.1:8")));
  }

  @Test
  void theSeedsDefaultsReachTheRequest() throws Exception {
    upstream.reset();
    runner
        .withPropertyValues("LLM_SERVER_URL=" + upstream.url(), "LLM_TEMPERATURE=0.25", "LLM_MAX_TOKENS=77")
        .run(ctx -> ctx.getBean(LlamaClient.class).chat().call(ChatRequest.builder().user("hi").build()));
    JsonNode sent = JSON.readTree(upstream.chatRequests.poll(5, TimeUnit.SECONDS).body());
    assertThat(sent.get("temperature").asDouble()).isEqualTo(0.25);
    assertThat(sent.get("max_tokens").asInt()).isEqualTo(77);

    upstream.reset();
    runner
        .withPropertyValues("LLM_SERVER_URL=" + upstream.url(), "LLM_MAX_TOKENS=77", "llama.max-tokens=12", "llama.temperature=1.5")
        .run(ctx -> ctx.getBean(LlamaClient.class).chat().call(ChatRequest.builder().user("hi").build()));
    JsonNode sent2 = JSON.readTree(upstream.chatRequests.poll(5, TimeUnit.SECONDS).body());
    assertThat(sent2.get("temperature").asDouble()).isEqualTo(1.5);
    assertThat(sent2.get("max_tokens").asInt()).isEqualTo(12);
  }

  @Test
  void aBadValueFailsTheStartNamingIt() {
    runner
        .withPropertyValues("LLM_TIMEOUT=soon")
        .run(ctx -> assertThat(ctx.getStartupFailure()).hasStackTraceContaining("LLM_TIMEOUT must be a number of seconds, was 'soon'"));
    runner
        .withPropertyValues("llama.session.store=directory")
        .run(ctx -> assertThat(ctx.getStartupFailure()).rootCause().hasMessage("llama.session.store=directory needs llama.session.directory"));
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnBeans {
    static final LlamaClient CLIENT = LlamaClient.builder().baseUrl("http://127.0.0.1:5").build();

    @Bean
    LlamaClient myClient() {
      return CLIENT;
    }

    @Bean
    LlamaClientCustomizer unused() {
      return b -> {
        throw new AssertionError("a customizer of the auto-configured client ran for a user's client");
      };
    }
  }

  @Test
  void theUsersOwnBeansWin() {
    runner
        .withUserConfiguration(OwnBeans.class)
        .withPropertyValues("llama.server-url=http://127.0.0.1:6")
        .run(
            ctx -> {
              assertThat(ctx).hasSingleBean(LlamaClient.class);
              assertThat(ctx.getBean(LlamaClient.class)).isSameAs(OwnBeans.CLIENT);
              assertThat(ctx.getBean(SessionManager.class)).isNotNull();
            });
  }

  @Test
  void customizersChangeTheBuilder() {
    runner
        .withBean(LlamaClientCustomizer.class, () -> b -> b.idleTimeout(Duration.ofSeconds(7)))
        .run(ctx -> assertThat(ctx.getBean(LlamaClient.class).idleTimeout()).isEqualTo(Duration.ofSeconds(7)));
  }

  @Test
  void theClientAndTheSessionsAreClosedWithTheContext() {
    AtomicReference<LlamaClient> client = new AtomicReference<>();
    AtomicReference<SessionManager> sessions = new AtomicReference<>();
    runner
        .withPropertyValues("llama.server-url=" + upstream.url())
        .run(
            ctx -> {
              client.set(ctx.getBean(LlamaClient.class));
              sessions.set(ctx.getBean(SessionManager.class));
            });
    assertThatThrownBy(() -> client.get().chat().call(ChatRequest.builder().user("hi").build())).isInstanceOf(LlamaException.class);
    assertThatThrownBy(() -> sessions.get().session("x")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aDirectoryStoreKeepsSessionsOnDisk(@TempDir Path dir) {
    upstream.reset();
    runner
        .withPropertyValues(
            "llama.server-url=" + upstream.url(),
            "llama.session.store=directory",
            "llama.session.directory=" + dir,
            "llama.session.history-tokens=2000")
        .run(ctx -> ctx.getBean(SessionManager.class).processMessage("kept", "hello"));
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.contains("kept"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void theIdeMetadataDescribesEveryProperty() throws Exception {
    JsonNode meta;
    try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
      assertThat(in).as("the configuration processor ran").isNotNull();
      meta = JSON.readTree(in);
    }
    java.util.Map<String, JsonNode> byName = new java.util.HashMap<>();
    meta.get("properties").forEach(p -> byName.put(p.get("name").asText(), p));
    assertThat(byName)
        .containsKeys(
            "llama.server-url",
            "llama.api-key",
            "llama.connect-timeout",
            "llama.temperature",
            "llama.max-tokens",
            "llama.concurrency.from-server-slots",
            "llama.session.store",
            "llama.session.history-tokens",
            "llama.web.enabled",
            "llama.web.heartbeat",
            "llama.rate-limit.requests-per-minute",
            "llama.rate-limit.streams-per-caller");
    byName.values().forEach(p -> assertThat(p.path("description").asText()).as(p.get("name").asText()).isNotBlank());
    assertThat(byName.get("llama.web.max-tokens").get("defaultValue").asInt()).isEqualTo(512);
  }
}
