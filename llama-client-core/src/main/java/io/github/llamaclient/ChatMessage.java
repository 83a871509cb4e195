package io.github.llamaclient;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One message of a chat: a system prompt, a user turn, an assistant reply (with its reasoning and
 * tool calls kept apart) or a tool result. Immutable and thread-safe. Make one with the static
 * factories ({@link #user(String)}, {@link #assistant(String)}, ...) or, for any combination, with
 * {@link #builder(String)}.
 *
 * <p>How this type grows (0.x policy): it is a final class, not a record, and has no public
 * constructor. A new field arrives as a new accessor and a new {@link Builder} method; existing
 * accessors keep their names and meaning. Content parts (text, image, audio) are the next such
 * field: they will be added as a {@code parts()} accessor and builder methods, while {@link
 * #content()} keeps returning the message's text, so code written against text messages keeps
 * compiling and working.
 */
public final class ChatMessage {
  private final String role;
  // The text content. When content parts arrive, the parts become the stored form and this is
  // derived from them (the text parts, joined); content() keeps its meaning.
  private final @Nullable String content;
  private final @Nullable String reasoning;
  private final List<ToolCall> toolCalls;
  private final @Nullable String toolCallId;

  private ChatMessage(Builder b) {
    this.role = b.role;
    this.content = b.content;
    this.reasoning = b.reasoning;
    this.toolCalls = b.toolCalls;
    this.toolCallId = b.toolCallId;
  }

  /**
   * A builder for a message with the given role and nothing else yet.
   *
   * @param role {@code system}, {@code user}, {@code assistant} or {@code tool} (llama-server
   *     accepts other roles too)
   * @return a new builder
   * @throws NullPointerException if {@code role} is null
   * @throws IllegalArgumentException if {@code role} is blank
   */
  public static Builder builder(String role) {
    return new Builder(role);
  }

  /**
   * A builder holding this message's values, to derive a changed copy.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    Builder b = new Builder(role);
    b.content = content;
    b.reasoning = reasoning;
    b.toolCalls = toolCalls;
    b.toolCallId = toolCallId;
    return b;
  }

  /**
   * The role.
   *
   * @return {@code system}, {@code user}, {@code assistant}, {@code tool} or another role
   */
  public String role() {
    return role;
  }

  /**
   * The message's text.
   *
   * @return the text; null only for an assistant message that holds tool calls alone
   */
  public @Nullable String content() {
    return content;
  }

  /**
   * The assistant's reasoning ({@code reasoning_content}), kept apart from the answer.
   *
   * @return the reasoning, or null if none
   */
  public @Nullable String reasoning() {
    return reasoning;
  }

  /**
   * The tool calls of an assistant message.
   *
   * @return an unmodifiable list, empty for other messages
   */
  public List<ToolCall> toolCalls() {
    return toolCalls;
  }

  /**
   * For a {@code tool} message: the id of the call it answers.
   *
   * @return the id, or null for other messages
   */
  public @Nullable String toolCallId() {
    return toolCallId;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ChatMessage)) {
      return false;
    }
    ChatMessage m = (ChatMessage) o;
    return role.equals(m.role)
        && Objects.equals(content, m.content)
        && Objects.equals(reasoning, m.reasoning)
        && toolCalls.equals(m.toolCalls)
        && Objects.equals(toolCallId, m.toolCallId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(role, content, reasoning, toolCalls, toolCallId);
  }

  @Override
  public String toString() {
    return "ChatMessage[role="
        + role
        + ", content="
        + content
        + ", reasoning="
        + reasoning
        + ", toolCalls="
        + toolCalls
        + ", toolCallId="
        + toolCallId
        + "]";
  }

  /**
   * A system prompt.
   *
   * @param content the text
   * @return the message
   * @throws NullPointerException if {@code content} is null
   */
  public static ChatMessage system(String content) {
    return of("system", content);
  }

  /**
   * A user turn.
   *
   * @param content the text
   * @return the message
   * @throws NullPointerException if {@code content} is null
   */
  public static ChatMessage user(String content) {
    return of("user", content);
  }

  /**
   * An assistant reply.
   *
   * @param content the text
   * @return the message
   * @throws NullPointerException if {@code content} is null
   */
  public static ChatMessage assistant(String content) {
    return of("assistant", content);
  }

  /**
   * An assistant reply with tool calls.
   *
   * @param content the text, often empty
   * @param toolCalls the calls
   * @return the message
   * @throws NullPointerException if an argument or a call is null
   */
  public static ChatMessage assistant(String content, List<ToolCall> toolCalls) {
    return builder("assistant").content(Objects.requireNonNull(content, "content")).toolCalls(toolCalls).build();
  }

  /**
   * A tool's result.
   *
   * @param toolCallId the id of the call it answers
   * @param content the result, usually JSON text
   * @return the message
   * @throws NullPointerException if an argument is null
   */
  public static ChatMessage tool(String toolCallId, String content) {
    return builder("tool")
        .content(Objects.requireNonNull(content, "content"))
        .toolCallId(Objects.requireNonNull(toolCallId, "toolCallId"))
        .build();
  }

  /**
   * A message with any role and text.
   *
   * @param role the role
   * @param content the text
   * @return the message
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code role} is blank, or is {@code tool} (use {@link
   *     #tool(String, String)})
   */
  public static ChatMessage of(String role, String content) {
    return builder(role).content(Objects.requireNonNull(content, "content")).build();
  }

  /** Builds a {@link ChatMessage}; {@link #build()} checks the combination. Not thread-safe. */
  public static final class Builder {
    private final String role;
    private @Nullable String content;
    private @Nullable String reasoning;
    private List<ToolCall> toolCalls = List.of();
    private @Nullable String toolCallId;

    private Builder(String role) {
      Objects.requireNonNull(role, "role");
      if (role.isBlank()) {
        throw new IllegalArgumentException("role must not be blank");
      }
      this.role = role;
    }

    /**
     * Sets the text.
     *
     * @param content the text, or null (only an assistant message with tool calls may have none)
     * @return this builder
     */
    public Builder content(@Nullable String content) {
      this.content = content;
      return this;
    }

    /**
     * Sets the assistant's reasoning, kept apart from the answer.
     *
     * @param reasoning the reasoning, or null for none
     * @return this builder
     */
    public Builder reasoning(@Nullable String reasoning) {
      this.reasoning = reasoning;
      return this;
    }

    /**
     * Sets the tool calls of an assistant message (copied).
     *
     * @param toolCalls the calls
     * @return this builder
     * @throws NullPointerException if the list or a call is null
     */
    public Builder toolCalls(List<ToolCall> toolCalls) {
      this.toolCalls = List.copyOf(toolCalls);
      return this;
    }

    /**
     * Sets, for a {@code tool} message, the id of the call it answers.
     *
     * @param toolCallId the id, or null for other messages
     * @return this builder
     */
    public Builder toolCallId(@Nullable String toolCallId) {
      this.toolCallId = toolCallId;
      return this;
    }

    /**
     * Builds the message.
     *
     * @return the message
     * @throws IllegalArgumentException if the message has no content and no tool calls, or is a
     *     {@code tool} message without a tool call id
     */
    public ChatMessage build() {
      if (content == null && toolCalls.isEmpty()) {
        throw new IllegalArgumentException(
            "a " + role + " message needs content (only an assistant message with tool calls may have none)");
      }
      if ("tool".equals(role) && toolCallId == null) {
        throw new IllegalArgumentException("a tool message needs the toolCallId of the call it answers");
      }
      return new ChatMessage(this);
    }
  }
}
