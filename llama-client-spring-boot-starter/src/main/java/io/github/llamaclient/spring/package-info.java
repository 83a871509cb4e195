/**
 * Spring Boot 3 auto-configuration for llama-client.
 *
 * <ul>
 *   <li>{@link io.github.llamaclient.spring.LlamaAutoConfiguration}: a {@link
 *       io.github.llamaclient.LlamaClient} and a {@link io.github.llamaclient.session.SessionManager}
 *       bean from the {@code llama.*} properties ({@link io.github.llamaclient.spring.LlamaProperties})
 *       and the seed's {@code LLM_*} variables;
 *   <li>{@link io.github.llamaclient.spring.LlamaWebMvcAutoConfiguration} and {@link
 *       io.github.llamaclient.spring.LlamaWebFluxAutoConfiguration}: the relay's endpoints {@code
 *       POST /api/llm/chat/stream} and {@code POST /api/llm/chat/session/stream} as Server-Sent
 *       Events, on whichever web stack the application has, when {@code llama.web.enabled=true};
 *       guarded by a {@link io.github.llamaclient.spring.RateLimiter};
 *   <li>{@link io.github.llamaclient.spring.LlamaWebSocketAutoConfiguration}: the same over one
 *       WebSocket ({@code /api/llm/chat/ws}), many turns per socket, with {@code cancel};
 *   <li>{@link io.github.llamaclient.spring.LlamaMetricsAutoConfiguration}: Micrometer meters of
 *       every relayed stream ({@link io.github.llamaclient.spring.StreamObserver});
 *   <li>{@link io.github.llamaclient.spring.LlamaHealthAutoConfiguration}: an Actuator health
 *       indicator for llama-server.
 * </ul>
 *
 * <p>Every bean is {@code @ConditionalOnMissingBean}: declare your own to replace it.
 */
@NullMarked
package io.github.llamaclient.spring;

import org.jspecify.annotations.NullMarked;
