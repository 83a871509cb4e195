package io.github.llamaclient;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One message of a chat: a system prompt, a user turn, an assistant reply (with its reasoning and
 * tool calls kept apart) or a tool result.
 *
 * @param role {@code system}, {@code user}, {@code assistant} or {@code tool} (llama-server accepts
 *     other roles too)
 * @param content the text; null only for an assistant message that holds tool calls alone
 * @param reasoning the assistant's reasoning ({@code reasoning_content}), kept apart from the
 *     answer; null if none
 * @param toolCalls the tool calls of an assistant message; empty otherwise
 * @param toolCallId for a {@code tool} message: the id of the call it answers
 */
public record ChatMessage(
    String role,
    @Nullable String content,
    @Nullable String reasoning,
    List<ToolCall> toolCalls,
    @Nullable String toolCallId) {

  /**
   * Checks the components and copies the list.
   *
   * @param role the role
   * @param content the content
   * @param reasoning the reasoning
   * @param toolCalls the toolCalls
   * @param toolCallId the toolCallId
   */
  public ChatMessage {
    Objects.requireNonNull(role, "role");
    if (role.isBlank()) {
      throw new IllegalArgumentException("role must not be blank");
    }
    toolCalls = List.copyOf(toolCalls);
    if (content == null && toolCalls.isEmpty()) {
      throw new IllegalArgumentException(
          "a " + role + " message needs content (only an assistant message with tool calls may have none)");
    }
    if ("tool".equals(role) && toolCallId == null) {
      throw new IllegalArgumentException("a tool message needs the toolCallId of the call it answers");
    }
  }

  /**
   * A system prompt.
   *
   * @param content the text
   * @return the message
   */
  public static ChatMessage system(String content) {
    return new ChatMessage("system", Objects.requireNonNull(content, "content"), null, List.of(), null);
  }

  /**
   * A user turn.
   *
   * @param content the text
   * @return the message
   */
  public static ChatMessage user(String content) {
    return new ChatMessage("user", Objects.requireNonNull(content, "content"), null, List.of(), null);
  }

  /**
   * An assistant reply.
   *
   * @param content the text
   * @return the message
   */
  public static ChatMessage assistant(String content) {
    return new ChatMessage("assistant", Objects.requireNonNull(content, "content"), null, List.of(), null);
  }

  /**
   * An assistant reply with tool calls.
   *
   * @param content the text, often empty
   * @param toolCalls the calls
   * @return the message
   */
  public static ChatMessage assistant(String content, List<ToolCall> toolCalls) {
    return new ChatMessage("assistant", Objects.requireNonNull(content, "content"), null, toolCalls, null);
  }

  /**
   * A tool's result.
   *
   * @param toolCallId the id of the call it answers
   * @param content the result, usually JSON text
   * @return the message
   */
  public static ChatMessage tool(String toolCallId, String content) {
    return new ChatMessage(
        "tool",
        Objects.requireNonNull(content, "content"),
        null,
        List.of(),
        Objects.requireNonNull(toolCallId, "toolCallId"));
  }

  /**
   * A message with any role and text.
   *
   * @param role the role
   * @param content the text
   * @return the message
   */
  public static ChatMessage of(String role, String content) {
    return new ChatMessage(role, Objects.requireNonNull(content, "content"), null, List.of(), null);
  }
}
