package io.github.llamaclient.internal.json;

import io.github.llamaclient.*;

/**
 * Turns the data of SSE events into typed events and, at the end, one result. One instance per
 * exchange; called by one thread at a time.
 *
 * @param <R> the result type
 */
public interface StreamDecoder<R> {

  /** Where decoded events go. */
  public interface Out {
    public void emit(ChatEvent event);
  }

  /**
   * Decodes one event's data.
   *
   * @return true if this was the stream's last event ({@code [DONE]}, or a native final chunk)
   * @throws LlamaException for an error event or a protocol violation
   */
  public boolean decode(byte[] buf, int off, int len, Out out);

  /**
   * The body ended.
   *
   * @param complete whether the last event was seen
   * @return the result
   * @throws StreamInterruptedException if the stream ended before its end
   */
  public R finish(boolean complete);

  /** The answer text so far, for the message of a failure. */
  public String partialText();
}
