package io.github.llamaclient.internal.exchange;

import io.github.llamaclient.LlamaException;
import io.github.llamaclient.WireListener;
import java.time.Duration;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * What every exchange of one client shares: the clock, the limits, the transports and the wire
 * listener. Immutable; built once by the client.
 */
public final class Engine {
  final Clock clock;
  final Duration connectTimeout;
  final Duration responseTimeout;
  final Duration idleTimeout;
  final @Nullable Duration totalTimeout;
  final int maxLineBytes;
  final @Nullable WireListener wire;
  final Transport pulled;
  final Transport pushed;
  final Secrets secrets;
  final UnaryOperator<LlamaException> redactFailure;

  /**
   * Creates the engine.
   *
   * @param clock the time source of every deadline
   * @param connectTimeout the connect limit (the transports enforce it; messages quote it)
   * @param responseTimeout the default limit for the response head (a request may carry its own)
   * @param idleTimeout the longest silence between two reads of a body
   * @param totalTimeout the default deadline for a whole call, or null for none
   * @param maxLineBytes the longest SSE line
   * @param wire the wire listener, or null
   * @param pulled the transport for calls read on the consuming thread (may be the pushed one)
   * @param pushed the transport for calls read on the transport's threads
   * @param secrets the client's secrets, removed from everything quoted in messages and traces
   * @param redactFailure gives a failure with every secret removed (the API package knows how)
   */
  public Engine(
      Clock clock,
      Duration connectTimeout,
      Duration responseTimeout,
      Duration idleTimeout,
      @Nullable Duration totalTimeout,
      int maxLineBytes,
      @Nullable WireListener wire,
      Transport pulled,
      Transport pushed,
      Secrets secrets,
      UnaryOperator<LlamaException> redactFailure) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.connectTimeout = connectTimeout;
    this.responseTimeout = responseTimeout;
    this.idleTimeout = idleTimeout;
    this.totalTimeout = totalTimeout;
    this.maxLineBytes = maxLineBytes;
    this.wire = wire;
    this.pulled = pulled;
    this.pushed = pushed;
    this.secrets = secrets;
    this.redactFailure = redactFailure;
  }

  /**
   * The transport for pulled faces.
   *
   * @return the transport
   */
  public Transport pulled() {
    return pulled;
  }

  /**
   * The transport for pushed faces (publishers, callbacks, async calls).
   *
   * @return the transport
   */
  public Transport pushed() {
    return pushed;
  }

  /**
   * The client's secrets.
   *
   * @return the secrets
   */
  public Secrets secrets() {
    return secrets;
  }

  /** Closes both transports. */
  public void close() {
    pulled.close();
    if (pushed != pulled) {
      pushed.close();
    }
  }
}
