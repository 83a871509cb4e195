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
 * recorded piece's offset from the first within 10% of the recorded one, plus 3 ms for the
 * scheduler (the tiny model streams a token every millisecond or so).
 */
@EnabledIfEnvironmentVariable(named = "LLAMA_LIVE_URL", matches = "http://.+")
@Timeout(120)
class LiveReplayTest {
  private static final long SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(3);

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
      StubReply reply = StubReply.of(recording).paced(Pacing.asRecorded());
      for (int i = 0; i < 6; i++) {
        stub.enqueue(reply);
      }
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

    assertThat(replayed.recordings()).hasSize(6);
    List<String> faces = List.of("Stream<String>", "ChatStream", "publisher", "callbacks", "call", "callAsync");
    for (int i = 0; i < faces.size(); i++) {
      Recording r = replayed.recordings().get(i);
      assertThat(r.body()).isEqualTo(recording.body());
      assertPaced(faces.get(i), recording, r);
    }
  }

  private static void same(ChatResult replayed, ChatResult original) {
    assertThat(replayed.text()).isEqualTo(original.text());
    assertThat(replayed.reasoning()).isEqualTo(original.reasoning());
    assertThat(replayed.toolCalls()).isEqualTo(original.toolCalls());
    assertThat(replayed.finishReason()).isEqualTo(original.finishReason());
  }

  /** Every recorded piece had arrived in the replay within 10% (and the slack) of its recorded offset from the first. */
  private static void assertPaced(String face, Recording original, Recording replay) {
    List<long[]> recorded = ends(original); // {end offset, time}
    List<long[]> got = ends(replay);
    long recordedStart = recorded.get(0)[1];
    long replayStart = got.get(0)[1];
    List<String> off = new ArrayList<>();
    for (long[] piece : recorded) {
      long want = piece[1] - recordedStart;
      long have = arrival(got, piece[0]) - replayStart;
      if (Math.abs(have - want) > want / 10 + SLACK_NANOS) {
        off.add("byte " + piece[0] + ": recorded at +" + want / 1000 + " µs, replayed at +" + have / 1000 + " µs");
      }
    }
    assertThat(off).as(face + ": pieces off their recorded time (" + recorded.size() + " pieces)").isEmpty();
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
