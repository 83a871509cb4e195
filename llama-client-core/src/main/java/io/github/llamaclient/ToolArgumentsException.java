package io.github.llamaclient;

import io.github.llamaclient.internal.sse.SseParser;

import org.jspecify.annotations.Nullable;

/**
 * A tool call's arguments could not be read: they are not valid JSON, not a JSON object, or do not
 * fit the requested type. Small models and replies cut by {@code max_tokens} produce such calls.
 * The message names the call (id and function name) and shows the start of the arguments; {@link
 * #arguments()} holds them whole, as the model wrote them.
 *
 * <p>Thrown by {@link ToolCall#argumentsAsMap()} and {@link ToolCall#argumentsAs(Class)}, and by
 * {@link ToolLoop#run(ChatRequest)} set to {@link ToolLoop.InvalidArguments#FAIL} (by default the
 * loop tells the model instead).
 */
public final class ToolArgumentsException extends LlamaException {
  private static final long serialVersionUID = 1L;

  private final String callId;
  private final String toolName;
  private final String arguments;

  /**
   * Creates the exception.
   *
   * @param call the call whose arguments failed
   * @param problem what is wrong
   * @param cause the parser's exception, if any
   */
  public ToolArgumentsException(ToolCall call, String problem, @Nullable Throwable cause) {
    super(
        "arguments of tool call "
            + call.id()
            + " ("
            + call.name()
            + ") "
            + problem
            + ": "
            + SseParser.Lines.preview(call.arguments().getBytes(java.nio.charset.StandardCharsets.UTF_8)),
        cause);
    this.callId = call.id();
    this.toolName = call.name();
    this.arguments = call.arguments();
  }

  /**
   * The id of the call.
   *
   * @return the id
   */
  public String callId() {
    return callId;
  }

  /**
   * The function name of the call.
   *
   * @return the name
   */
  public String toolName() {
    return toolName;
  }

  /**
   * The raw arguments text, whole, as the model wrote it (possibly cut or not JSON at all).
   *
   * @return the text
   */
  public String arguments() {
    return arguments;
  }
}
