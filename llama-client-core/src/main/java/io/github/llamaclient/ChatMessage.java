package io.github.llamaclient;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One message of a chat: a system prompt, a user turn, an assistant reply (with its reasoning and
 * tool calls kept apart) or a tool result. Immutable and thread-safe. Make one with the static
 * factories ({@link #user(String)}, {@link #assistant(String)}, ...) or, for any combination, with
 * {@link #builder(String)}.
 *
 * <p>Content parts: a message's content is a list of {@link ContentPart}s (text, images, audio;
 * {@link #parts()}). A text message holds one text part, and is sent as a plain string, as before
 * parts existed; a message with an image or audio part, or with several parts, is sent as
 * OpenAI-style content parts, which llama-server takes when it runs with a multimodal projector
 * ({@code --mmproj}). {@link #content()} stays the message's text: its text parts, joined.
 *
 * <p>How this type grows (0.x policy): it is a final class, not a record, and has no public
 * constructor. A new field arrives as a new accessor and a new {@link Builder} method; existing
 * accessors keep their names and meaning (content parts arrived this way: {@link #parts()} and
 * {@link Builder#part(ContentPart)}, while {@link #content()} kept returning the text, so code
 * written against text messages keeps compiling and working).
 */
public final class ChatMessage {
  private final String role;
  // the stored form: content() is derived from it (the text parts, joined)
  private final List<ContentPart> parts;
  private final @Nullable String content;
  private final @Nullable String reasoning;
  private final List<ToolCall> toolCalls;
  private final @Nullable String toolCallId;

  private ChatMessage(Builder b) {
    this.role = b.role;
    this.parts = List.copyOf(b.parts);
    this.content = text(parts);
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
    b.parts.addAll(parts);
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
   * The message's text: its text parts, joined without a separator.
   *
   * @return the text; null for a message without text parts (an assistant message that holds tool
   *     calls alone, or a message of images or audio only)
   */
  public @Nullable String content() {
    return content;
  }

  /**
   * The message's content parts, in order: one text part for a text message.
   *
   * @return an unmodifiable list, empty only for an assistant message that holds tool calls alone
   */
  public List<ContentPart> parts() {
    return parts;
  }

  /**
   * Whether the content is more than one text: an image or audio part, or several parts. Such a
   * message is sent as content parts, a text message as a plain string.
   *
   * @return true if it is sent as content parts
   */
  public boolean hasParts() {
    return parts.size() > 1 || (parts.size() == 1 && !(parts.get(0) instanceof ContentPart.Text));
  }

  /**
   * Whether a part is an image or audio: the server needs a multimodal projector for it.
   *
   * @param kind {@code ContentPart.Image.class} or {@code ContentPart.Audio.class}
   * @return true if a part is of that kind
   */
  boolean has(Class<? extends ContentPart> kind) {
    for (ContentPart p : parts) {
      if (kind.isInstance(p)) {
        return true;
      }
    }
    return false;
  }

  private static @Nullable String text(List<ContentPart> parts) {
    StringBuilder sb = null;
    for (ContentPart p : parts) {
      if (p instanceof ContentPart.Text) {
        if (sb == null) {
          sb = new StringBuilder();
        }
        sb.append(((ContentPart.Text) p).text());
      }
    }
    return sb == null ? null : sb.toString();
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
        && parts.equals(m.parts)
        && Objects.equals(reasoning, m.reasoning)
        && toolCalls.equals(m.toolCalls)
        && Objects.equals(toolCallId, m.toolCallId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(role, parts, reasoning, toolCalls, toolCallId);
  }

  @Override
  public String toString() {
    return "ChatMessage[role="
        + role
        + (hasParts() ? ", parts=" + parts : ", content=" + content)
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
   * A user turn of content parts: text, images, audio (an image or audio part needs a server with a
   * multimodal projector, {@code --mmproj}).
   *
   * @param first the first part
   * @param more the other parts, in order
   * @return the message
   * @throws NullPointerException if a part is null
   */
  public static ChatMessage user(ContentPart first, ContentPart... more) {
    return builder("user").parts(Parts.concat(first, more)).build();
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
    private final List<ContentPart> parts = new ArrayList<>(1);
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
     * Sets the text: the content becomes this one text part (the parts set before are dropped).
     *
     * @param content the text, or null for no content (only an assistant message with tool calls
     *     may have none)
     * @return this builder
     */
    public Builder content(@Nullable String content) {
      parts.clear();
      if (content != null) {
        parts.add(new ContentPart.Text(content));
      }
      return this;
    }

    /**
     * Adds a content part after those set before.
     *
     * @param part the part
     * @return this builder
     * @throws NullPointerException if {@code part} is null
     */
    public Builder part(ContentPart part) {
      parts.add(Objects.requireNonNull(part, "part"));
      return this;
    }

    /**
     * Sets the content parts (copied), replacing those set before.
     *
     * @param parts the parts
     * @return this builder
     * @throws NullPointerException if the list or a part is null
     */
    public Builder parts(List<? extends ContentPart> parts) {
      List<? extends ContentPart> copy = List.copyOf(parts);
      this.parts.clear();
      this.parts.addAll(copy);
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
     * @throws IllegalArgumentException if the message has no content and no tool calls, is a
     *     {@code tool} message without a tool call id, or is an {@code assistant} or {@code tool}
     *     message with an image or audio part (only the other roles may carry media)
     */
    public ChatMessage build() {
      if (parts.isEmpty() && toolCalls.isEmpty()) {
        throw new IllegalArgumentException(
            "a " + role + " message needs content (only an assistant message with tool calls may have none)");
      }
      if ("tool".equals(role) && toolCallId == null) {
        throw new IllegalArgumentException("a tool message needs the toolCallId of the call it answers");
      }
      if (("assistant".equals(role) || "tool".equals(role))
          && parts.stream().anyMatch(p -> !(p instanceof ContentPart.Text))) {
        throw new IllegalArgumentException("a " + role + " message holds text only; images and audio go in user messages");
      }
      return new ChatMessage(this);
    }
  }
}

/** Joins the parts of a varargs factory. */
final class Parts {
  private Parts() {}

  static List<ContentPart> concat(ContentPart first, ContentPart... more) {
    List<ContentPart> all = new ArrayList<>(1 + more.length);
    all.add(java.util.Objects.requireNonNull(first, "part"));
    for (ContentPart p : more) {
      all.add(java.util.Objects.requireNonNull(p, "part"));
    }
    return all;
  }
}
