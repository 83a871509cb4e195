package io.github.llamaclient;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import org.jspecify.annotations.Nullable;

/**
 * A {@link StreamListener} over a publisher of {@link ChatEvent}s whose last item carries the
 * result: an {@link End} (the facets' own publishers) or a {@link ChatEvent.Done} holding a result
 * of the listener's type (any chat event publisher); also the {@link StreamHandle}.
 */
final class CallbackSubscriber<R> implements Flow.Subscriber<Object>, StreamHandle<R> {
  private static final System.Logger LOG = System.getLogger(CallbackSubscriber.class.getName());

  /** The last item of a facet's callback publisher: the result. */
  static final class End {
    final Object result;

    End(Object result) {
      this.result = result;
    }
  }

  private final StreamListener<? super R> listener;
  private final Class<R> type;
  private final CompletableFuture<R> future = new CompletableFuture<>();
  private volatile Flow.@Nullable Subscription subscription;
  private volatile boolean cancelled;
  private @Nullable R result;

  CallbackSubscriber(StreamListener<? super R> listener, Class<R> type) {
    this.listener = listener;
    this.type = type;
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
  public void onNext(Object item) {
    if (cancelled) {
      return;
    }
    if (item instanceof End) {
      result = type.cast(((End) item).result);
      return;
    }
    if (item instanceof ChatEvent.Done && type.isInstance(((ChatEvent.Done) item).result())) {
      result = type.cast(((ChatEvent.Done) item).result());
      return;
    }
    try {
      listener.onEvent((ChatEvent) item);
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
      listener.onError(e);
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
    R r = result;
    if (r == null) {
      deliverError(
          new LlamaException(
              "the stream completed without a result: a listener needs a publisher whose last event carries"
                  + " it (ChatEvent.Done, as client.chat().publisher(...) sends); for completions use"
                  + " client.completions().subscribe(request, listener)"));
      return;
    }
    try {
      listener.onComplete(r);
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
  public CompletableFuture<R> result() {
    return future;
  }
}
