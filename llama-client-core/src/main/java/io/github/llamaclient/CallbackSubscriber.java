package io.github.llamaclient;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/** Callbacks over a publisher of {@link ChatEvent}s ending with {@code Done}; also the {@link StreamHandle}. */
final class CallbackSubscriber implements Flow.Subscriber<ChatEvent>, StreamHandle {
  private static final System.Logger LOG = System.getLogger(CallbackSubscriber.class.getName());

  private final Consumer<? super ChatEvent> onEvent;
  private final Consumer<? super ChatResult> onComplete;
  private final Consumer<? super LlamaException> onError;
  private final CompletableFuture<ChatResult> future = new CompletableFuture<>();
  private volatile Flow.@Nullable Subscription subscription;
  private volatile boolean cancelled;
  private @Nullable ChatResult result;

  CallbackSubscriber(
      Consumer<? super ChatEvent> onEvent,
      Consumer<? super ChatResult> onComplete,
      Consumer<? super LlamaException> onError) {
    this.onEvent = onEvent;
    this.onComplete = onComplete;
    this.onError = onError;
    future.whenComplete(
        (r, e) -> {
          if (future.isCancelled()) {
            cancel();
          }
        });
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    if (cancelled) {
      s.cancel();
    } else {
      s.request(Long.MAX_VALUE);
    }
  }

  @Override
  public void onNext(ChatEvent event) {
    if (cancelled) {
      return;
    }
    if (event instanceof ChatEvent.Done) {
      result = ((ChatEvent.Done) event).result();
      return;
    }
    try {
      onEvent.accept(event);
    } catch (RuntimeException e) {
      LlamaException failure = new LlamaException("a stream callback threw; the stream was cancelled: " + e, e);
      cancelled = true;
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
      deliverError(failure);
    }
  }

  @Override
  public void onError(Throwable throwable) {
    if (cancelled) {
      return; // no callback after cancel()
    }
    LlamaException e =
        throwable instanceof LlamaException
            ? (LlamaException) throwable
            : new LlamaException("stream failed: " + throwable, throwable);
    deliverError(e);
  }

  private void deliverError(LlamaException e) {
    try {
      onError.accept(e);
    } catch (RuntimeException inner) {
      LOG.log(System.Logger.Level.WARNING, "onError callback threw", inner);
    } finally {
      future.completeExceptionally(e);
    }
  }

  @Override
  public void onComplete() {
    if (cancelled) {
      return; // no callback after cancel()
    }
    ChatResult r = result;
    if (r == null) {
      deliverError(new LlamaException("the stream completed without a result"));
      return;
    }
    try {
      onComplete.accept(r);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "onComplete callback threw", e);
    } finally {
      future.complete(r);
    }
  }

  @Override
  public void cancel() {
    if (cancelled) {
      return;
    }
    cancelled = true;
    Flow.Subscription s = subscription;
    if (s != null) {
      s.cancel();
    }
    future.completeExceptionally(new StreamCancelledException("the stream was cancelled through its handle"));
  }

  @Override
  public boolean isDone() {
    return future.isDone();
  }

  @Override
  public CompletableFuture<ChatResult> result() {
    return future;
  }
}
