package io.github.llamaclient;

/**
 * Runs one tool call for a {@link ToolLoop}: the application's side of function calling. Called on
 * the thread running the loop, once per call, in the order the model made them.
 */
@FunctionalInterface
public interface ToolExecutor {

  /**
   * Runs a call and returns its result, sent back to the model as the content of a {@code tool}
   * message. Use {@link ToolCall#argumentsAsMap()} or {@link ToolCall#argumentsAs(Class)} to read
   * the arguments. To let the model see a failure, return a description of it (for example {@code
   * {"error":"unknown city"}}); an exception thrown here ends the loop and reaches the caller of
   * {@link ToolLoop#run(ChatRequest)} unchanged.
   *
   * @param call the call: id, function name, raw arguments
   * @return the result text, usually JSON
   */
  String execute(ToolCall call);
}
