package io.github.llamaclient.session;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Everything a {@link SessionStore} keeps of one session: an immutable snapshot. The manager
 * replaces a session's state as a whole, so a reader never sees half a turn.
 *
 * @param id the session id
 * @param systemPrompt the system prompt, sent first with every turn; null for none
 * @param messages the history in order, without the system prompt
 * @param options the session's generation defaults
 * @param slot the llama-server slot the session is pinned to ({@code id_slot}, sent with {@code
 *     cache_prompt: true}), or null for any slot
 */
public record SessionState(
    String id,
    @Nullable String systemPrompt,
    List<SessionMessage> messages,
    GenerationOptions options,
    @Nullable Integer slot) {

  /**
   * Checks the components and copies the list.
   *
   * @param id the id
   * @param systemPrompt the system prompt
   * @param messages the messages
   * @param options the options
   * @param slot the slot
   * @throws IllegalArgumentException if the id is not a valid session id or the slot is negative
   */
  public SessionState {
    SessionIds.check(id);
    messages = List.copyOf(messages);
    Objects.requireNonNull(options, "options");
    if (slot != null && slot < 0) {
      throw new IllegalArgumentException("slot must be 0 or more, was " + slot);
    }
  }

  /**
   * A new, empty session.
   *
   * @param id the id
   * @param systemPrompt the system prompt, or null
   * @param options the generation defaults
   * @return the state
   */
  public static SessionState empty(String id, @Nullable String systemPrompt, GenerationOptions options) {
    return new SessionState(id, systemPrompt, List.of(), options, null);
  }

  SessionState withMessages(List<SessionMessage> m) {
    return new SessionState(id, systemPrompt, m, options, slot);
  }

  SessionState withSystemPrompt(@Nullable String s) {
    return new SessionState(id, s, messages, options, slot);
  }

  SessionState withOptions(GenerationOptions o) {
    return new SessionState(id, systemPrompt, messages, o, slot);
  }

  SessionState withSlot(@Nullable Integer s) {
    return new SessionState(id, systemPrompt, messages, options, s);
  }
}
