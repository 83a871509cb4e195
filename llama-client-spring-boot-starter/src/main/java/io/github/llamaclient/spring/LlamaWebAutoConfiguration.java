package io.github.llamaclient.spring;

import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.LlamaException;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * What the relay's endpoints share on either web stack, when {@code llama.web.enabled=true}: the
 * {@link RateLimiter} and the {@link CallerKeyResolver}. The endpoints themselves are in {@link
 * LlamaWebMvcAutoConfiguration} and {@link LlamaWebFluxAutoConfiguration}.
 */
@AutoConfiguration(after = {LlamaAutoConfiguration.class, LlamaMetricsAutoConfiguration.class})
@ConditionalOnProperty(prefix = "llama.web", name = "enabled", havingValue = "true")
public class LlamaWebAutoConfiguration {
  private static final System.Logger LOG = System.getLogger(LlamaWebAutoConfiguration.class.getName());

  /** Created by Spring. */
  public LlamaWebAutoConfiguration() {}

  /**
   * The rate limiter of {@code llama.rate-limit.*}, or one that admits everything when {@code
   * llama.rate-limit.enabled=false}. The overall cap, unless set, is the server's slot count, read
   * from {@code GET /props} on the first request that finds it unknown.
   *
   * @param properties the bound properties
   * @param client the client, to read the slot count
   * @return the limiter
   */
  @Bean
  @ConditionalOnMissingBean
  public RateLimiter llamaRateLimiter(LlamaProperties properties, LlamaClient client) {
    LlamaProperties.RateLimit r = properties.getRateLimit();
    if (!r.isEnabled()) {
      return RateLimiter.unlimited();
    }
    return RateLimiter.perCaller(r, serverSlots(client), InstantSource.system());
  }

  /**
   * The caller key: {@code llama.rate-limit.key-header}'s value when set, else the principal or the
   * remote address.
   *
   * @param properties the bound properties
   * @return the resolver
   */
  @Bean
  @ConditionalOnMissingBean
  public CallerKeyResolver llamaCallerKeyResolver(LlamaProperties properties) {
    String header = properties.getRateLimit().getKeyHeader();
    return header != null && !header.isBlank() ? CallerKeyResolver.header(header) : CallerKeyResolver.principalOrAddress();
  }

  /** The relay core both stacks adapt. */
  static ChatRelay relay(
      LlamaClient client,
      io.github.llamaclient.session.SessionManager sessions,
      LlamaProperties properties,
      RateLimiter limiter,
      ObjectProvider<StreamObserver> observer) {
    return new ChatRelay(client, sessions, properties.getWeb(), limiter, observer.getIfAvailable(() -> StreamObserver.NONE));
  }

  /** The slot count, asked until the server answers once (0 until then: no overall cap). */
  static IntSupplier serverSlots(LlamaClient client) {
    AtomicInteger known = new AtomicInteger();
    return () -> {
      int n = known.get();
      if (n > 0) {
        return n;
      }
      try {
        n = client.server().props().totalSlots();
      } catch (LlamaException e) {
        LOG.log(System.Logger.Level.DEBUG, "cannot read the slot count from " + client.baseUrl() + " yet", e);
        return 0;
      }
      known.set(n);
      return n;
    };
  }
}
