package io.github.llamaclient;

import org.jspecify.annotations.Nullable;

/** Why llama-server stopped generating ({@code finish_reason}). */
public enum FinishReason {
  /** An end-of-sequence token or a stop string. */
  STOP,
  /** {@code max_tokens}/{@code n_predict} reached, the context is full, or a time limit hit. */
  LENGTH,
  /** The model called tools (stop after at least one parsed tool call). */
  TOOL_CALLS,
  /** A value this client does not know. */
  OTHER;

  /**
   * The reason for a {@code finish_reason} value as llama-server sends it.
   *
   * @param value the wire value, or null
   * @return the reason ({@link #OTHER} for an unknown value), or null for null
   */
  public static @Nullable FinishReason fromWire(@Nullable String value) {
    if (value == null) {
      return null;
    }
    switch (value) {
      case "stop":
        return STOP;
      case "length":
        return LENGTH;
      case "tool_calls":
        return TOOL_CALLS;
      default:
        return OTHER;
    }
  }
}
