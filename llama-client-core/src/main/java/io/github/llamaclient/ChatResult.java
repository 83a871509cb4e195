package io.github.llamaclient;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A complete reply: what a blocking call returns and what a stream adds up to.
 *
 * @param text the answer text
 * @param reasoning the reasoning text ({@code reasoning_content}), empty if none
 * @param toolCalls the completed tool calls, in index order; empty if none
 * @param finishReason why generation stopped
 * @param usage token counts, or null if the server sent none (streams: see {@link
 *     ChatRequest.Builder#includeUsage(boolean)})
 * @param timings llama-server's timings, or null if the server sent none
 * @param id the completion id ({@code chatcmpl-…}), empty if none was sent
 * @param model the model name the server reported, empty if none was sent
 */
public record ChatResult(
    String text,
    String reasoning,
    List<ToolCall> toolCalls,
    FinishReason finishReason,
    @Nullable Usage usage,
    @Nullable Timings timings,
    String id,
    String model) {

  /**
   * Checks the components and copies the list.
   *
   * @param text the text
   * @param reasoning the reasoning
   * @param toolCalls the toolCalls
   * @param finishReason the finishReason
   * @param usage the usage
   * @param timings the timings
   * @param id the id
   * @param model the model
   */
  public ChatResult {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(reasoning, "reasoning");
    toolCalls = List.copyOf(toolCalls);
    Objects.requireNonNull(finishReason, "finishReason");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(model, "model");
  }
}
