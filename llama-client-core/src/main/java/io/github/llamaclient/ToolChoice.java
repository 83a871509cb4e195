package io.github.llamaclient;

/**
 * Whether the model may, must or must not call tools ({@code tool_choice}). llama-server accepts
 * only these three strings; it treats an OpenAI-style object naming one function as {@code auto},
 * so this client does not offer that form.
 */
public enum ToolChoice {
  /** The model decides ({@code "auto"}, the server's default when tools are given). */
  AUTO("auto"),
  /** The model must not call tools ({@code "none"}). */
  NONE("none"),
  /** The model must call at least one tool ({@code "required"}). */
  REQUIRED("required");

  private final String wire;

  ToolChoice(String wire) {
    this.wire = wire;
  }

  /**
   * The value sent on the wire.
   *
   * @return {@code auto}, {@code none} or {@code required}
   */
  public String wire() {
    return wire;
  }
}
