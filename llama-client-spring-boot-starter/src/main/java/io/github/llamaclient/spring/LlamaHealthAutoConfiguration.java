package io.github.llamaclient.spring;

import io.github.llamaclient.LlamaClient;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@link LlamaHealthIndicator} as {@code llama}, when Actuator is present; off with {@code
 * management.health.llama.enabled=false}.
 */
@AutoConfiguration(after = LlamaAutoConfiguration.class)
@ConditionalOnClass({HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class})
@ConditionalOnEnabledHealthIndicator("llama")
public class LlamaHealthAutoConfiguration {

  /** Created by Spring. */
  public LlamaHealthAutoConfiguration() {}

  /**
   * The health indicator.
   *
   * @param client the client whose server it asks
   * @return the indicator
   */
  @Bean
  @ConditionalOnMissingBean(name = "llamaHealthIndicator")
  @ConditionalOnBean(LlamaClient.class)
  public LlamaHealthIndicator llamaHealthIndicator(LlamaClient client) {
    return new LlamaHealthIndicator(client);
  }
}
