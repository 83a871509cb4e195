package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/** {@link StreamHandle#subscribe}: callbacks over any publisher of events, driven by hand here. */
class StreamHandleTest {
  private static final ChatResult RESULT =
      ChatResult.builder().text("Hi").finishReason(FinishReason.STOP).id("chatcmpl-1").model("tiny.gguf").build();

  /** A publisher the test drives: it keeps the subscriber and notes a cancel. */
  private static final class Manual implements Flow.Publisher<ChatEvent>, Flow.Subscription {
    final AtomicReference<Flow.Subscriber<? super ChatEvent>> subscriber = new AtomicReference<>();
    final AtomicBoolean cancelled = new AtomicBoolean();

    @Override
    public void subscribe(Flow.Subscriber<? super ChatEvent> s) {
      subscriber.set(s);
      s.onSubscribe(this);
    }

    @Override
    public void request(long n) {}

    @Override
    public void cancel() {
      cancelled.set(true);
    }
  }

  private final List<String> calls = new CopyOnWriteArrayList<>();

  private StreamHandle<ChatResult> subscribe(Manual p) {
    return StreamHandle.subscribe(
        p, StreamListener.ofEvents(e -> calls.add("event " + ((ChatEvent.Content) e).text()),
        r -> calls.add("complete " + r.text()),
        e -> calls.add("error " + e.getMessage())));
  }

  @Test
  void eventsThenTheResult() throws Exception {
    Manual p = new Manual();
    StreamHandle<ChatResult> h = subscribe(p);
    p.subscriber.get().onNext(new ChatEvent.Content("H"));
    p.subscriber.get().onNext(new ChatEvent.Content("i"));
    p.subscriber.get().onNext(new ChatEvent.Done(RESULT));
    p.subscriber.get().onComplete();
    assertThat(calls).containsExactly("event H", "event i", "complete Hi");
    assertThat(h.result().get()).isEqualTo(RESULT);
    assertThat(h.isDone()).isTrue();
  }

  @Test
  void noCallbackAfterCancel() {
    Manual p = new Manual();
    StreamHandle<ChatResult> h = subscribe(p);
    h.cancel();
    assertThat(p.cancelled).isTrue();
    // a publisher may still signal the end it was already delivering
    p.subscriber.get().onNext(new ChatEvent.Content("late"));
    p.subscriber.get().onError(new StreamCancelledException("closed"));
    p.subscriber.get().onComplete();
    assertThat(calls).isEmpty();
    Assertions.assertThatThrownBy(() -> h.result().get())
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(StreamCancelledException.class);
  }

  @Test
  void aThrowingCallbackCancelsAndReportsIt() {
    Manual p = new Manual();
    StreamHandle<ChatResult> h =
        StreamHandle.subscribe(
            p, StreamListener.ofEvents(e -> { throw new IllegalStateException("boom"); }, r -> calls.add("complete"), e -> calls.add("error " + e.getMessage())));
    p.subscriber.get().onNext(new ChatEvent.Content("x"));
    assertThat(p.cancelled).isTrue();
    assertThat(calls).singleElement().asString().startsWith("error a stream callback threw").contains("boom");
    assertThat(h.result()).isCompletedExceptionally();
  }
}
