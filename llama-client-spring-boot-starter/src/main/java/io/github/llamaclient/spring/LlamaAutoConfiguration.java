package io.github.llamaclient.spring;

import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.LlamaClientBuilder;
import io.github.llamaclient.session.HistoryBudget;
import io.github.llamaclient.session.SessionManager;
import io.github.llamaclient.session.SessionStore;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * The {@link LlamaClient} and {@link SessionManager} beans, from {@link LlamaProperties} and the
 * seed's {@code LLM_*} variables. Both are closed when the context closes (the manager first, as
 * it depends on the client). Declare a bean of either type to replace it; add {@link
 * LlamaClientCustomizer} beans to change the client's builder.
 */
@AutoConfiguration
@EnableConfigurationProperties(LlamaProperties.class)
public class LlamaAutoConfiguration {

  /** The variables {@link LlamaClient#builderFromEnv(Map)} reads, looked up in the Spring environment. */
  static final List<String> SEED_VARIABLES =
      List.of(
          "LLAMA_SERVER_URL",
          "LLM_SERVER_URL",
          "LLAMA_API_KEY",
          "LLM_API_KEY",
          "LLM_TIMEOUT",
          "LLM_TEMPERATURE",
          "LLM_MAX_TOKENS");

  /** Created by Spring. */
  public LlamaAutoConfiguration() {}

  /**
   * The client: the seed's variables first (from any property source: the process environment,
   * system properties, {@code application.properties}), then the {@code llama.*} properties over
   * them, then the customizers.
   *
   * @param properties the bound properties
   * @param environment where the seed's variables are looked up
   * @param customizers applied last, in order
   * @return the client, closed with the context
   * @throws IllegalArgumentException if a variable or property has a bad value (the message names
   *     it, never the key)
   */
  @Bean
  @ConditionalOnMissingBean
  public LlamaClient llamaClient(
      LlamaProperties properties, Environment environment, ObjectProvider<LlamaClientCustomizer> customizers) {
    LlamaClientBuilder b = LlamaClient.builderFromEnv(seedVariables(environment));
    if (properties.getServerUrl() != null) {
      b.baseUrl(properties.getServerUrl());
    }
    if (properties.getApiKey() != null && !properties.getApiKey().isEmpty()) {
      b.apiKey(properties.getApiKey());
    }
    if (properties.getConnectTimeout() != null) {
      b.connectTimeout(properties.getConnectTimeout());
    }
    if (properties.getResponseTimeout() != null) {
      b.responseTimeout(properties.getResponseTimeout());
    }
    if (properties.getIdleTimeout() != null) {
      b.idleTimeout(properties.getIdleTimeout());
    }
    if (properties.getTemperature() != null) {
      b.defaultTemperature(properties.getTemperature());
    }
    if (properties.getMaxTokens() != null) {
      b.defaultMaxTokens(properties.getMaxTokens());
    }
    LlamaProperties.Concurrency c = properties.getConcurrency();
    if (c.getMaxStreams() != null) {
      b.maxConcurrentStreams(c.getMaxStreams());
    } else if (c.isFromServerSlots()) {
      b.concurrencyFromServerSlots();
    }
    if (c.getMaxQueued() != null) {
      b.maxQueuedStreams(c.getMaxQueued());
    }
    if (c.getQueueTimeout() != null) {
      b.queueTimeout(c.getQueueTimeout());
    }
    customizers.orderedStream().forEach(customizer -> customizer.customize(b));
    return b.build();
  }

  /**
   * The session manager over the client: the store, history budget and limits of {@code
   * llama.session.*}; usage in every reply (the relay's {@code done} event carries it).
   *
   * @param client the client
   * @param properties the bound properties
   * @return the manager, closed with the context (it does not close the client)
   * @throws IllegalStateException if the directory store has no {@code llama.session.directory}
   */
  @Bean
  @ConditionalOnMissingBean
  public SessionManager llamaSessionManager(LlamaClient client, LlamaProperties properties) {
    LlamaProperties.Session s = properties.getSession();
    SessionManager.Builder b =
        SessionManager.builder(client)
            .historyBudget(
                s.getHistoryTokens() != null
                    ? HistoryBudget.tokens(s.getHistoryTokens())
                    : HistoryBudget.contextWindow(s.getReplyReserve()))
            .whenBusy(s.getWhenBusy())
            .everyRequest(r -> r.includeUsage(true));
    if (s.getStore() == LlamaProperties.StoreType.DIRECTORY) {
      Path dir = s.getDirectory();
      if (dir == null) {
        throw new IllegalStateException("llama.session.store=directory needs llama.session.directory");
      }
      b.store(SessionStore.inDirectory(dir));
    }
    if (s.getWaitTimeout() != null) {
      b.waitTimeout(s.getWaitTimeout());
    }
    if (s.getMaxIdle() != null) {
      b.maxIdle(s.getMaxIdle());
    }
    if (s.getMaxInMemory() != null) {
      b.maxInMemory(s.getMaxInMemory());
    }
    if (s.getSystemPrompt() != null) {
      b.systemPrompt(s.getSystemPrompt());
    }
    return b.build();
  }

  private static Map<String, String> seedVariables(Environment environment) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String name : SEED_VARIABLES) {
      String value = environment.getProperty(name);
      if (value != null && !value.isBlank()) {
        env.put(name, value);
      }
    }
    return env;
  }
}
