package io.github.llamaclient.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.ChatStream;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.StreamInterruptedException;
import io.github.llamaclient.WireListener;
import java.net.URI;
import java.nio.file.Path;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(LlamaServerStubExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RecorderTest {
  private static final String KEY = "sk-secret-123";
  private static final ChatRequest REQUEST = ChatRequest.builder().user("Tell me about AI.").build();

  private static LlamaClient client(LlamaServerStub stub, Recorder recorder) {
    return LlamaClient.builder().baseUrl(stub.url()).apiKey(KEY).idleTimeout(Duration.ofSeconds(20)).wireListener(recorder).build();
  }

  /** The pulled face reads on the calling thread (HTTP/1.1 transport), the async one is pushed (java.net.http). */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void recordsAStreamWithoutTheKeyAndTheRecordingReplaysTheSameResult(boolean async, LlamaServerStub stub) throws Exception {
    Recording original = Transcripts.load("chat-stream-tools");
    stub.enqueue(StubReply.of(original));
    Recorder recorder = Recorder.create();
    ChatResult live;
    try (LlamaClient client = client(stub, recorder)) {
      live = async ? client.chat().callAsync(REQUEST).get(20, TimeUnit.SECONDS) : client.chat().call(REQUEST);
    }

    Recording recorded = Recording.parse(recorder.last().named("tools", "recorded in a test").toJson());
    assertThat(recorded.toJson()).doesNotContain(KEY);
    assertThat(recorded.requestHeaders()).hasEntrySatisfying(
        "Authorization", v -> assertThat(v).isEqualTo("Bearer ***"));
    assertThat(recorded.method()).isEqualTo("POST");
    assertThat(recorded.path()).isEqualTo("/v1/chat/completions");
    assertThat(recorded.requestBody()).contains("Tell me about AI.");
    assertThat(recorded.status()).isEqualTo(200);
    assertThat(recorded.headersAt()).isNotNull();
    assertThat(recorded.body()).isEqualTo(original.body());
    assertThat(recorded.segments()).isNotEmpty();
    assertThat(recorded.segments()).isSortedAccordingTo((a, b) -> a.at().compareTo(b.at()));
    assertThat(recorded.truncated()).isFalse();

    stub.enqueue(StubReply.of(recorded));
    try (LlamaClient replaying = LlamaClient.builder().baseUrl(stub.url()).build()) {
      ChatResult replayed = replaying.chat().call(REQUEST);
      assertThat(replayed.text()).isEqualTo(live.text());
      assertThat(replayed.toolCalls()).isEqualTo(live.toolCalls()).isNotEmpty();
      assertThat(replayed.finishReason()).isEqualTo(live.finishReason());
    }
  }

  @Test
  void aRecordingSavedToAFileReplaysTheSameReply(LlamaServerStub stub, @TempDir Path dir) {
    stub.enqueue(StubReply.of(Transcripts.load("chat-stream-reasoning")));
    URI url = stub.url(); // stands in for a real llama-server here
    Path file = dir.resolve("reasoning.json");
    // tag::record[]
    Recorder recorder = Recorder.create();
    ChatResult answer;
    try (LlamaClient client = LlamaClient.builder().baseUrl(url).apiKey(KEY).wireListener(recorder).build()) {
      answer = client.chat().call(ChatRequest.builder().user("Why is the sky blue?").build());
    }
    recorder.last().named("sky", "a reasoning model's answer").save(file); // the API key is not in it
    // end::record[]
    Recording saved = Recording.load(file);

    // tag::replay[]
    stub.enqueue(StubReply.of(Recording.load(file)).paced(Pacing.asRecorded()));
    // end::replay[]
    try (LlamaClient client = LlamaClient.builder().baseUrl(stub.url()).build()) {
      ChatResult replayed = client.chat().call(REQUEST);
      assertThat(replayed.reasoning()).isNotEmpty().isEqualTo(answer.reasoning());
      assertThat(replayed.text()).isEqualTo(answer.text());
      assertThat(saved.scenario()).isEqualTo("sky");
      assertThat(saved.toJson()).doesNotContain(KEY);
    }
  }

  @Test
  void concurrentExchangesAreRecordedApart(LlamaServerStub stub) {
    stub.enqueue(StubReply.chatStream().content("A1", "A2").build());
    stub.enqueue(StubReply.chatStream().content("B1", "B2").build());
    Recorder recorder = Recorder.create();
    try (LlamaClient client = client(stub, recorder);
        ChatStream a = client.chat().stream(REQUEST);
        ChatStream b = client.chat().stream(REQUEST)) {
      Iterator<ChatEvent> ia = a.iterator();
      Iterator<ChatEvent> ib = b.iterator();
      while (ia.hasNext() | ib.hasNext()) { // both, interleaved
        if (ia.hasNext()) {
          ia.next();
        }
        if (ib.hasNext()) {
          ib.next();
        }
      }
    }

    List<String> contents = recorder.recordings().stream().map(Recording::content).toList();
    assertThat(contents).containsExactlyInAnyOrder("A1A2", "B1B2");
  }

  @Test
  void aCutExchangeIsRecordedAsTruncatedAndReplaysAsACut(LlamaServerStub stub) {
    stub.enqueue(StubReply.of(Transcripts.load("chat-stream-basic")).cutAfter(4));
    Recorder recorder = Recorder.create();
    try (LlamaClient client = client(stub, recorder)) {
      assertThatThrownBy(() -> client.chat().call(REQUEST)).isInstanceOf(StreamInterruptedException.class);
    }
    Recording recorded = recorder.last();
    assertThat(recorded.truncated()).isTrue();

    stub.enqueue(StubReply.of(recorded));
    try (LlamaClient replaying = LlamaClient.builder().baseUrl(stub.url()).build()) {
      assertThatThrownBy(() -> replaying.chat().call(REQUEST))
          .isInstanceOfSatisfying(
              StreamInterruptedException.class, e -> assertThat(e.partialText()).isEqualTo(" the license,"));
    }
  }

  @Test
  void secretsInHeadersAndTheQueryAreRedactedEvenIfTheClientLeftThemIn() {
    // the client already sends "Bearer ***" to its wire listeners; the recorder does not rely on it
    Recorder recorder = Recorder.create();
    WireListener exchange = recorder.forExchange();
    URI uri = URI.create("http://user:pw@127.0.0.1:8080/v1/models?api_key=" + KEY + "&limit=2");
    exchange.onRequest("GET", uri, Map.of("Authorization", List.of("Bearer " + KEY), "X-Api-Key", List.of(KEY)), "");
    exchange.onResponse(uri, 200, Map.of("Set-Cookie", List.of("session=" + KEY)), Duration.ofMillis(3));
    exchange.onBody(uri, ByteBuffer.wrap("{}".getBytes(StandardCharsets.UTF_8)), Duration.ofMillis(4));
    exchange.onEnd(uri, Duration.ofMillis(5), null);

    Recording r = recorder.last();
    assertThat(r.toJson()).doesNotContain(KEY).doesNotContain("pw");
    assertThat(r.path()).isEqualTo("/v1/models?api_key=***&limit=2");
    assertThat(r.requestHeaders()).containsEntry("Authorization", "Bearer ***").containsEntry("X-Api-Key", "***");
    assertThat(r.headers()).containsEntry("Set-Cookie", "***");
    assertThat(r.segments()).containsExactly(new Recording.Segment(Duration.ofMillis(4), 2));
  }

  @Test
  void textGivenToRedactingIsTakenOutOfTheRequest(LlamaServerStub stub) {
    stub.enqueue(StubReply.chatStream().content("ok").build());
    Recorder recorder = Recorder.create().redacting("about AI");
    try (LlamaClient client = client(stub, recorder)) {
      client.chat().call(REQUEST);
    }
    assertThat(recorder.last().requestBody()).contains("Tell me ***").doesNotContain("about AI");
  }
}
