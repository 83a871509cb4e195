package io.github.llamaclient;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * Controls a stream started with a {@link StreamListener} ({@link StreamingApi#subscribe(Object,
 * StreamListener)}). Thread-safe.
 *
 * <p>Keeping the handle is optional: the listener is the stream's consumer, so a stream whose
 * handle was dropped still runs to its end (completion, failure, or a timeout) and calls it, as
 * {@link StreamingApi#callAsync(Object)} relies on. To stop it early, call {@link #cancel()}.
 *
 * @param <R> the result: {@link ChatResult} or {@link CompletionResult}
 */
public interface StreamHandle<R> {

  /**
   * Runs a listener over any publisher of {@link ChatEvent}s that ends with {@link ChatEvent.Done}
   * (such as {@code client.chat().publisher(request)}, or a chat session's turn): subscribes now,
   * requests everything, and calls {@link StreamListener#onEvent(ChatEvent)} for each event before
   * {@code Done}, then exactly one of {@code onComplete} (with the result {@code Done} carried) and
   * {@code onError}, on the publisher's thread; none after {@link #cancel()}. A listener method that
   * throws cancels the subscription and the failure goes to {@code onError}.
   *
   * @param events the publisher; subscribed once, at once
   * @param listener receives the events, then the result or the failure
   * @return the handle: cancels the subscription, or waits for the result
   * @throws NullPointerException if an argument is null
   */
  static StreamHandle<ChatResult> subscribe(Flow.Publisher<ChatEvent> events, StreamListener<? super ChatResult> listener) {
    Objects.requireNonNull(events, "events");
    CallbackSubscriber<ChatResult> subscriber =
        new CallbackSubscriber<>(Objects.requireNonNull(listener, "listener"), ChatResult.class);
    events.subscribe(subscriber);
    return subscriber;
  }

  /**
   * Stops the stream: the HTTP connection is closed, so llama-server stops generating, and no
   * listener method is called afterwards. {@link #result()} completes exceptionally with {@link
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
   * The reply, completing when the stream ends: normally with the result, or exceptionally with the
   * {@link LlamaException} that ended it. Cancelling this future cancels the stream.
   *
   * @return the future
   */
  CompletableFuture<R> result();
}
