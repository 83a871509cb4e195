package io.github.llamaclient;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Receives one streamed reply: its events as they arrive, then exactly one of {@link
 * #onComplete(Object)} and {@link #onError(LlamaException)}, unless the stream is cancelled through
 * its {@link StreamHandle} first (then nothing more). The one listener type of every callback face:
 * {@link StreamingApi#subscribe(Object, StreamListener)} on {@link LlamaClient#chat()} and {@link
 * LlamaClient#completions()}.
 *
 * <p>Override what you need: {@link #onChunk(String)} for the answer text only, or {@link
 * #onEvent(ChatEvent)} for every event (reasoning, tool-call deltas, progress); by default {@code
 * onEvent} passes each {@link ChatEvent.Content}'s text to {@code onChunk}. Or build one from
 * lambdas with {@link #of(Consumer, Consumer, Consumer)} ({@code onChunk, onComplete, onError}) or {@link #ofEvents(Consumer, Consumer, Consumer)}.
 *
 * <pre>{@code
 * StreamHandle<ChatResult> handle = client.chat().subscribe(request, StreamListener.of(
 *     System.out::print,
 *     result -> System.out.println("\n" + result.usage()),
 *     error -> System.err.println(error.getMessage())));
 * }</pre>
 *
 * <p>Threads: the methods run on the client's delivery pool ({@link
 * LlamaClientBuilder#callbackThreads(int)}; or your own {@link
 * LlamaClientBuilder#callbackExecutor(java.util.concurrent.Executor)}), one after another, never
 * concurrently; a slow listener holds back its own stream and one of the pool's threads (the
 * other streams go on on the others). A method that throws cancels the
 * stream: the exception goes to {@code onError} (from {@code onEvent}/{@code onChunk}) or is logged
 * (from {@code onComplete}/{@code onError}).
 *
 * @param <R> the result: {@link ChatResult} or {@link CompletionResult}
 */
public interface StreamListener<R> {

  /**
   * Receives each event before the end (the final {@link ChatEvent.Done} is not passed here: its
   * result goes to {@link #onComplete(Object)}). By default passes content text to {@link
   * #onChunk(String)} and ignores the other events.
   *
   * @param event the event
   */
  default void onEvent(ChatEvent event) {
    if (event instanceof ChatEvent.Content) {
      onChunk(((ChatEvent.Content) event).text());
    }
  }

  /**
   * Receives each piece of answer text, in order (through the default {@link #onEvent(ChatEvent)}).
   * Does nothing by default.
   *
   * @param text the piece
   */
  default void onChunk(String text) {}

  /**
   * Receives the whole reply once the stream has ended normally. Does nothing by default.
   *
   * @param result the reply
   */
  default void onComplete(R result) {}

  /**
   * Receives the failure that ended the stream. By default logs it at {@code WARNING} through
   * {@link System.Logger}, so that no failure goes unseen; {@link StreamHandle#result()} completes
   * exceptionally with it as well.
   *
   * @param error what went wrong, a {@link LlamaException} subtype
   */
  default void onError(LlamaException error) {
    System.getLogger(StreamListener.class.getName())
        .log(System.Logger.Level.WARNING, "a stream failed and its listener does not handle errors", error);
  }

  /**
   * A listener from three callbacks: the answer text, the result, the failure.
   *
   * @param onChunk receives each piece of answer text
   * @param onComplete receives the whole reply
   * @param onError receives the failure
   * @param <R> the result type
   * @return the listener
   * @throws NullPointerException if an argument is null
   */
  static <R> StreamListener<R> of(
      Consumer<? super String> onChunk, Consumer<? super R> onComplete, Consumer<? super LlamaException> onError) {
    Objects.requireNonNull(onChunk, "onChunk");
    return ofEvents(
        event -> {
          if (event instanceof ChatEvent.Content) {
            onChunk.accept(((ChatEvent.Content) event).text());
          }
        },
        onComplete,
        onError);
  }

  /**
   * A listener from three callbacks: every event before the end, the result, the failure.
   *
   * @param onEvent receives each event
   * @param onComplete receives the whole reply
   * @param onError receives the failure
   * @param <R> the result type
   * @return the listener
   * @throws NullPointerException if an argument is null
   */
  static <R> StreamListener<R> ofEvents(
      Consumer<? super ChatEvent> onEvent, Consumer<? super R> onComplete, Consumer<? super LlamaException> onError) {
    Objects.requireNonNull(onEvent, "onEvent");
    Objects.requireNonNull(onComplete, "onComplete");
    Objects.requireNonNull(onError, "onError");
    return new StreamListener<R>() {
      @Override
      public void onEvent(ChatEvent event) {
        onEvent.accept(event);
      }

      @Override
      public void onComplete(R result) {
        onComplete.accept(result);
      }

      @Override
      public void onError(LlamaException error) {
        onError.accept(error);
      }
    };
  }
}
