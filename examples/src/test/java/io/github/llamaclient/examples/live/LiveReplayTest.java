package io.github.llamaclient.examples.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.ChatStream;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.StreamListener;
import io.github.llamaclient.Tool;
import io.github.llamaclient.ToolChoice;
import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.Pacing;
import io.github.llamaclient.testing.Recorder;
import io.github.llamaclient.testing.Recording;
import io.github.llamaclient.testing.StubReply;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * A live exchange with a real llama-server ({@code .ci/live-server.sh}; {@code LLAMA_LIVE_URL}),
 * recorded with {@link Recorder}, replays through every face with the same text, tool calls and
 * finish reason, and, at its original pace, with the body arriving when it arrived live: each
 * recorded piece's offset from the response head within 10% of the recorded one, plus 3 ms for the
 * scheduler (the tiny model streams a token every millisecond or so). Every face runs {@value
 * #WARM_UP_ROUNDS} times as fast as possible before the paced runs, so that what is measured is the
 * pacing, not the first uses of a face (class loading, compiling, the JDK client's threads). A paced run with a piece off its time is
 * run again, up to {@value #ATTEMPTS} times (see there).
 */
@EnabledIfEnvironmentVariable(named = "LLAMA_LIVE_URL", matches = "http://.+")
@Timeout(120)
class LiveReplayTest {
  private static final long SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(3);
  /**
   * Paced runs, until one has every piece on time: on two cores a run now and then meets a pause of
   * the whole JVM (a garbage collection, 3-17 ms here) or of a thread (the scheduler), which delays
   * one piece by 5-12 ms; a replay that does not keep the pace fails every run.
   */
  private static final int ATTEMPTS = 5;

  private static final List<String> FACES = List.of("Stream<String>", "ChatStream", "publisher", "callbacks", "call", "callAsync");
  /**
   * Unpaced runs of every face first: on two cores the JIT's compiler threads, still busy after a
   * few runs, take the CPU from the stub's or the client's threads for a scheduler slice (4-5 ms).
   */
  private static final int WARM_UP_ROUNDS = 20;

  private static ChatRequest text() {
    return ChatRequest.builder().user("Tell me about AI.").maxTokens(64).parameter("ignore_eos", true).build();
  }

  private static ChatRequest toolCall() {
    Tool weather =
        Tool.function(
            "get_weather",
            "The weather in a city",
            Map.of("type", "object", "properties", Map.of("city", Map.of("type", "string")), "required", List.of("city")));
    return ChatRequest.builder().user("Weather in Paris?").tools(weather).toolChoice(ToolChoice.REQUIRED).maxTokens(64).build();
  }

  @Test
  void aRecordedTextReplyReplaysThroughEveryFaceAtItsPace() throws Exception {
    replaysThroughEveryFace(text());
  }

  @Test
  void aRecordedToolCallReplaysThroughEveryFace() throws Exception {
    replaysThroughEveryFace(toolCall());
  }

  private void replaysThroughEveryFace(ChatRequest request) throws Exception {
    Recorder live = Recorder.create();
    ChatResult original;
    try (LlamaClient client = LlamaClient.builder().baseUrl(System.getenv("LLAMA_LIVE_URL")).wireListener(live).build()) {
      original = client.chat().call(request);
    }
    Recording recording = live.last();

    Recorder replayed = Recorder.create();
    try (LlamaServerStub stub = LlamaServerStub.start();
        LlamaClient client = LlamaClient.builder().baseUrl(stub.url()).wireListener(replayed).build()) {
      for (int round = 0; round < WARM_UP_ROUNDS; round++) {
        for (int i = 0; i < 6; i++) {
          stub.enqueue(StubReply.of(recording));
        }
        everyFace(client, request, original);
      }
      StubReply reply = StubReply.of(recording).paced(Pacing.asRecorded());
      List<String> off = List.of();
      for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
        replayed.clear();
        System.gc(); // a collection now rather than during the paced runs
        long collections = collections();
        for (int i = 0; i < 6; i++) {
          stub.enqueue(reply);
        }
        everyFace(client, request, original);
        boolean collected = collections() != collections;
        assertThat(replayed.recordings()).hasSize(6);
        off = new ArrayList<>();
        for (int i = 0; i < FACES.size(); i++) {
          Recording r = replayed.recordings().get(i);
          assertThat(r.body()).isEqualTo(recording.body());
          off.addAll(offPace(FACES.get(i), recording, r));
        }
        if (off.isEmpty()) {
          return;
        }
        System.err.println(
            "LiveReplayTest: paced run " + attempt + " of " + ATTEMPTS + (collected ? " (a garbage collection ran during it)" : "") + ": " + off);
      }
      assertThat(off).as("pieces off their recorded time in each of " + ATTEMPTS + " paced runs; the last").isEmpty();
    }
  }

  /** One request through each face, in the order the assertions name them. */
  private static void everyFace(LlamaClient client, ChatRequest request, ChatResult original) throws Exception {
    // Stream<String>
    try (Stream<String> pieces = client.generateStream(request)) {
      assertThat(pieces.collect(Collectors.joining())).isEqualTo(original.text());
    }
    // typed events
    try (ChatStream events = client.chat().stream(request)) {
      events.forEach(e -> {});
      same(events.result(), original);
    }
    // publisher
    CompletableFuture<ChatResult> published = new CompletableFuture<>();
    client.chat().publisher(request).subscribe(new Last(published));
    same(published.get(30, TimeUnit.SECONDS), original);
    // callbacks
    CompletableFuture<ChatResult> called = new CompletableFuture<>();
    client.chat().subscribe(request, StreamListener.ofEvents(e -> {}, called::complete, called::completeExceptionally));
    same(called.get(30, TimeUnit.SECONDS), original);
    // blocking and async
    same(client.chat().call(request), original);
    same(client.chat().callAsync(request).get(30, TimeUnit.SECONDS), original);
  }

  /** Garbage collections so far, by every collector of this JVM. */
  private static long collections() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
  }

  private static void same(ChatResult replayed, ChatResult original) {
    assertThat(replayed.text()).isEqualTo(original.text());
    assertThat(replayed.reasoning()).isEqualTo(original.reasoning());
    assertThat(replayed.toolCalls()).isEqualTo(original.toolCalls());
    assertThat(replayed.finishReason()).isEqualTo(original.finishReason());
  }

  /**
   * The recorded pieces that had not arrived in the replay within 10% (and the slack) of their
   * recorded offset from the response head. From the head, not from the request: the time from the
   * request to the head holds the connect and the request's trip, which are the client's
   * transport's (3-5 ms more on java.net.http than on our own reader here), not the server's pace;
   * the stub starts its timeline when it has read the request.
   */
  private static List<String> offPace(String face, Recording original, Recording replay) {
    List<long[]> recorded = ends(original); // {end offset, time after the request}
    List<long[]> got = ends(replay);
    long recordedHead = head(original);
    long replayHead = head(replay);
    List<String> off = new ArrayList<>();
    for (long[] piece : recorded) {
      long want = piece[1] - recordedHead;
      long have = arrival(got, piece[0]) - replayHead;
      if (Math.abs(have - want) > want / 10 + SLACK_NANOS) {
        off.add(face + ", byte " + piece[0] + ": recorded at +" + want / 1000 + " µs, replayed at +" + have / 1000 + " µs");
      }
    }
    return off;
  }

  private static long head(Recording r) {
    Duration at = r.headersAt();
    assertThat(at).as("when the head arrived").isNotNull();
    return at.toNanos();
  }

  private static List<long[]> ends(Recording r) {
    List<long[]> out = new ArrayList<>();
    long offset = 0;
    for (Recording.Segment s : r.segments()) {
      offset += s.bytes();
      out.add(new long[] {offset, s.at().toNanos()});
    }
    return out;
  }

  /** When the replay had received at least {@code offset} bytes. */
  private static long arrival(List<long[]> ends, long offset) {
    for (long[] e : ends) {
      if (e[0] >= offset) {
        return e[1];
      }
    }
    throw new AssertionError("the replay ended before byte " + offset);
  }

  /** A subscriber that keeps the result of the last Done event. */
  private static final class Last implements Flow.Subscriber<ChatEvent> {
    private final CompletableFuture<ChatResult> done;

    Last(CompletableFuture<ChatResult> done) {
      this.done = done;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(ChatEvent e) {
      if (e instanceof ChatEvent.Done d) {
        done.complete(d.result());
      }
    }

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      done.completeExceptionally(new AssertionError("completed without a Done event"));
    }
  }
}
