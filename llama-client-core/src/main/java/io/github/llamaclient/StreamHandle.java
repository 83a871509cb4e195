package io.github.llamaclient;

import java.util.concurrent.CompletableFuture;

/**
 * Controls a stream started with callbacks ({@link LlamaClient#generateStream(ChatRequest,
 * java.util.function.Consumer, java.util.function.Consumer, java.util.function.Consumer)}).
 * Thread-safe.
 *
 * <p>Keeping the handle is optional: the callbacks are the stream's consumer, so a stream whose
 * handle was dropped still runs to its end (completion, failure, or a timeout) and calls them, as
 * {@link LlamaClient#chatAsync(ChatRequest)} relies on. To stop it early, call {@link #cancel()}.
 */
public interface StreamHandle {

  /**
   * Runs callbacks over any publisher of {@link ChatEvent}s that ends with {@link ChatEvent.Done}
   * (such as {@link LlamaClient#eventPublisher(ChatRequest)}): subscribes now, requests everything,
   * and calls {@code onEvent} for each event before {@code Done}, then exactly one of {@code
   * onComplete} (with the result {@code Done} carried) and {@code onError}, on the publisher's
   * thread; none after {@link #cancel()}. A callback that throws cancels the subscription and the
   * failure goes to {@code onError}.
   *
   * @param events the publisher; subscribed once, at once
   * @param onEvent receives each event before the end
   * @param onComplete receives the result
   * @param onError receives the failure ({@link LlamaException}; another throwable is wrapped)
   * @return the handle: cancels the subscription, or waits for the result
   */
  static StreamHandle subscribe(
      java.util.concurrent.Flow.Publisher<ChatEvent> events,
      java.util.function.Consumer<? super ChatEvent> onEvent,
      java.util.function.Consumer<? super ChatResult> onComplete,
      java.util.function.Consumer<? super LlamaException> onError) {
    java.util.Objects.requireNonNull(events, "events");
    CallbackSubscriber subscriber =
        new CallbackSubscriber(
            java.util.Objects.requireNonNull(onEvent, "onEvent"),
            java.util.Objects.requireNonNull(onComplete, "onComplete"),
            java.util.Objects.requireNonNull(onError, "onError"));
    events.subscribe(subscriber);
    return subscriber;
  }

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
