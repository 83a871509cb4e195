package io.github.llamaclient.session;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.LlamaException;
import io.github.llamaclient.StreamCancelledException;
import io.github.llamaclient.StreamHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/** Callbacks over a {@link TurnRelay}, and the {@link StreamHandle} of the turn. */
final class TurnCallbacks implements Flow.Subscriber<ChatEvent>, StreamHandle {
  private static final System.Logger LOG = System.getLogger(TurnCallbacks.class.getName());

  private final Consumer<? super ChatEvent> onEvent;
  private final Consumer<? super ChatResult> onComplete;
  private final Consumer<? super LlamaException> onError;
  private final CompletableFuture<ChatResult> future = new CompletableFuture<>();
  private volatile Flow.@Nullable Subscription subscription;
  private volatile boolean cancelled;
  private @Nullable ChatResult result;

  TurnCallbacks(
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
  public void onNext(ChatEvent e) {
    if (cancelled) {
      return;
    }
    if (e instanceof ChatEvent.Done) {
      result = ((ChatEvent.Done) e).result();
      return;
    }
    try {
      onEvent.accept(e);
    } catch (RuntimeException ex) {
      Flow.Subscription s = subscription;
      cancelled = true;
      if (s != null) {
        s.cancel(); // aborts the turn
      }
      deliverError(new LlamaException("a stream callback threw; the turn was cancelled: " + ex, ex));
    }
  }

  @Override
  public void onError(Throwable t) {
    if (cancelled) {
      return;
    }
    deliverError(
        t instanceof LlamaException ? (LlamaException) t : new LlamaException("turn failed: " + t, t));
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
    ChatResult r = result;
    if (cancelled) {
      return;
    }
    if (r == null) {
      deliverError(new LlamaException("the turn completed without a result"));
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
    future.completeExceptionally(new StreamCancelledException("the turn was cancelled through its handle"));
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
