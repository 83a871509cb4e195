package io.github.llamaclient.session;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ChatRequest;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/** A publisher of one turn, for one subscriber; the turn begins on subscribe. */
final class TurnPublisher<T> implements Flow.Publisher<T> {
  private final SessionManager manager;
  private final String id;
  private final List<ChatMessage> input;
  private final Consumer<ChatRequest.Builder> options;
  private final Function<ChatEvent, @Nullable T> map;
  private final AtomicBoolean subscribed = new AtomicBoolean();

  TurnPublisher(
      SessionManager manager,
      String id,
      List<ChatMessage> input,
      Consumer<ChatRequest.Builder> options,
      Function<ChatEvent, @Nullable T> map) {
    this.manager = manager;
    this.id = id;
    this.input = input;
    this.options = Objects.requireNonNull(options, "options");
    this.map = map;
  }

  @Override
  public void subscribe(Flow.Subscriber<? super T> subscriber) {
    Objects.requireNonNull(subscriber, "subscriber");
    if (!subscribed.compareAndSet(false, true)) {
      fail(subscriber, new IllegalStateException("a session turn publisher takes one subscriber"));
      return;
    }
    Turn t;
    try {
      t = manager.begin(id, input, options);
    } catch (RuntimeException e) {
      fail(subscriber, e);
      return;
    }
    try {
      manager.client().chat().publisher(t.request()).subscribe(new TurnRelay<>(t, subscriber, map));
    } catch (RuntimeException e) {
      t.abort(e);
      throw e;
    }
  }

  private static void fail(Flow.Subscriber<?> s, Throwable e) {
    s.onSubscribe(
        new Flow.Subscription() {
          @Override
          public void request(long n) {}

          @Override
          public void cancel() {}
        });
    s.onError(e);
  }
}
