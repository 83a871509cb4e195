package io.github.llamaclient.examples.relay;

import io.github.llamaclient.ChatRequest;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * What the session endpoint needs: one streamed turn of the conversation kept under a session id.
 *
 * <p>SESSIONS: once {@code llama-client-session} is on main, an adapter over its {@code
 * SessionManager.processMessageStream(sessionId, message, options)} implements this; until then
 * {@link InMemorySessionChats} does, on core alone.
 */
interface SessionChats {
  /**
   * Streams the reply to {@code message} in session {@code sessionId} (created on first use). The
   * user message and the reply join the history when the reply completes; closing the stream early
   * leaves the history as it was. One turn at a time per session: a second one waits.
   *
   * @param sessionId the session
   * @param message the user's message
   * @param systemPrompt sets the session's system prompt if not null
   * @param settings sampling settings for this turn (messages are set by the session)
   * @return the reply text; the caller closes it
   */
  Stream<String> processMessageStream(
      String sessionId, String message, @Nullable String systemPrompt, ChatRequest.Builder settings);
}
