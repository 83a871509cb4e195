package io.github.llamaclient.session;

import io.github.llamaclient.ChatMessage;
import java.util.Objects;

/**
 * One message of a session's stored history.
 *
 * @param message the message, as it is sent to the server
 * @param partial true for an assistant reply that was cut short (failed or cancelled) and kept
 *     because the manager keeps partial replies ({@link SessionManager.Builder#keepPartialReplies(boolean)});
 *     it is sent with the later history like any other message
 */
public record SessionMessage(ChatMessage message, boolean partial) {

  /**
   * Checks the components.
   *
   * @param message the message
   * @param partial the partial flag
   */
  public SessionMessage {
    Objects.requireNonNull(message, "message");
  }

  /**
   * A complete (not partial) message.
   *
   * @param message the message
   * @return the entry
   */
  public static SessionMessage of(ChatMessage message) {
    return new SessionMessage(message, false);
  }
}
