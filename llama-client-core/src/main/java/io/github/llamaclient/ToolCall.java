package io.github.llamaclient;

import java.util.Objects;

/**
 * A function call the model asked for.
 *
 * @param id the call's id, to be echoed as {@code tool_call_id} in the tool's result message
 * @param name the function name
 * @param arguments the arguments as the raw JSON text the model produced (not validated)
 */
public record ToolCall(String id, String name, String arguments) {
  /**
   * Checks that no component is null.
   *
   * @param id the id
   * @param name the name
   * @param arguments the arguments
   */
  public ToolCall {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(arguments, "arguments");
  }
}
