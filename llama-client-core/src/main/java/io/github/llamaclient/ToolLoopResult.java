package io.github.llamaclient;

import java.util.List;
import java.util.Objects;

/**
 * What a {@link ToolLoop} ends with.
 *
 * @param result the last reply, the one without tool calls
 * @param messages the whole conversation: the first request's messages, each assistant message
 *     with its tool calls, each tool result, and the last reply as an assistant message; send it
 *     back to continue the conversation
 * @param rounds how many replies were streamed
 */
public record ToolLoopResult(ChatResult result, List<ChatMessage> messages, int rounds) {
  /**
   * Checks the components and copies the list.
   *
   * @param result the result
   * @param messages the messages
   * @param rounds the rounds
   */
  public ToolLoopResult {
    Objects.requireNonNull(result, "result");
    messages = List.copyOf(messages);
  }
}
