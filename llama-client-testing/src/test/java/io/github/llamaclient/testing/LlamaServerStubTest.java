package io.github.llamaclient.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.ChatStream;
import io.github.llamaclient.FinishReason;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.LlamaHttpException;
import io.github.llamaclient.LlamaStreamException;
import io.github.llamaclient.NotSupportedException;
import io.github.llamaclient.StreamInterruptedException;
import io.github.llamaclient.ToolCall;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LlamaServerStubExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LlamaServerStubTest {
  private static final ChatRequest REQUEST = ChatRequest.builder().user("Tell me about AI.").build();
  private final List<LlamaClient> clients = new ArrayList<>();

  private LlamaClient client(LlamaServerStub stub) {
    LlamaClient c = LlamaClient.builder().baseUrl(stub.url()).idleTimeout(Duration.ofSeconds(20)).build();
    clients.add(c);
    return c;
  }

  @AfterEach
  void closeClients() {
    clients.forEach(LlamaClient::close);
  }

  @Test
  void replaysARecordingAndKeepsTheRequest(LlamaServerStub stub) throws Exception {
    Recording r = Transcripts.load("chat-stream-basic");
    stub.enqueue(StubReply.of(r));

    ChatResult result = client(stub).chat().call(REQUEST);

    assertThat(result.text()).isEqualTo(r.content());
    assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
    StubRequest sent = stub.takeRequest();
    assertThat(sent.method()).isEqualTo("POST");
    assertThat(sent.path()).isEqualTo("/v1/chat/completions");
    assertThat(new ObjectMapper().readTree(sent.body()).path("messages").path(0).path("content").asText())
        .isEqualTo("Tell me about AI.");
  }

  @Test
  void aScriptedStreamArrivesAsTypedEvents(LlamaServerStub stub) {
    // tag::scripted[]
    stub.enqueue(
        StubReply.chatStream()
            .progress(100, 0, 100, 12)
            .reasoning("Let me", " think.")
            .content("Hello", ",", " world")
            .toolCall("call-1", "get_weather", "{\"city\":", "\"Paris\"}")
            .finish("tool_calls")
            .usage(12, 7)
            .timings(12, 3.0, 7, 14.0)
            .build());
    // end::scripted[]

    List<ChatEvent> events = new ArrayList<>();
    ChatResult result;
    try (ChatStream stream = client(stub).chat().stream(REQUEST)) {
      stream.forEach(events::add);
      result = stream.result();
    }

    assertThat(events).filteredOn(ChatEvent.Progress.class::isInstance).hasSize(1);
    assertThat(result.reasoning()).isEqualTo("Let me think.");
    assertThat(result.text()).isEqualTo("Hello, world");
    assertThat(result.toolCalls()).containsExactly(new ToolCall("call-1", "get_weather", "{\"city\":\"Paris\"}"));
    assertThat(result.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
    assertThat(result.usage()).isNotNull();
    assertThat(result.usage().promptTokens()).isEqualTo(12);
    assertThat(result.usage().completionTokens()).isEqualTo(7);
    assertThat(result.timings()).isNotNull();
    assertThat(result.timings().predictedN()).isEqualTo(7);
  }

  @Test
  void cutMidEventFailsWithTheTextSoFar(LlamaServerStub stub) {
    Recording r = Transcripts.load("chat-stream-basic");
    stub.enqueue(StubReply.of(r).cutAfter(4)); // the role chunk and three tokens, then half an event
    Recorder recorder = Recorder.create();

    try (LlamaClient client = LlamaClient.builder().baseUrl(stub.url()).wireListener(recorder).build()) {
      assertThatThrownBy(() -> client.chat().call(REQUEST))
          .isInstanceOf(StreamInterruptedException.class)
          .extracting(e -> ((StreamInterruptedException) e).partialText())
          .isEqualTo(" the license,");
    }
    String received = recorder.last().bodyText();
    String fifth = r.bodyText().split("\n\n")[4];
    assertThat(received).startsWith(r.bodyText().substring(0, received.length()));
    assertThat(received.substring(received.lastIndexOf("\n\n") + 2)).as("half of the fifth event")
        .isNotEmpty().isEqualTo(fifth.substring(0, fifth.length() / 2 + 1));
  }

  @Test
  void anErrorEventEndsTheStreamWithLlamaServersError(LlamaServerStub stub) {
    stub.enqueue(StubReply.chatStream().content("a", "b", "c").build().errorEventAfter(3, 500, "server_error", "Compute error."));

    assertThatThrownBy(() -> client(stub).chat().call(REQUEST))
        .isInstanceOfSatisfying(
            LlamaStreamException.class,
            e -> {
              assertThat(e.errorType()).isEqualTo("server_error");
              assertThat(e.serverMessage()).isEqualTo("Compute error.");
              assertThat(e.partialText()).isEqualTo("ab");
            });
  }

  @Test
  void httpErrorsCarryLlamaServersBodies(LlamaServerStub stub) {
    stub.enqueue(StubReply.error(400, "invalid_request_error", "bad thing"))
        .enqueue(StubReply.loading())
        .enqueue(StubReply.notSupported("This server does not support metrics endpoint. Start it with `--metrics`"));
    LlamaClient client = client(stub);

    assertThatThrownBy(() -> client.chat().call(REQUEST))
        .isInstanceOfSatisfying(LlamaHttpException.class, e -> {
          assertThat(e.statusCode()).isEqualTo(400);
          assertThat(e.errorType()).isEqualTo("invalid_request_error");
          assertThat(e.serverMessage()).isEqualTo("bad thing");
        });
    assertThat(client.server().isReady()).isFalse(); // 503 Loading model
    assertThatThrownBy(() -> client.server().metrics())
        .isInstanceOfSatisfying(NotSupportedException.class, e -> assertThat(e.serverFlag()).isEqualTo("--metrics"));
  }

  @Test
  void anUnknownPathGetsLlamaServersNotFoundAndARouteAnswersEveryTime(LlamaServerStub stub) {
    stub.route("/health", StubReply.of(Transcripts.load("health")));
    LlamaClient client = client(stub);

    assertThat(client.server().isReady()).isTrue();
    assertThat(client.server().isReady()).isTrue();
    assertThatThrownBy(() -> client.chat().call(REQUEST))
        .isInstanceOfSatisfying(LlamaHttpException.class, e -> assertThat(e.errorType()).isEqualTo("not_found_error"));
  }

  @Test
  void anAnswererRepliesByTheRequestWhenNothingIsEnqueued(LlamaServerStub stub) {
    stub.answer(r -> StubReply.chatStream().content(r.body().contains("cats") ? "meow" : "woof").build());
    stub.enqueue(StubReply.chatStream().content("first").build());
    LlamaClient client = client(stub);

    assertThat(client.chat().call(ChatRequest.builder().user("cats?").build()).text()).isEqualTo("first");
    assertThat(client.chat().call(ChatRequest.builder().user("cats?").build()).text()).isEqualTo("meow");
    assertThat(client.chat().call(ChatRequest.builder().user("dogs?").build()).text()).isEqualTo("woof");
  }

  @Test
  void aStallHoldsTheConnectionUntilTheClientClosesIt(LlamaServerStub stub) throws Exception {
    stub.enqueue(StubReply.chatStream().content("one", "two", "three").build().stallAfter(3)); // role + 2 tokens

    StringBuilder text = new StringBuilder();
    StubRequest sent;
    try (ChatStream stream = client(stub).chat().stream(REQUEST)) {
      Iterator<ChatEvent> it = stream.iterator();
      while (text.length() < "onetwo".length()) {
        if (it.next() instanceof ChatEvent.Content c) {
          text.append(c.text());
        }
      }
      sent = stub.takeRequest();
      assertThat(sent.awaitReplyDone(Duration.ofSeconds(10))).isTrue();
      assertThat(sent.clientClosed()).isFalse();
      assertThat(stub.openConnections()).as("the stub holds the connection open").isEqualTo(1);
    }
    assertThat(text).hasToString("onetwo");
    assertThat(sent.awaitClientClose(Duration.ofSeconds(10))).as("closing the stream closed the connection").isTrue();
  }

  @Test
  void slowFirstTokenWithholdsTheHeadersUntilTheDelayHasPassed(LlamaServerStub stub, ManualClock clock) throws Exception {
    // tag::manual-clock[]
    stub.enqueue(StubReply.chatStream().content("late").build().slowFirstToken(Duration.ofSeconds(30)));
    long start = clock.nanoTime();

    CompletableFuture<ChatResult> reply = client(stub).chat().callAsync(REQUEST);
    long due = clock.awaitSleeper(Duration.ofSeconds(10));

    assertThat(due - start).isEqualTo(Duration.ofSeconds(30).toNanos());
    assertThat(reply).isNotDone();
    clock.advanceTo(due);
    assertThat(reply.get(10, TimeUnit.SECONDS).text()).isEqualTo("late");
    // end::manual-clock[]
  }

  @Test
  void asRecordedWritesEachSegmentAtItsRecordedTime(LlamaServerStub stub, ManualClock clock) throws Exception {
    Recording r = Transcripts.load("chat-stream-basic");
    stub.enqueue(StubReply.of(r).paced(Pacing.asRecorded()));
    long start = clock.nanoTime();

    CompletableFuture<ChatResult> reply = client(stub).chat().callAsync(REQUEST);
    List<Long> due = new ArrayList<>();
    while (!reply.isDone()) {
      long next;
      try {
        next = clock.awaitSleeper(Duration.ofMillis(200));
      } catch (IllegalStateException e) {
        continue; // the last piece is written: the reply completes
      }
      due.add(next - start);
      clock.advanceTo(next);
    }

    assertThat(reply.get().text()).isEqualTo(r.content());
    List<Long> recorded = r.segments().stream().map(s -> s.at().toNanos()).distinct().toList();
    assertThat(due).isEqualTo(recorded);
  }

  @Test
  void everyPacesAScriptAtAGivenRate(LlamaServerStub stub, ManualClock clock) throws Exception {
    stub.enqueue(StubReply.chatStream().content("a", "b").build().paced(Pacing.every(Duration.ofMillis(10))));
    long start = clock.nanoTime();

    CompletableFuture<ChatResult> reply = client(stub).chat().callAsync(REQUEST);
    List<Long> due = new ArrayList<>();
    for (int i = 0; i < 4; i++) { // the role chunk at once; a, b, finish, [DONE] at 10, 20, 30, 40 ms
      long next = clock.awaitSleeper(Duration.ofSeconds(10));
      due.add((next - start) / 1_000_000);
      clock.advanceTo(next);
    }

    assertThat(reply.get(10, TimeUnit.SECONDS).text()).isEqualTo("ab");
    assertThat(due).containsExactly(10L, 20L, 30L, 40L);
  }

  @Test
  void closingTheStubClosesItsPort() throws Exception {
    LlamaServerStub stub = LlamaServerStub.start();
    int port = stub.url().getPort();
    stub.close();
    // the port is free again when close() returns: a listener can bind it at once (a stub still
    // listening would refuse the bind; the JDK keeps a listening socket until the thread blocked in
    // accept() has left it, and close() once returned before that: a client then got a connection
    // nobody answered)
    try (java.net.ServerSocket again = new java.net.ServerSocket()) {
      again.setReuseAddress(false);
      again.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port));
      assertThat(again.getLocalPort()).isEqualTo(port);
    }
  }

  @Test
  void aPendingReplyIsNotLostWhenACallFails(LlamaServerStub stub) throws ExecutionException, InterruptedException {
    stub.enqueue(StubReply.of(Transcripts.load("chat-stream-tools")));
    ChatResult result = client(stub).chat().callAsync(REQUEST).get();
    assertThat(result.toolCalls()).isNotEmpty();
    assertThat(result.toolCalls()).allSatisfy(c -> assertThat(c.name()).isEqualTo("get_weather"));
  }
}
