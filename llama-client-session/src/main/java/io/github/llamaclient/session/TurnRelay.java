package io.github.llamaclient.session;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.LlamaException;
import java.util.concurrent.Flow;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Sits between the client's event publisher and a downstream subscriber: feeds the turn, commits it
 * at {@link ChatEvent.Done} (before passing anything further on), aborts it on error or cancel, and
 * maps events for downstream (events mapped to null are dropped and their demand asked for again).
 * Upstream signals are serial, so no locking is needed for them.
 */
final class TurnRelay<T> implements Flow.Subscriber<ChatEvent>, Flow.Subscription {
  private final Turn turn;
  private final Flow.Subscriber<? super T> downstream;
  private final Function<ChatEvent, @Nullable T> map;
  private volatile Flow.@Nullable Subscription upstream;
  private volatile boolean cancelled;
  private boolean done;

  TurnRelay(Turn turn, Flow.Subscriber<? super T> downstream, Function<ChatEvent, @Nullable T> map) {
    this.turn = turn;
    this.downstream = downstream;
    this.map = map;
  }

  static @Nullable String contentText(ChatEvent e) {
    return e instanceof ChatEvent.Content ? ((ChatEvent.Content) e).text() : null;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    upstream = s;
    downstream.onSubscribe(this);
    if (cancelled) {
      s.cancel();
    }
  }

  @Override
  public void onNext(ChatEvent e) {
    if (done || cancelled) {
      return;
    }
    turn.onEvent(e);
    if (e instanceof ChatEvent.Done) {
      try {
        turn.commit(((ChatEvent.Done) e).result());
      } catch (RuntimeException ex) {
        done = true;
        Flow.Subscription s = upstream;
        if (s != null) {
          s.cancel();
        }
        downstream.onError(ex);
        return;
      }
    }
    T v = map.apply(e);
    if (v == null) {
      Flow.Subscription s = upstream;
      if (s != null) {
        s.request(1);
      }
    } else {
      downstream.onNext(v);
    }
  }

  @Override
  public void onError(Throwable t) {
    if (done) {
      return;
    }
    done = true;
    turn.abort(t);
    if (!cancelled) {
      downstream.onError(t);
    }
  }

  @Override
  public void onComplete() {
    if (done) {
      return;
    }
    done = true;
    if (!turn.ended()) {
      LlamaException e = new LlamaException("the stream completed without a result");
      turn.abort(e);
      downstream.onError(e);
      return;
    }
    downstream.onComplete();
  }

  @Override
  public void request(long n) {
    Flow.Subscription s = upstream;
    if (s != null) {
      s.request(n);
    }
  }

  @Override
  public void cancel() {
    cancelled = true;
    Flow.Subscription s = upstream;
    if (s != null) {
      s.cancel();
    }
    turn.abort(null);
  }
}
