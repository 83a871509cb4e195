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
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The relay's endpoints on Spring MVC ({@link SseEmitter}), when {@code llama.web.enabled=true} in
 * a servlet web application. Each stream is written by a thread of its own (daemon threads named
 * {@code llama-relay-N}, as many as streams are open, which the {@link RateLimiter}'s overall cap
 * bounds); the pool is shut down with the context, which cancels the streams still open.
 */
@AutoConfiguration(after = LlamaWebAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(SseEmitter.class)
@ConditionalOnProperty(prefix = "llama.web", name = "enabled", havingValue = "true")
public class LlamaWebMvcAutoConfiguration {

  /** Created by Spring. */
  public LlamaWebMvcAutoConfiguration() {}

  /**
   * The controller of {@code POST /api/llm/chat/stream} and {@code /api/llm/chat/session/stream}.
   * Not replaceable by type: turn the endpoints off ({@code llama.web.enabled=false}) and write your
   * own controller over the client beans instead.
   *
   * @param client the client
   * @param sessions the sessions of the session endpoint
   * @param properties the bound properties
   * @param limiter the rate limiter
   * @param callers names callers for the limiter
   * @param observer the meters, if any
   * @return the controller, which owns the streams' threads and ends them when closed
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnBean({LlamaClient.class, SessionManager.class, RateLimiter.class, CallerKeyResolver.class})
  MvcChatController llamaMvcChatController(
      LlamaClient client,
      SessionManager sessions,
      LlamaProperties properties,
      RateLimiter limiter,
      CallerKeyResolver callers,
      ObjectProvider<StreamObserver> observer) {
    ChatRelay relay = LlamaWebAutoConfiguration.relay(client, sessions, properties, limiter, observer);
    return new MvcChatController(relay, callers, observer.getIfAvailable(() -> StreamObserver.NONE));
  }
}
