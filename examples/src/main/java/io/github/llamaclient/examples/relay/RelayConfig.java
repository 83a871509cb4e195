package io.github.llamaclient.examples.relay;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The relay's settings.
 *
 * @param address where to listen (default 127.0.0.1:8081; {@code RELAY_HOST}, {@code RELAY_PORT})
 * @param token the bearer token every API request must carry ({@code RELAY_TOKEN}, required)
 * @param corsOrigins origins allowed to call the API from another site, such as {@code
 *     https://app.example.com}; none by default ({@code RELAY_CORS_ORIGINS}, comma-separated)
 * @param sessionsDirectory where the session endpoint keeps its sessions, one JSON file each
 *     ({@code RELAY_SESSIONS_DIR}); null (the default) keeps them in memory only
 */
record RelayConfig(InetSocketAddress address, String token, Set<String> corsOrigins, @Nullable Path sessionsDirectory) {
  RelayConfig {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(token, "token");
    if (token.isBlank()) {
      throw new IllegalArgumentException("the relay needs a token: set RELAY_TOKEN");
    }
    corsOrigins = Set.copyOf(corsOrigins);
    for (String o : corsOrigins) {
      if (o.equals("*") || o.endsWith("/") || !(o.startsWith("http://") || o.startsWith("https://"))) {
        throw new IllegalArgumentException(
            "a CORS origin is scheme://host[:port] with no path and no wildcard, was '" + o + "'");
      }
    }
  }

  /** Settings with the sessions kept in memory. */
  RelayConfig(InetSocketAddress address, String token, Set<String> corsOrigins) {
    this(address, token, corsOrigins, null);
  }

  /**
   * Reads the settings from environment variables.
   *
   * @throws IllegalArgumentException naming the bad or missing variable
   */
  static RelayConfig fromEnv(Map<String, String> env) {
    String host = env.getOrDefault("RELAY_HOST", "127.0.0.1");
    int port;
    try {
      port = Integer.parseInt(env.getOrDefault("RELAY_PORT", "8081"));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("RELAY_PORT must be a port number, was '" + env.get("RELAY_PORT") + "'", e);
    }
    String token = env.getOrDefault("RELAY_TOKEN", "");
    List<String> origins =
        Arrays.stream(env.getOrDefault("RELAY_CORS_ORIGINS", "").split(","))
            .map(String::strip)
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toList());
    String dir = env.getOrDefault("RELAY_SESSIONS_DIR", "").strip();
    return new RelayConfig(new InetSocketAddress(host, port), token, Set.copyOf(origins), dir.isEmpty() ? null : Path.of(dir));
  }

  @Override
  public String toString() {
    return "RelayConfig[" + address + ", token=***, corsOrigins=" + corsOrigins + ", sessionsDirectory=" + sessionsDirectory + "]";
  }
}
