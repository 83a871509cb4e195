package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamaclient.testing.Transcript;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The facets: one object each for the life of the client, and the same faces on chat and on both
 * completion endpoints (the completion faces that are new with the facets: events publisher,
 * listener, async call, and every face of /v1/completions), over the recordings.
 */
@Timeout(30)
class FacetsTest {
  private static final CompletionRequest NATIVE = CompletionRequest.builder().prompt("Once upon a time").nPredict(24).seed(1).build();
  private static final CompletionRequest OPENAI = CompletionRequest.builder().prompt("Once upon a time").nPredict(16).seed(1).build();

  private MockWebServer server;
  private LlamaClient client;

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    server.start();
    client = LlamaClient.builder().baseUrl(server.url("/").uri()).build();
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  @Test
  void eachFacetIsOneObjectForTheLifeOfTheClient() {
    assertThat(client.chat()).isSameAs(client.chat());
    assertThat(client.completions()).isSameAs(client.completions());
    assertThat(client.completions().openAi()).isSameAs(client.completions().openAi()).isNotSameAs(client.completions());
    assertThat(client.completions().openAi().openAi()).isSameAs(client.completions().openAi());
    assertThat(client.tokenizer()).isSameAs(client.tokenizer());
    assertThat(client.slots()).isSameAs(client.slots());
    assertThat(client.server()).isSameAs(client.server());
    assertThat(client.embeddings()).isSameAs(client.embeddings());
  }

  /** The recording of each endpoint, and the path it goes to. */
  private Transcript recording(boolean openAi) {
    return Transcript.load(openAi ? "v1-completions-stream" : "completion-stream");
  }

  private CompletionsApi facet(boolean openAi) {
    return openAi ? client.completions().openAi() : client.completions();
  }

  private String path() throws InterruptedException {
    RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(r).isNotNull();
    return r.getTarget();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void completionTextStream(boolean openAi) throws Exception {
    Transcript t = recording(openAi);
    server.enqueue(t.response());
    try (Stream<String> text = facet(openAi).textStream(openAi ? OPENAI : NATIVE)) {
      assertThat(text.collect(Collectors.joining())).isEqualTo(t.expectedContent());
    }
    assertThat(path()).isEqualTo(openAi ? "/v1/completions" : "/completion");
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void completionListenerGetsTheTextAndTheResult(boolean openAi) throws Exception {
    Transcript t = recording(openAi);
    server.enqueue(t.response());
    StringBuilder text = new StringBuilder();
    List<String> ends = new CopyOnWriteArrayList<>();
    StreamHandle<CompletionResult> h =
        facet(openAi)
            .subscribe(
                openAi ? OPENAI : NATIVE,
                new StreamListener<CompletionResult>() {
                  @Override
                  public void onChunk(String piece) {
                    text.append(piece);
                  }

                  @Override
                  public void onComplete(CompletionResult result) {
                    ends.add("complete " + result.content().length());
                  }

                  @Override
                  public void onError(LlamaException error) {
                    ends.add("error " + error);
                  }
                });
    CompletionResult r = h.result().get(10, TimeUnit.SECONDS);
    assertThat(r.content()).isEqualTo(t.expectedContent());
    assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
    assertThat(text.toString()).isEqualTo(t.expectedContent());
    assertThat(ends).containsExactly("complete " + t.expectedContent().length());
    assertThat(path()).isEqualTo(openAi ? "/v1/completions" : "/completion");
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void completionCallAndCallAsyncReturnTheWholeResult(boolean openAi) throws Exception {
    Transcript t = recording(openAi);
    server.enqueue(t.response());
    server.enqueue(t.response());
    CompletionResult blocking = facet(openAi).call(openAi ? OPENAI : NATIVE);
    CompletionResult async = facet(openAi).callAsync(openAi ? OPENAI : NATIVE).get(10, TimeUnit.SECONDS);
    assertThat(blocking.content()).isEqualTo(t.expectedContent());
    assertThat(async).isEqualTo(blocking);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void completionEventPublisherEndsWithTheLastPiece(boolean openAi) throws Exception {
    Transcript t = recording(openAi);
    server.enqueue(t.response());
    List<ChatEvent> events = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    facet(openAi)
        .publisher(openAi ? OPENAI : NATIVE)
        .subscribe(
            new Flow.Subscriber<ChatEvent>() {
              @Override
              public void onSubscribe(Flow.Subscription s) {
                s.request(Long.MAX_VALUE);
              }

              @Override
              public void onNext(ChatEvent item) {
                events.add(item);
              }

              @Override
              public void onError(Throwable throwable) {
                done.completeExceptionally(throwable);
              }

              @Override
              public void onComplete() {
                done.complete(null);
              }
            });
    done.get(10, TimeUnit.SECONDS);
    String text =
        events.stream().filter(e -> e instanceof ChatEvent.Content).map(e -> ((ChatEvent.Content) e).text()).collect(Collectors.joining());
    assertThat(text).isEqualTo(t.expectedContent());
    assertThat(events).noneMatch(e -> e instanceof ChatEvent.Done); // Done carries a ChatResult: chat only
  }

  @ParameterizedTest
  @ValueSource(strings = {"chat-stream-basic", "chat-stream-reasoning"})
  void aListenerThatOverridesOnEventSeesEveryEventAndNoChunks(String recording) throws Exception {
    Transcript t = Transcript.load(recording);
    ChatRequest request = ChatRequest.builder().user("hi").build();
    server.enqueue(t.response());
    List<String> pulled = new ArrayList<>();
    try (ChatStream events = client.chat().stream(request)) {
      events.forEach(e -> pulled.add(e.getClass().getSimpleName()));
    }
    assertThat(pulled.remove(pulled.size() - 1)).isEqualTo("Done");
    server.enqueue(t.response());
    List<String> kinds = new CopyOnWriteArrayList<>();
    List<String> chunks = new CopyOnWriteArrayList<>();
    StreamHandle<ChatResult> h =
        client
            .chat()
            .subscribe(
                request,
                new StreamListener<ChatResult>() {
                  @Override
                  public void onEvent(ChatEvent event) {
                    kinds.add(event.getClass().getSimpleName());
                  }

                  @Override
                  public void onChunk(String text) {
                    chunks.add(text);
                  }
                });
    h.result().get(10, TimeUnit.SECONDS);
    assertThat(kinds).as("every event but Done, as the pulled stream has them").isEqualTo(pulled).isNotEmpty();
    assertThat(chunks).as("onChunk is reached only through the default onEvent").isEmpty();
  }

  @Test
  void theDefaultListenerStillReportsAFailureThroughTheHandle() throws Exception {
    server.enqueue(new MockResponse.Builder().code(500).body("{\"error\":{\"code\":500,\"message\":\"boom\",\"type\":\"server_error\"}}").build());
    StreamHandle<ChatResult> h = client.chat().subscribe(ChatRequest.builder().user("hi").build(), new StreamListener<>() {});
    assertThatThrownBy(() -> h.result().get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(LlamaHttpException.class)
        .hasMessageContaining("boom");
  }

  @Test
  void aCompletionWithoutPromptFailsBeforeAnyRequestOnEveryFace() {
    CompletionRequest none = CompletionRequest.builder().nPredict(4).build();
    CompletionsApi c = client.completions();
    List<Runnable> faces =
        List.of(
            () -> c.textStream(none),
            () -> c.stream(none),
            () -> c.textPublisher(none),
            () -> c.publisher(none),
            () -> c.subscribe(none, new StreamListener<>() {}),
            () -> c.call(none),
            () -> c.callAsync(none),
            () -> c.callNonStreaming(none),
            () -> c.openAi().stream(none));
    for (Runnable face : faces) {
      assertThatThrownBy(face::run).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a prompt");
    }
    assertThat(server.getRequestCount()).isZero();
  }
}
