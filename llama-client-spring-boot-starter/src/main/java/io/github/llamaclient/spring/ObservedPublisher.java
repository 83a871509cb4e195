package io.github.llamaclient.spring;

import io.github.llamaclient.ChatEvent;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A publisher that tells a {@link Listener} what passes through it: the subscription, each event,
 * and exactly one end (completed, failed or cancelled, whichever comes first). Signals are passed
 * on unchanged; the listener is called on the thread of the signal and must not block.
 */
final class ObservedPublisher implements Flow.Publisher<ChatEvent> {

  /** One stream's observations; one instance per subscription. */
  interface Listener {
    void started();

    void event(ChatEvent event);

    void completed();

    void failed(Throwable error);

    void cancelled();
  }

  private final Flow.Publisher<ChatEvent> source;
  private final Supplier<Listener> listeners;

  ObservedPublisher(Flow.Publisher<ChatEvent> source, Supplier<Listener> listeners) {
    this.source = source;
    this.listeners = listeners;
  }

  @Override
  public void subscribe(Flow.Subscriber<? super ChatEvent> subscriber) {
    Listener listener = listeners.get();
    AtomicBoolean ended = new AtomicBoolean();
    listener.started();
    source.subscribe(
        new Flow.Subscriber<ChatEvent>() {
          @Override
          public void onSubscribe(Flow.Subscription s) {
            subscriber.onSubscribe(
                new Flow.Subscription() {
                  @Override
                  public void request(long n) {
                    s.request(n);
                  }

                  @Override
                  public void cancel() {
                    if (ended.compareAndSet(false, true)) {
                      listener.cancelled();
                    }
                    s.cancel();
                  }
                });
          }

          @Override
          public void onNext(ChatEvent item) {
            listener.event(item);
            subscriber.onNext(item);
          }

          @Override
          public void onError(Throwable t) {
            if (ended.compareAndSet(false, true)) {
              listener.failed(t);
            }
            subscriber.onError(t);
          }

          @Override
          public void onComplete() {
            if (ended.compareAndSet(false, true)) {
              listener.completed();
            }
            subscriber.onComplete();
          }
        });
  }
}
