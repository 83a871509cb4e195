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
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;

/**
 * The relay over WebSocket at {@code /api/llm/chat/ws}, when {@code llama.web.enabled=true} in a
 * servlet web application that has Spring's WebSocket support and a WebSocket container ({@code
 * spring-boot-starter-websocket}). Many turns per socket, {@code {"cancel": true}} to stop one; the
 * same JSON messages as the SSE events. The handshake accepts the application's own origin only
 * (Spring's default); add your own {@link WebSocketConfigurer} for others.
 */
@AutoConfiguration(after = LlamaWebAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(
    name = {"org.springframework.web.socket.config.annotation.WebSocketConfigurer", "jakarta.websocket.server.ServerContainer"})
@ConditionalOnProperty(prefix = "llama.web", name = "enabled", havingValue = "true")
@EnableWebSocket
public class LlamaWebSocketAutoConfiguration {

  /** Created by Spring. */
  public LlamaWebSocketAutoConfiguration() {}

  /**
   * The socket handler and its registration.
   *
   * @param client the client
   * @param sessions the sessions of session turns
   * @param properties the bound properties
   * @param limiter the rate limiter, asked once per turn
   * @param callers names callers for the limiter (from the handshake)
   * @param observer the meters, if any
   * @return the configurer that registers the handler; its threads end with the context
   */
  @Bean
  @ConditionalOnBean({LlamaClient.class, SessionManager.class, RateLimiter.class, CallerKeyResolver.class})
  WebSocketConfigurer llamaWebSocketConfigurer(
      LlamaClient client,
      SessionManager sessions,
      LlamaProperties properties,
      RateLimiter limiter,
      CallerKeyResolver callers,
      ObjectProvider<StreamObserver> observer) {
    ChatRelay relay = LlamaWebAutoConfiguration.relay(client, sessions, properties, limiter, observer);
    ChatSocketHandler handler = new ChatSocketHandler(relay, callers, observer.getIfAvailable(() -> StreamObserver.NONE));
    return new Registration(handler);
  }

  /** Registers the handler; closing it ends the handler's turns. */
  static final class Registration implements WebSocketConfigurer, AutoCloseable {
    private final ChatSocketHandler handler;

    Registration(ChatSocketHandler handler) {
      this.handler = handler;
    }

    @Override
    public void registerWebSocketHandlers(org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry registry) {
      registry.addHandler(handler, ChatSocketHandler.PATH);
    }

    @Override
    public void close() {
      handler.close();
    }
  }
}
