package io.github.llamaclient.spring;

import io.github.llamaclient.LlamaClient;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Micrometer meters of every stream the relay's endpoints serve (and of any reply a user passes
 * through the {@link StreamObserver} bean), when the application has a {@link MeterRegistry}
 * (Actuator provides one). Tags on all: {@code gen_ai.operation.name=chat}, {@code
 * gen_ai.provider.name=llama.cpp}, {@code server.address}, {@code server.port}.
 *
 * <ul>
 *   <li>{@code gen_ai.client.operation.duration} (timer; {@code error.type}: {@code none}, the
 *       exception's simple name, or {@code cancelled});
 *   <li>{@code gen_ai.client.token.usage} (summary, {@code {token}}; {@code gen_ai.token.type}:
 *       {@code input}, {@code output}), from the reply's usage or timings;
 *   <li>{@code gen_ai.client.operation.time_to_first_chunk} (timer);
 *   <li>{@code llama.client.streams.active} (gauge);
 *   <li>{@code llama.client.output.tokens_per_second} (summary);
 *   <li>{@code llama.client.errors} (counter; {@code error.type});
 *   <li>{@code llama.client.cancellations} (counter);
 *   <li>{@code llama.web.refused} (counter; {@code reason}: {@code rate}, {@code caller-streams},
 *       {@code streams}).
 * </ul>
 */
@AutoConfiguration(
    after = LlamaAutoConfiguration.class,
    afterName = {
      "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration"
    })
@ConditionalOnClass(MeterRegistry.class)
public class LlamaMetricsAutoConfiguration {

  /** Created by Spring. */
  public LlamaMetricsAutoConfiguration() {}

  /**
   * The observer that records the meters.
   *
   * @param registry where the meters go
   * @param client the client, for the server's address tags
   * @return the observer
   */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBean({MeterRegistry.class, LlamaClient.class})
  public StreamObserver llamaStreamObserver(MeterRegistry registry, LlamaClient client) {
    return new MicrometerStreamObserver(registry, client.baseUrl());
  }
}
