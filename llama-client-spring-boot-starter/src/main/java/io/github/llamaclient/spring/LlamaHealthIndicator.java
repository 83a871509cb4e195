package io.github.llamaclient.spring;

import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.LlamaConnectException;
import io.github.llamaclient.LlamaException;
import io.github.llamaclient.LlamaHttpException;
import io.github.llamaclient.LlamaTimeoutException;
import java.util.Objects;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * llama-server's health, from {@code GET /health}: {@code UP} when the model is loaded; {@code
 * OUT_OF_SERVICE} with {@code state: loading} while it loads (llama-server answers 503 "Loading
 * model" then); {@code DOWN} with {@code state: unreachable}, {@code timeout} or {@code error}
 * otherwise. The details name the server URL (never its credentials or the API key), not the
 * exception's text.
 *
 * <p>Each call asks the server once, on the caller's thread, within the client's connect and
 * response timeouts. Registered as {@code llama} ({@code /actuator/health/llama}).
 */
public class LlamaHealthIndicator implements HealthIndicator {
  private final LlamaClient client;

  /**
   * A health indicator for the client's server.
   *
   * @param client the client; not closed by this
   */
  public LlamaHealthIndicator(LlamaClient client) {
    this.client = Objects.requireNonNull(client, "client");
  }

  /**
   * Asks the server.
   *
   * @return the health, never throws
   */
  @Override
  public Health health() {
    Health.Builder h;
    try {
      h = client.server().isReady() ? Health.up().withDetail("state", "ready") : Health.outOfService().withDetail("state", "loading");
    } catch (LlamaConnectException e) {
      h = Health.down().withDetail("state", "unreachable");
    } catch (LlamaTimeoutException e) {
      h = Health.down().withDetail("state", "timeout");
    } catch (LlamaHttpException e) {
      h = Health.down().withDetail("state", "error").withDetail("status", e.statusCode());
    } catch (LlamaException e) {
      h = Health.down().withDetail("state", "error").withDetail("error", e.getClass().getSimpleName());
    }
    return h.withDetail("server", client.baseUrl().toString()).build();
  }
}
