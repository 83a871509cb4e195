package io.github.llamaclient.spring;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Names the caller of a request, for the {@link RateLimiter}: requests with the same key share
 * their limits. The auto-configured one is {@link #header(String)} when {@code
 * llama.rate-limit.key-header} is set, else {@link #principalOrAddress()}; declare a bean of this
 * type to replace it. Called on the request's thread; must be thread-safe and fast.
 */
@FunctionalInterface
public interface CallerKeyResolver {

  /**
   * The caller's key.
   *
   * @param request what is known of the request
   * @return the key, never null
   */
  String resolve(Caller request);

  /**
   * What the resolver may look at, the same on Spring MVC and WebFlux.
   */
  interface Caller {
    /**
     * Returns the authenticated principal's name, or null without Spring Security or a login.
     *
     * @return the authenticated principal's name, or null without Spring Security or a login
     */
    @Nullable String principal();

    /**
     * A request header.
     *
     * @param name the header name, in any case
     * @return its first value, or null
     */
    @Nullable String header(String name);

    /**
     * Returns the client's IP address as the server sees it (behind a proxy, configure Spring's forwarded-header handling).
     *
     * @return the client's IP address as the server sees it (behind a proxy, configure Spring's forwarded-header handling)
     */
    String remoteAddress();
  }

  /**
   * The principal's name ({@code user:...}) when logged in, else the remote address ({@code
   * ip:...}).
   *
   * @return the resolver
   */
  static CallerKeyResolver principalOrAddress() {
    return r -> {
      String p = r.principal();
      return p != null ? "user:" + p : "ip:" + r.remoteAddress();
    };
  }

  /**
   * The remote address only ({@code ip:...}).
   *
   * @return the resolver
   */
  static CallerKeyResolver address() {
    return r -> "ip:" + r.remoteAddress();
  }

  /**
   * The value of a header such as {@code X-API-Key} ({@code key:} and a SHA-256 prefix of it, so
   * the secret itself is never kept or shown), else the remote address.
   *
   * @param name the header name
   * @return the resolver
   * @throws NullPointerException if {@code name} is null
   */
  static CallerKeyResolver header(String name) {
    Objects.requireNonNull(name, "name");
    return r -> {
      String v = r.header(name);
      return v != null && !v.isBlank() ? "key:" + sha256(v).substring(0, 16) : "ip:" + r.remoteAddress();
    };
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e); // every JVM has it
    }
  }
}
