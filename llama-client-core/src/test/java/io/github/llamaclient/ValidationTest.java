package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.testing.Transcript;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bad arguments fail when the client or request is built, with a message that says what was wrong. */
@Timeout(30)
class ValidationTest {

  private static void rejects(Runnable r, String... messageParts) {
    assertThatThrownBy(r::run).isInstanceOf(IllegalArgumentException.class).hasMessageContainingAll(messageParts);
  }

  @Test
  void clientBuilder() {
    LlamaClientBuilder b = LlamaClient.builder();
    rejects(() -> b.baseUrl("ftp://host:8080"), "baseUrl must be an http or https URL, was ftp://host:8080");
    rejects(() -> b.baseUrl("localhost:8080"), "baseUrl must be an http or https URL");
    rejects(() -> b.baseUrl("http:///v1"), "baseUrl must name a host");
    rejects(() -> b.baseUrl("http://host/?a=b"), "must not have a query or fragment");
    rejects(() -> b.baseUrl("http://host/#x"), "must not have a query or fragment");
    rejects(() -> b.baseUrl("http://bad host"), "baseUrl is not a valid URL: 'http://bad host'");
    assertThatThrownBy(() -> b.baseUrl((String) null)).isInstanceOf(NullPointerException.class).hasMessage("baseUrl");
    rejects(() -> b.apiKey(" "), "apiKey must be visible ASCII characters only", "character 1 of 1 is a space");
    rejects(() -> b.apiKey("se\ncret"), "apiKey must be visible ASCII characters only", "character 3 of 7 is a line break (LF)");
    rejects(() -> b.connectTimeout(Duration.ofSeconds(-1)), "connectTimeout must be positive, was PT-1S");
    rejects(() -> b.responseTimeout(Duration.ZERO), "responseTimeout must be positive, was PT0S");
    rejects(() -> b.idleTimeout(Duration.ofMillis(-5)), "idleTimeout must be positive, was PT-0.005S");
    assertThatThrownBy(() -> b.idleTimeout(null)).isInstanceOf(NullPointerException.class).hasMessage("idleTimeout");
    rejects(() -> b.maxLineBytes(1023), "maxLineBytes must be at least 1024, was 1023");
    rejects(() -> b.maxResponseChars(0), "maxResponseChars must be at least 1024, was 0");
    rejects(() -> b.defaultModel(""), "defaultModel must not be blank");
    rejects(() -> b.defaultMaxTokens(-2), "defaultMaxTokens must be -1 (no limit) or more, was -2");
    rejects(() -> b.defaultTemperature(Double.NaN), "defaultTemperature must be from 0 to 100, was NaN");
    rejects(() -> b.defaultTemperature(-0.5), "was -0.5");
    rejects(() -> b.defaultParameter("messages", "x"), "'messages'");
    rejects(() -> b.defaultParameter("stream", false), "'stream'");
    rejects(() -> b.defaultParameter("x", new Object()), "value of x must be a JSON value");
    rejects(() -> b.defaultParameter("x", Double.POSITIVE_INFINITY), "value of x", "Infinity");
    assertThatThrownBy(() -> b.wireListener(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> LlamaClient.builder(null)).isInstanceOf(NullPointerException.class).hasMessage("httpClient");
    // the failed calls left the builder as it was
    try (LlamaClient c = b.build()) {
      assertThat(c.baseUrl()).isEqualTo(LlamaClient.DEFAULT_BASE_URL);
      assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
      assertThat(c.idleTimeout()).isEqualTo(Duration.ofSeconds(60));
      assertThat(c.responseTimeout()).isEqualTo(Duration.ofMinutes(10));
    }
  }

  @Test
  void chatRequestBuilder() {
    ChatRequest.Builder b = ChatRequest.builder();
    rejects(b::build, "a chat request needs at least one message");
    b.user("hi");
    rejects(() -> b.temperature(-0.1), "temperature must be from 0.0 to 100.0, was -0.1");
    rejects(() -> b.temperature(Double.NaN), "temperature", "NaN");
    rejects(() -> b.topP(1.5), "topP must be from 0.0 to 1.0, was 1.5");
    rejects(() -> b.minP(-1), "minP");
    rejects(() -> b.repeatPenalty(-1), "repeatPenalty");
    rejects(() -> b.presencePenalty(2.5), "presencePenalty");
    rejects(() -> b.frequencyPenalty(-3), "frequencyPenalty");
    rejects(() -> b.maxTokens(-2), "maxTokens must be -1 (no limit) or more, was -2");
    rejects(() -> b.topK(-1), "topK must be 0 or more, was -1");
    rejects(() -> b.idSlot(-2), "idSlot must be -1 (any) or a slot id, was -2");
    rejects(() -> b.stop(""), "stop strings must not be null or empty");
    rejects(() -> b.stop(Arrays.asList("a", null)), "stop strings must not be null or empty");
    rejects(() -> b.reasoningFormat("fancy"), "reasoningFormat must be none, auto, deepseek or deepseek-legacy, was fancy");
    rejects(() -> b.parameter("stream", true), "parameter stream is set by the client");
    rejects(() -> b.parameter("messages", List.of()), "parameter messages is set by the client");
    rejects(() -> b.parameter(" ", 1), "parameter name must not be blank");
    rejects(() -> b.parameter("grammar", new StringBuilder("x")), "value of grammar must be a JSON value");
    rejects(() -> b.parameter("logit_bias", Map.of(1, 2)), "map keys must be strings");
    rejects(() -> b.parameter("n_probs", Double.NaN), "value of n_probs", "NaN");
    rejects(() -> b.parameter("x", List.of(1.0, Float.NaN)), "value of x[]", "NaN");
    rejects(() -> b.chatTemplateKwarg("", true), "chat template kwarg name must not be blank");
    assertThatThrownBy(() -> b.chatTemplateKwarg("enable_thinking", null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> b.message(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> b.messages(Arrays.asList(ChatMessage.user("a"), null)))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> b.model(null)).isInstanceOf(NullPointerException.class);
    rejects(() -> b.model(" "), "model must not be blank");
    // still buildable, and unchanged by the rejected calls
    ChatRequest r = b.build();
    assertThat(r.temperature()).isNull();
    assertThat(r.parameters()).isEmpty();
    assertThat(r.stop()).isEmpty();
  }

  @Test
  void chatMessage() {
    rejects(() -> ChatMessage.builder(" ").content("x").build(), "role must not be blank");
    rejects(() -> ChatMessage.builder("user").build(), "a user message needs content");
    rejects(() -> ChatMessage.builder("tool").content("42").build(), "a tool message needs the toolCallId");
    assertThatThrownBy(() -> ChatMessage.user(null)).isInstanceOf(NullPointerException.class).hasMessage("content");
    assertThatThrownBy(() -> ChatMessage.tool(null, "x")).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> ChatMessage.builder(null)).isInstanceOf(NullPointerException.class);
    // an assistant message with tool calls may have no content
    ChatMessage m = ChatMessage.builder("assistant").toolCalls(List.of(new ToolCall("c1", "f", "{}"))).build();
    assertThat(m.toolCalls()).hasSize(1);
    assertThat(m.content()).isNull();
  }

  @Test
  void fromEnvNamesTheBadVariable() {
    rejects(() -> LlamaClient.builderFromEnv(Map.of("LLAMA_SERVER_URL", "ftp://x")), "LLAMA_SERVER_URL", "ftp://x");
    rejects(() -> LlamaClient.builderFromEnv(Map.of("LLM_SERVER_URL", "nohost")), "LLM_SERVER_URL");
    rejects(() -> LlamaClient.builderFromEnv(Map.of("LLM_TIMEOUT", "soon")), "LLM_TIMEOUT must be a number of seconds, was 'soon'");
    rejects(() -> LlamaClient.builderFromEnv(Map.of("LLM_TIMEOUT", "-5")), "LLM_TIMEOUT", "must be positive");
    rejects(() -> LlamaClient.builderFromEnv(Map.of("LLM_TIMEOUT", "0")), "LLM_TIMEOUT", "must be positive");
    rejects(() -> LlamaClient.builderFromEnv(Map.of("LLM_TIMEOUT", "NaN")), "LLM_TIMEOUT");
    rejects(() -> LlamaClient.builderFromEnv(Map.of("LLM_TEMPERATURE", "hot")), "LLM_TEMPERATURE", "'hot'");
    rejects(() -> LlamaClient.builderFromEnv(Map.of("LLM_TEMPERATURE", "500")), "LLM_TEMPERATURE", "'500'");
    rejects(() -> LlamaClient.builderFromEnv(Map.of("LLM_MAX_TOKENS", "1.5")), "LLM_MAX_TOKENS", "'1.5'");
    rejects(() -> LlamaClient.builderFromEnv(Map.of("LLM_MAX_TOKENS", "-3")), "LLM_MAX_TOKENS", "'-3'");
    assertThatThrownBy(() -> LlamaClient.builderFromEnv(Map.of("LLAMA_API_KEY", "sk-\u0001secret")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("LLAMA_API_KEY")
        .message()
        .doesNotContain("secret");
  }

  @Test
  void fromEnvReadsEveryVariable() throws Exception {
    try (MockWebServer server = new MockWebServer()) {
      server.start();
      server.enqueue(Transcript.load("chat-stream-basic").response());
      Map<String, String> env = new HashMap<>();
      env.put("LLM_SERVER_URL", "http://ignored:1"); // LLAMA_SERVER_URL wins
      env.put("LLAMA_SERVER_URL", " " + server.url("/").uri() + " ");
      env.put("LLAMA_API_KEY", "sk-env");
      env.put("LLM_TIMEOUT", "2.5");
      env.put("LLM_TEMPERATURE", "0.25");
      env.put("LLM_MAX_TOKENS", "77");
      env.put("LLM_API_KEY", ""); // blank values are unset
      try (LlamaClient c = LlamaClient.builderFromEnv(env).build()) {
        assertThat(c.responseTimeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(c.idleTimeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(c.toString()).doesNotContain("sk-env");
        c.chat().call(ChatRequest.builder().user("hi").build());
      }
      RecordedRequest sent = server.takeRequest(5, TimeUnit.SECONDS);
      assertThat(sent.getHeaders().get("Authorization")).isEqualTo("Bearer sk-env");
      JsonNode body = new ObjectMapper().readTree(sent.getBody().utf8());
      assertThat(body.get("temperature").asDouble()).isEqualTo(0.25);
      assertThat(body.get("max_tokens").asInt()).isEqualTo(77);
    }
    Consumer<Map<String, String>> empty =
        env -> {
          try (LlamaClient c = LlamaClient.builderFromEnv(env).build()) {
            assertThat(c.baseUrl()).isEqualTo(LlamaClient.DEFAULT_BASE_URL);
          }
        };
    empty.accept(Map.of());
    empty.accept(Map.of("LLAMA_SERVER_URL", "  "));
    try (LlamaClient c = LlamaClient.builderFromEnv(Map.of("LLM_SERVER_URL", "http://h:9")).build()) {
      assertThat(c.baseUrl()).hasToString("http://h:9");
    }
  }
}
