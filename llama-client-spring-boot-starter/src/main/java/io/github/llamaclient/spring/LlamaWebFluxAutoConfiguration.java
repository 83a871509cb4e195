package io.github.llamaclient.spring;

import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.session.SessionManager;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.codec.ServerSentEvent;
import reactor.core.publisher.Flux;

/**
 * The relay's endpoints on WebFlux ({@code Flux<ServerSentEvent>}), when {@code
 * llama.web.enabled=true} in a reactive web application. No thread is held per stream: the
 * reply's demand follows the connection's.
 */
@AutoConfiguration(after = LlamaWebAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({ServerSentEvent.class, Flux.class})
@ConditionalOnProperty(prefix = "llama.web", name = "enabled", havingValue = "true")
public class LlamaWebFluxAutoConfiguration {

  /** Created by Spring. */
  public LlamaWebFluxAutoConfiguration() {}

  /**
   * The controller of {@code POST /api/llm/chat/stream} and {@code /api/llm/chat/session/stream}.
   *
   * @param client the client
   * @param sessions the sessions of the session endpoint
   * @param properties the bound properties
   * @param limiter the rate limiter
   * @param callers names callers for the limiter
   * @param observer the meters, if any
   * @return the controller
   */
  @Bean
  @ConditionalOnBean({LlamaClient.class, SessionManager.class, RateLimiter.class, CallerKeyResolver.class})
  WebFluxChatController llamaWebFluxChatController(
      LlamaClient client,
      SessionManager sessions,
      LlamaProperties properties,
      RateLimiter limiter,
      CallerKeyResolver callers,
      ObjectProvider<StreamObserver> observer) {
    ChatRelay relay = LlamaWebAutoConfiguration.relay(client, sessions, properties, limiter, observer);
    return new WebFluxChatController(relay, callers, observer.getIfAvailable(() -> StreamObserver.NONE));
  }
}
