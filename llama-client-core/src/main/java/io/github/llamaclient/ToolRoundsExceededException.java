package io.github.llamaclient;

import java.util.List;

/**
 * A {@link ToolLoop} reached its round limit and the last reply still called tools. Carries that
 * reply and the conversation up to it, so the caller can decide what to do.
 */
public final class ToolRoundsExceededException extends LlamaException {
  private static final long serialVersionUID = 1L;

  private final int maxRounds;
  private final transient ChatResult lastResult;
  private final transient List<ChatMessage> messages;

  ToolRoundsExceededException(int maxRounds, ChatResult lastResult, List<ChatMessage> messages) {
    super(
        "the model still called tools after "
            + maxRounds
            + " round(s) ("
            + lastResult.toolCalls().size()
            + " call(s), first: "
            + lastResult.toolCalls().get(0).name()
            + "); raise maxRounds or check the tools");
    this.maxRounds = maxRounds;
    this.lastResult = lastResult;
    this.messages = List.copyOf(messages);
  }

  /**
   * The limit that was reached.
   *
   * @return the maximum number of rounds
   */
  public int maxRounds() {
    return maxRounds;
  }

  /**
   * The last reply, whose tool calls were not run.
   *
   * @return the reply
   */
  public ChatResult lastResult() {
    return lastResult;
  }

  /**
   * The conversation before the last reply.
   *
   * @return the messages
   */
  public List<ChatMessage> messages() {
    return messages;
  }
}
