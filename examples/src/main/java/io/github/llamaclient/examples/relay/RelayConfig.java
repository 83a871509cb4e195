package io.github.llamaclient.examples.relay;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
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
 * @param limits how much the relay takes on at once
 * @param events the optional event kinds sent besides content, done and error: {@code reasoning},
 *     {@code progress} ({@code RELAY_EVENTS}, comma-separated; none by default)
 */
record RelayConfig(
    InetSocketAddress address, String token, Set<String> corsOrigins, @Nullable Path sessionsDirectory, Limits limits, Set<String> events) {
  /** The optional event kinds. */
  static final Set<String> OPTIONAL_EVENTS = Set.of("reasoning", "progress");

  /**
   * The relay's limits.
   *
   * @param workers threads that serve requests ({@code RELAY_WORKERS}, default 16); as many requests
   *     may wait for one, more get 503
   * @param maxConnections open connections at most ({@code RELAY_MAX_CONNECTIONS}, default 512)
   * @param maxStreams replies streamed from llama-server at once ({@code RELAY_MAX_STREAMS}, default
   *     8); more get 503
   * @param requestTimeout the time a client has to send its whole request ({@code
   *     RELAY_REQUEST_TIMEOUT_SECONDS}, default 10)
   * @param maxSessions sessions kept at most ({@code RELAY_MAX_SESSIONS}, default 1000); beyond it the
   *     least recently used idle session is deleted
   * @param sessionTtl a session unused this long is deleted ({@code RELAY_SESSION_TTL_MINUTES},
   *     default 60)
   * @param heartbeat a comment is sent when nothing was sent for this long ({@code
   *     RELAY_HEARTBEAT_SECONDS}, default 15)
   * @param maxTokens the largest {@code max_tokens} a request may ask (and the default) ({@code
   *     RELAY_MAX_TOKENS}, default 512)
   * @param historyTokens the prompt tokens a session's request may use; 0 (the default) for the
   *     server's context size less {@code maxTokens} ({@code RELAY_HISTORY_TOKENS})
   */
  record Limits(
      int workers,
      int maxConnections,
      int maxStreams,
      Duration requestTimeout,
      int maxSessions,
      Duration sessionTtl,
      Duration heartbeat,
      int maxTokens,
      int historyTokens) {
    static final Limits DEFAULTS =
        new Limits(16, 512, 8, Duration.ofSeconds(10), 1000, Duration.ofMinutes(60), Duration.ofSeconds(15), 512, 0);

    Limits {
      if (workers < 1 || maxConnections < 1 || maxStreams < 1 || maxSessions < 1 || maxTokens < 1 || historyTokens < 0) {
        throw new IllegalArgumentException("relay limits must be 1 or more (historyTokens 0 or more): " + this);
      }
      for (Duration d : List.of(requestTimeout, sessionTtl, heartbeat)) {
        if (d.isNegative() || d.isZero()) {
          throw new IllegalArgumentException("relay durations must be positive: " + this);
        }
      }
    }
  }

  RelayConfig {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(limits, "limits");
    events = Set.copyOf(events);
    for (String e : events) {
      if (!OPTIONAL_EVENTS.contains(e)) {
        throw new IllegalArgumentException("RELAY_EVENTS may name " + OPTIONAL_EVENTS + ", not '" + e + "'");
      }
    }
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

  /** Settings with the default limits and no optional events. */
  RelayConfig(InetSocketAddress address, String token, Set<String> corsOrigins, @Nullable Path sessionsDirectory) {
    this(address, token, corsOrigins, sessionsDirectory, Limits.DEFAULTS, Set.of());
  }

  /** These settings with other limits. */
  RelayConfig withLimits(Limits limits) {
    return new RelayConfig(address, token, corsOrigins, sessionsDirectory, limits, events);
  }

  /** These settings with other optional events. */
  RelayConfig withEvents(Set<String> events) {
    return new RelayConfig(address, token, corsOrigins, sessionsDirectory, limits, events);
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
    Limits d = Limits.DEFAULTS;
    Limits limits =
        new Limits(
            number(env, "RELAY_WORKERS", d.workers()),
            number(env, "RELAY_MAX_CONNECTIONS", d.maxConnections()),
            number(env, "RELAY_MAX_STREAMS", d.maxStreams()),
            Duration.ofSeconds(number(env, "RELAY_REQUEST_TIMEOUT_SECONDS", (int) d.requestTimeout().toSeconds())),
            number(env, "RELAY_MAX_SESSIONS", d.maxSessions()),
            Duration.ofMinutes(number(env, "RELAY_SESSION_TTL_MINUTES", (int) d.sessionTtl().toMinutes())),
            Duration.ofSeconds(number(env, "RELAY_HEARTBEAT_SECONDS", (int) d.heartbeat().toSeconds())),
            number(env, "RELAY_MAX_TOKENS", d.maxTokens()),
            number(env, "RELAY_HISTORY_TOKENS", d.historyTokens()));
    Set<String> events =
        Arrays.stream(env.getOrDefault("RELAY_EVENTS", "").split(","))
            .map(String::strip)
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toSet());
    return new RelayConfig(
        new InetSocketAddress(host, port), token, Set.copyOf(origins), dir.isEmpty() ? null : Path.of(dir), limits, events);
  }

  private static int number(Map<String, String> env, String name, int fallback) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      return fallback;
    }
    try {
      return Integer.parseInt(v.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number, was '" + v + "'", e);
    }
  }

  @Override
  public String toString() {
    return "RelayConfig[" + address + ", token=***, corsOrigins=" + corsOrigins + ", sessionsDirectory=" + sessionsDirectory
        + ", " + limits + ", events=" + events + "]";
  }
}
