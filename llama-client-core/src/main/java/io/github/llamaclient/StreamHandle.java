package io.github.llamaclient;

import java.util.concurrent.CompletableFuture;

/**
 * Controls a stream started with callbacks ({@link LlamaClient#generateStream(ChatRequest,
 * java.util.function.Consumer, java.util.function.Consumer, java.util.function.Consumer)}).
 * Thread-safe.
 */
public interface StreamHandle {

  /**
   * Stops the stream: the HTTP connection is closed, so llama-server stops generating, and no
   * callback is called afterwards. {@link #result()} completes exceptionally with {@link
   * StreamCancelledException}. Idempotent.
   */
  void cancel();

  /**
   * Whether the stream has ended: completed, failed or cancelled.
   *
   * @return true once ended
   */
  boolean isDone();

  /**
   * The reply, completing when the stream ends: normally with the {@link ChatResult}, or
   * exceptionally with the {@link LlamaException} that ended it. Cancelling this future cancels
   * the stream.
   *
   * @return the future
   */
  CompletableFuture<ChatResult> result();
}
