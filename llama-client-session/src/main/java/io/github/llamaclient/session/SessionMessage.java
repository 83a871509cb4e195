package io.github.llamaclient.session;

import io.github.llamaclient.ChatMessage;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One message of a session's stored history.
 *
 * @param message the message, as it is sent to the server
 * @param partial true for an assistant reply that was cut short (failed or cancelled) and kept
 *     because the manager keeps partial replies ({@link SessionManager.Builder#keepPartialReplies(boolean)});
 *     it is sent with the later history like any other message
 * @param stream the reply as it streamed, for an assistant reply of a manager that saves streams
 *     ({@link SessionManager.Builder#saveStreams(StreamSaving)}); null otherwise
 */
public record SessionMessage(ChatMessage message, boolean partial, @Nullable SavedStream stream) {

  /**
   * Checks the components.
   *
   * @param message the message
   * @param partial the partial flag
   * @param stream the saved stream, or null
   * @throws IllegalArgumentException if a stream is given for a message that is not the assistant's
   */
  public SessionMessage {
    Objects.requireNonNull(message, "message");
    if (stream != null && !"assistant".equals(message.role())) {
      throw new IllegalArgumentException("only an assistant message has a saved stream, not a " + message.role() + " message");
    }
  }

  /**
   * A message without a saved stream.
   *
   * @param message the message
   * @param partial the partial flag
   */
  public SessionMessage(ChatMessage message, boolean partial) {
    this(message, partial, null);
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
