package io.github.llamaclient;

import java.util.Objects;

/**
 * One typed event of a streamed chat reply. A stream yields, in order: optional {@link Progress}
 * events while the prompt is processed, then {@link Content}, {@link Reasoning}, {@link
 * ToolCallStarted} and {@link ToolCallArguments} events as tokens arrive, and finally one {@link
 * Done} holding the whole {@link ChatResult}.
 */
public sealed interface ChatEvent
    permits ChatEvent.Content,
        ChatEvent.Reasoning,
        ChatEvent.ToolCallStarted,
        ChatEvent.ToolCallArguments,
        ChatEvent.Progress,
        ChatEvent.TokenTimings,
        ChatEvent.TokenLogprobs,
        ChatEvent.Done {

  /**
   * A piece of answer text ({@code delta.content}), never empty.
   *
   * @param text the piece
   */
  record Content(String text) implements ChatEvent {
    /**
     * Checks the component.
     *
     * @param text the text
     */
    public Content {
      Objects.requireNonNull(text, "text");
    }
  }

  /**
   * A piece of reasoning text ({@code delta.reasoning_content}), never empty.
   *
   * @param text the piece
   */
  record Reasoning(String text) implements ChatEvent {
    /**
     * Checks the component.
     *
     * @param text the text
     */
    public Reasoning {
      Objects.requireNonNull(text, "text");
    }
  }

  /**
   * A tool call began, or the server revised its name (then the same index comes again with the
   * full new name, which replaces the old one).
   *
   * @param index the call's index in the reply
   * @param id the call's id
   * @param name the function name
   */
  record ToolCallStarted(int index, String id, String name) implements ChatEvent {
    /**
     * Checks the components.
     *
     * @param index the index
     * @param id the id
     * @param name the name
     */
    public ToolCallStarted {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(name, "name");
    }
  }

  /**
   * A fragment of a tool call's JSON arguments; join the fragments of one index to get the text.
   *
   * @param index the call's index in the reply
   * @param fragment the fragment, never empty
   */
  record ToolCallArguments(int index, String fragment) implements ChatEvent {
    /**
     * Checks the components.
     *
     * @param index the index
     * @param fragment the fragment
     */
    public ToolCallArguments {
      Objects.requireNonNull(fragment, "fragment");
    }
  }

  /**
   * Prompt processing progress ({@code prompt_progress}; sent only when the request set {@link
   * ChatRequest.Builder#returnProgress(boolean)}).
   *
   * @param total prompt tokens in all
   * @param cache tokens taken from the prompt cache
   * @param processed tokens processed so far, cache included
   * @param timeMs milliseconds spent so far
   */
  record Progress(int total, int cache, int processed, long timeMs) implements ChatEvent {
    /**
     * Overall progress, {@code processed / total}.
     *
     * @return a fraction from 0 to 1
     */
    public double fraction() {
      return total <= 0 ? 1.0 : (double) processed / total;
    }
  }

  /**
   * Timings so far, sent with each token when the request set {@link
   * ChatRequest.Builder#timingsPerToken(boolean)}.
   *
   * @param timings the timings after this token
   */
  record TokenTimings(Timings timings) implements ChatEvent {
    /**
     * Checks the component.
     *
     * @param timings the timings
     */
    public TokenTimings {
      Objects.requireNonNull(timings, "timings");
    }
  }

  /**
   * The log-probabilities of the token(s) behind the event just before, sent when the request set
   * {@link ChatRequest.Builder#logprobs(boolean)} (chat: {@code choices[0].logprobs.content}) or
   * {@code n_probs} on {@code /completion} ({@code completion_probabilities}). llama-server attaches
   * them to a token's last delta, so a token that produced no text has none.
   *
   * @param tokens one entry per token, usually one
   */
  record TokenLogprobs(java.util.List<TokenLogprob> tokens) implements ChatEvent {
    /**
     * Copies the list.
     *
     * @param tokens the tokens
     */
    public TokenLogprobs {
      tokens = java.util.List.copyOf(tokens);
    }
  }

  /**
   * The end of the stream, with the whole reply.
   *
   * @param result the reply
   */
  record Done(ChatResult result) implements ChatEvent {
    /**
     * Checks the component.
     *
     * @param result the result
     */
    public Done {
      Objects.requireNonNull(result, "result");
    }
  }
}
