package io.github.llamaclient;

import java.net.URI;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a client knows of one of its servers at one moment ({@link FleetApi#servers()}): its state
 * from the last probe, its slots, and the streams this client has there.
 *
 * @param url the server's base URL (without credentials)
 * @param state the state from the last probe or the last connect failure
 * @param slots the server's slots ({@code /slots}, else {@code total_slots} of {@code /props}), 0
 *     while unknown
 * @param busySlots the slots the server reported busy at the last probe, 0 while unknown
 * @param inFlight the requests this client has at the server now
 * @param routed the requests this client has sent there since it was built
 * @param connectFailures the requests that could not connect there and went to another server
 *     (or failed, when none was left)
 * @param lastError why the server was last found down or loading, or null
 */
public record ServerStatus(
    URI url,
    State state,
    int slots,
    int busySlots,
    int inFlight,
    long routed,
    long connectFailures,
    @Nullable String lastError) {

  /** A server's state as the client last saw it. */
  public enum State {
    /** Not probed yet: requests go there. */
    UNKNOWN,
    /** {@code /health} answered 200: requests go there. */
    UP,
    /** {@code /health} answered 503 (the model is loading): no request goes there until it is up. */
    LOADING,
    /**
     * Unreachable, or {@code /health} answered with another error: no request goes there; it is
     * probed again with a growing pause, and taken back as soon as it answers.
     */
    DOWN
  }

  /**
   * Checks the components.
   *
   * @param url the base URL
   * @param state the state
   * @param slots the slots
   * @param busySlots the busy slots
   * @param inFlight the requests in flight
   * @param routed the requests sent
   * @param connectFailures the connect failures
   * @param lastError the last error, or null
   */
  public ServerStatus {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(state, "state");
  }

  /**
   * Whether requests are routed to this server now.
   *
   * @return true when {@link State#UP} or {@link State#UNKNOWN}
   */
  public boolean routable() {
    return state == State.UP || state == State.UNKNOWN;
  }

  @Override
  public String toString() {
    return url
        + " "
        + state
        + (slots > 0 ? ", " + busySlots + "/" + slots + " slots busy" : "")
        + ", "
        + inFlight
        + " in flight"
        + (lastError == null || routable() ? "" : " (" + lastError + ")");
  }
}
