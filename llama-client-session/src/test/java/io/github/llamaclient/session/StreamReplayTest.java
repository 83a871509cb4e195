package io.github.llamaclient.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.FinishReason;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.LlamaException;
import io.github.llamaclient.StreamCancelledException;
import io.github.llamaclient.StreamHandle;
import io.github.llamaclient.StreamListener;
import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Replays of saved streams: every face gives the events that were saved, each at its offset
 * divided by the speed (checked on a {@link ManualClock}, without sleeping), and closing,
 * cancelling or interrupting ends a replay in the middle of a wait.
 */
@Timeout(30)
class StreamReplayTest {
  private static final ChatResult RESULT =
      ChatResult.builder().text("Hello world").finishReason(FinishReason.STOP).model("m").id("c1").build();

  /** Content at 0, 100 ms, 250 ms; a tool call at 400 ms; Done at 1 s. */
  private static final SavedStream STREAM =
      new SavedStream(
          List.of(
              new SavedStream.Event(Duration.ZERO, new ChatEvent.Content("Hello")),
              new SavedStream.Event(Duration.ofMillis(100), new ChatEvent.Content(" wor")),
              new SavedStream.Event(Duration.ofMillis(250), new ChatEvent.Content("ld")),
              new SavedStream.Event(Duration.ofMillis(400), new ChatEvent.ToolCallStarted(0, "call_1", "add")),
              new SavedStream.Event(Duration.ofSeconds(1), new ChatEvent.Done(RESULT))),
          false);

  /** One way to play a replay, on another thread; gives the events in the order they came. */
  enum Face {
    EVENTS {
      @Override
      CompletableFuture<List<ChatEvent>> play(StreamReplay replay, List<Long> times, ReplayClock clock) {
        return CompletableFuture.supplyAsync(
            () -> {
              try (Stream<ChatEvent> events = replay.events()) {
                return events.peek(e -> times.add(clock.nanoTime())).toList();
              }
            },
            StreamReplayTest::thread);
      }
    },
    PUBLISHER {
      @Override
      CompletableFuture<List<ChatEvent>> play(StreamReplay replay, List<Long> times, ReplayClock clock) {
        CompletableFuture<List<ChatEvent>> done = new CompletableFuture<>();
        List<ChatEvent> got = new ArrayList<>();
        replay.publisher()
            .subscribe(
                new Flow.Subscriber<ChatEvent>() {
                  Flow.Subscription s;

                  @Override
                  public void onSubscribe(Flow.Subscription subscription) {
                    s = subscription;
                    s.request(1);
                  }

                  @Override
                  public void onNext(ChatEvent item) {
                    times.add(clock.nanoTime());
                    got.add(item);
                    s.request(1);
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.completeExceptionally(t);
                  }

                  @Override
                  public void onComplete() {
                    done.complete(got);
                  }
                });
        return done;
      }
    },
    LISTENER {
      @Override
      CompletableFuture<List<ChatEvent>> play(StreamReplay replay, List<Long> times, ReplayClock clock) {
        List<ChatEvent> got = new ArrayList<>();
        StreamHandle<ChatResult> h =
            replay.subscribe(
                StreamListener.ofEvents(
                    e -> {
                      times.add(clock.nanoTime());
                      got.add(e);
                    },
                    (ChatResult r) -> {
                      times.add(clock.nanoTime());
                      got.add(new ChatEvent.Done(r));
                    },
                    (LlamaException e) -> {}));
        return h.result().thenApply(r -> got);
      }
    };

    abstract CompletableFuture<List<ChatEvent>> play(StreamReplay replay, List<Long> times, ReplayClock clock);
  }

  private static void thread(Runnable r) {
    Thread t = new Thread(r, "test-consumer");
    t.setDaemon(true);
    t.start();
  }

  private static ReplayClock of(ManualClock manual) {
    return ReplayClock.of(manual::nanoTime, manual::sleepUntil);
  }

  private static List<ChatEvent> events(SavedStream s) {
    return s.events().stream().map(SavedStream.Event::event).toList();
  }

  /** Plays on a manual clock: each wait is released when the clock reaches it; returns the waits. */
  private static List<Long> playPaced(Face face, double speed, List<ChatEvent> got, List<Long> times) throws Exception {
    ManualClock manual = new ManualClock();
    manual.advance(Duration.ofSeconds(7)); // the replay counts from when it starts, not from 0
    long start = manual.nanoTime();
    StreamReplay replay = STREAM.replay().speed(speed).clock(of(manual));
    CompletableFuture<List<ChatEvent>> played = face.play(replay, times, of(manual));
    List<Long> waits = new ArrayList<>();
    while (!played.isDone()) {
      long due;
      try {
        due = manual.awaitSleeper(Duration.ofMillis(200));
      } catch (IllegalStateException noSleeperYet) {
        continue; // the replay is between two waits, or has ended
      }
      waits.add(due - start);
      manual.advanceTo(due);
    }
    got.addAll(played.get(10, TimeUnit.SECONDS));
    for (int i = 0; i < times.size(); i++) {
      times.set(i, times.get(i) - start);
    }
    return waits;
  }

  @ParameterizedTest
  @EnumSource(Face.class)
  void atTheOriginalPaceEachEventComesAtItsOffset(Face face) throws Exception {
    List<ChatEvent> got = new ArrayList<>();
    List<Long> times = Collections.synchronizedList(new ArrayList<>());
    List<Long> waits = playPaced(face, 1, got, times);
    assertThat(got).isEqualTo(events(STREAM));
    List<Long> offsets = STREAM.events().stream().map(e -> e.offset().toNanos()).toList();
    assertThat(times).isEqualTo(offsets);
    assertThat(waits).isEqualTo(offsets.subList(1, offsets.size())); // the first is due at once
  }

  @ParameterizedTest
  @EnumSource(Face.class)
  void twiceAsFastHalvesEveryOffset(Face face) throws Exception {
    List<ChatEvent> got = new ArrayList<>();
    List<Long> times = Collections.synchronizedList(new ArrayList<>());
    List<Long> waits = playPaced(face, 2, got, times);
    assertThat(got).isEqualTo(events(STREAM));
    assertThat(times).isEqualTo(STREAM.events().stream().map(e -> e.offset().toNanos() / 2).toList());
    assertThat(waits).containsExactly(
        Duration.ofMillis(50).toNanos(), Duration.ofMillis(125).toNanos(), Duration.ofMillis(200).toNanos(), Duration.ofMillis(500).toNanos());
  }

  @ParameterizedTest
  @EnumSource(Face.class)
  void asFastAsPossibleNothingWaits(Face face) throws Exception {
    ManualClock manual = new ManualClock(); // never advanced: any wait would hang
    List<Long> times = Collections.synchronizedList(new ArrayList<>());
    List<ChatEvent> got = face.play(STREAM.replay().fastest().clock(of(manual)), times, of(manual)).get(10, TimeUnit.SECONDS);
    assertThat(got).isEqualTo(events(STREAM));
    assertThat(times).allMatch(t -> t == 0);
  }

  @Test
  void theTextFacesGiveTheContentAndTheResultIsTheSavedOne() throws Exception {
    StreamReplay replay = STREAM.replay().fastest();
    try (Stream<String> text = replay.textStream()) {
      assertThat(text.collect(Collectors.joining())).isEqualTo("Hello world");
    }
    CompletableFuture<String> published = new CompletableFuture<>();
    StringBuilder sb = new StringBuilder();
    replay.textPublisher()
        .subscribe(
            new Flow.Subscriber<String>() {
              @Override
              public void onSubscribe(Flow.Subscription s) {
                s.request(Long.MAX_VALUE);
              }

              @Override
              public void onNext(String item) {
                sb.append(item);
              }

              @Override
              public void onError(Throwable t) {
                published.completeExceptionally(t);
              }

              @Override
              public void onComplete() {
                published.complete(sb.toString());
              }
            });
    assertThat(published.get(10, TimeUnit.SECONDS)).isEqualTo("Hello world");
    assertThat(replay.result()).isEqualTo(RESULT);
  }

  @Test
  void aStreamSavedBySessionsReplaysThroughEveryFaceWithTheSameEvents() throws Exception {
    try (LlamaServerStub server = LlamaServerStub.start(); LlamaClient client = Fixtures.client(server)) {
      server.enqueue(Fixtures.replay("chat-stream-tools"));
      SessionManager sessions = SessionManager.builder(client).saveStreams(true).build();
      ChatResult live = sessions.session("s1").send(List.of(ChatMessage.user("weather?")), r -> {});
      SavedStream saved = Objects.requireNonNull(sessions.session("s1").replies().get(0).stream());
      assertThat(live.toolCalls()).isNotEmpty();
      for (Face face : Face.values()) {
        List<ChatEvent> got =
            face.play(saved.replay().fastest(), new ArrayList<>(), ReplayClock.system()).get(10, TimeUnit.SECONDS);
        assertThat(got).as("%s", face).isEqualTo(events(saved));
        assertThat(((ChatEvent.Done) got.get(got.size() - 1)).result()).isEqualTo(live);
      }
    }
  }

  @Test
  void closingAPulledReplayEndsItsWaitAtOnce() throws Exception {
    ManualClock manual = new ManualClock();
    Stream<ChatEvent> events = STREAM.replay().clock(of(manual)).events();
    List<ChatEvent> got = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Void> consumer = CompletableFuture.runAsync(() -> events.forEach(got::add), StreamReplayTest::thread);
    assertThat(manual.awaitSleeper(Duration.ofSeconds(10))).isEqualTo(Duration.ofMillis(100).toNanos()); // waits for " wor"
    events.close(); // from this thread; the clock never moves
    consumer.get(10, TimeUnit.SECONDS);
    assertThat(got).containsExactly(new ChatEvent.Content("Hello"));
    assertThat(manual.sleepers()).isZero();
  }

  @Test
  void cancellingAListenersReplayEndsItsWaitAndCallsNothingMore() throws Exception {
    ManualClock manual = new ManualClock();
    List<String> calls = Collections.synchronizedList(new ArrayList<>());
    StreamHandle<ChatResult> h =
        STREAM.replay()
            .clock(of(manual))
            .subscribe(
                StreamListener.ofEvents(
                    e -> calls.add("event"), (ChatResult r) -> calls.add("complete"), (LlamaException e) -> calls.add("error")));
    manual.awaitSleeper(Duration.ofSeconds(10));
    h.cancel();
    assertThat(h.isDone()).isTrue();
    awaitNoSleeper(manual); // the replay thread left its wait without the clock moving
    manual.advance(Duration.ofSeconds(5));
    assertThat(calls).containsExactly("event");
    assertThatThrownBy(() -> h.result().join()).hasCauseInstanceOf(StreamCancelledException.class);
  }

  @Test
  void interruptingTheConsumingThreadCancelsThePulledReplay() throws Exception {
    ManualClock manual = new ManualClock();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicReference<Boolean> flag = new AtomicReference<>();
    Thread t =
        new Thread(
            () -> {
              try (Stream<String> text = STREAM.replay().clock(of(manual)).textStream()) {
                text.forEach(s -> {});
              } catch (RuntimeException e) {
                thrown.set(e);
                flag.set(Thread.currentThread().isInterrupted());
              }
            });
    t.start();
    manual.awaitSleeper(Duration.ofSeconds(10));
    t.interrupt();
    t.join(10_000);
    assertThat(t.isAlive()).isFalse();
    assertThat(thrown.get()).isInstanceOf(StreamCancelledException.class);
    assertThat(flag.get()).isTrue();
  }

  @Test
  void settingsAreChecked() {
    assertThatThrownBy(() -> STREAM.replay().speed(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("speed");
    assertThatThrownBy(() -> STREAM.replay().speed(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> STREAM.replay().speed(Double.POSITIVE_INFINITY)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> new SavedStream(
                List.of(
                    new SavedStream.Event(Duration.ofMillis(5), new ChatEvent.Content("a")),
                    new SavedStream.Event(Duration.ofMillis(4), new ChatEvent.Content("b"))),
                false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("before");
  }

  /** Waits (for an event, not for time) until no thread waits on the clock. */
  private static void awaitNoSleeper(ManualClock manual) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (manual.sleepers() > 0) {
      if (System.nanoTime() > end) {
        throw new AssertionError("the replay still waits on the clock");
      }
      Thread.onSpinWait();
      Thread.yield();
    }
  }
}
