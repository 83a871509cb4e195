package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.testing.RecordedRequests;
import io.github.llamaclient.testing.Transcript;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every streamed chat recording, replayed in its recorded segmentation and cut into 1-byte pieces,
 * over every face: the same text, finish reason, usage and timings, and the request body the
 * client sent equals the recorded one.
 */
class ChatReplayTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  static final List<String> SUCCESSFUL =
      List.of(
          "chat-stream-basic",
          "chat-stream-json-schema",
          "chat-stream-logprobs",
          "chat-stream-multiturn",
          "chat-stream-progress",
          "chat-stream-reasoning",
          "chat-stream-stop-word",
          "chat-stream-timings-per-token",
          "chat-stream-tool-result",
          "chat-stream-tools",
          "chat-stream-tools-two",
          "chat-stream-unknown-role-unbounded",
          "chat-stream-usage",
          "chat-stream-vision",
          "chat-stream-audio",
          "auth-good-key");

  private MockWebServer server;
  private LlamaClient client;

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    server.start();
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    server.close();
  }

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (String s : SUCCESSFUL) {
      for (Face f : Face.values()) {
        // every face reads over our HTTP/1.1 transport by default (the push faces on the reader
        // threads) and runs through the HttpClient too; the push faces also on virtual threads by
        // choice where the JDK has them
        for (Transports via : Transports.values()) {
          if (!via.distinctFor(!f.pulled())) {
            continue;
          }
          String transport = via == Transports.JDK ? "HttpClient" : via == Transports.VIRTUAL ? "virtual threads" : "consuming thread";
          out.add(Arguments.of(s, Transcript.Cut.RECORDED, f, transport));
          if (!s.equals("chat-stream-unknown-role-unbounded") && !s.equals("chat-stream-tools-two")) {
            out.add(Arguments.of(s, Transcript.Cut.ONE_BYTE, f, transport));
          }
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1} {2} via {3}")
  @MethodSource("cases")
  void replaysOverEveryFace(String scenario, Transcript.Cut cut, Face face, String transport) throws Exception {
    Transcript t = Transcript.load(scenario);
    server.enqueue(t.response(cut, false));
    LlamaClientBuilder b =
        LlamaClient.builder()
            .baseUrl(server.url("/").uri())
            .idleTimeout(Duration.ofSeconds(20))
            .checkModalities(false) // one recording per exchange: the /props lookup is MultimodalTest's
            .readOnConsumingThread(!transport.equals("HttpClient"))
            .pushOnVirtualThreads(transport.equals("virtual threads"));
    String auth = t.requestHeaders().get("Authorization");
    if (auth != null) {
      b.apiKey(auth.substring("Bearer ".length()));
    }
    client = b.build();
    ChatRequest request = RecordedRequests.chat(t.requestBody());

    Outcome o = face.run(client, request);

    Expected e = Expected.of(t);
    assertThat(o.text).isEqualTo(e.text);
    if (o.result != null) {
      assertThat(o.result.text()).isEqualTo(e.text);
      assertThat(o.result.reasoning()).isEqualTo(e.reasoning);
      assertThat(o.result.finishReason()).isEqualTo(e.finishReason);
      assertThat(o.result.usage()).isEqualTo(e.usage);
      assertThat(o.result.timings()).isEqualTo(e.timings);
      assertThat(o.result.id()).isEqualTo(e.id);
      assertThat(o.result.model()).isEqualTo(e.model);
      assertThat(o.result.toolCalls()).isEqualTo(e.toolCalls);
    }

    RecordedRequest sent = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(sent).isNotNull();
    assertThat(sent.getTarget()).isEqualTo(t.path());
    assertThat(sent.getMethod()).isEqualTo(t.method());
    JsonNode sentBody = MAPPER.readTree(sent.getBody().utf8());
    assertThat(sentBody).isEqualTo(t.requestBody());
    if (auth != null) {
      assertThat(sent.getHeaders().get("Authorization")).isEqualTo(auth);
    }
  }

  /** What the recording says the client must make of it. */
  record Expected(
      String text,
      String reasoning,
      FinishReason finishReason,
      Usage usage,
      Timings timings,
      String id,
      String model,
      List<ToolCall> toolCalls) {
    static Expected of(Transcript t) {
      StringBuilder text = new StringBuilder();
      StringBuilder reasoning = new StringBuilder();
      FinishReason finish = null;
      Usage usage = null;
      Timings timings = null;
      String id = null;
      String model = null;
      List<String[]> calls = new ArrayList<>();
      for (JsonNode c : t.chunks()) {
        if (id == null) {
          id = c.get("id").asText();
          model = c.get("model").asText();
        }
        JsonNode choice = c.path("choices").path(0);
        JsonNode delta = choice.path("delta");
        if (delta.path("content").isTextual()) {
          text.append(delta.get("content").asText());
        }
        if (delta.path("reasoning_content").isTextual()) {
          reasoning.append(delta.get("reasoning_content").asText());
        }
        for (JsonNode tc : delta.path("tool_calls")) {
          int i = tc.get("index").asInt();
          while (calls.size() <= i) {
            calls.add(new String[] {"", null, ""});
          }
          if (tc.has("id")) {
            calls.get(i)[0] = tc.get("id").asText();
          }
          if (tc.path("function").has("name")) {
            calls.get(i)[1] = tc.get("function").get("name").asText();
          }
          if (tc.path("function").has("arguments")) {
            calls.get(i)[2] += tc.get("function").get("arguments").asText();
          }
        }
        if (choice.path("finish_reason").isTextual()) {
          finish =
              switch (choice.get("finish_reason").asText()) {
                case "stop" -> FinishReason.STOP;
                case "length" -> FinishReason.LENGTH;
                case "tool_calls" -> FinishReason.TOOL_CALLS;
                default -> FinishReason.OTHER;
              };
        }
        if (c.has("usage")) {
          JsonNode u = c.get("usage");
          usage =
              new Usage(
                  u.get("prompt_tokens").asInt(),
                  u.get("completion_tokens").asInt(),
                  u.get("total_tokens").asInt(),
                  u.path("prompt_tokens_details").path("cached_tokens").asInt());
        }
        if (c.has("timings")) {
          JsonNode m = c.get("timings");
          timings =
              new Timings(
                  m.get("cache_n").asInt(),
                  m.get("prompt_n").asInt(),
                  m.get("prompt_ms").asDouble(),
                  m.get("prompt_per_token_ms").asDouble(),
                  m.get("prompt_per_second").asDouble(),
                  m.get("predicted_n").asInt(),
                  m.get("predicted_ms").asDouble(),
                  m.get("predicted_per_token_ms").asDouble(),
                  m.get("predicted_per_second").asDouble(),
                  m.has("draft_n") ? m.get("draft_n").asInt() : null,
                  m.has("draft_n_accepted") ? m.get("draft_n_accepted").asInt() : null);
        }
      }
      List<ToolCall> toolCalls = new ArrayList<>();
      for (String[] c : calls) {
        if (c[1] != null) {
          toolCalls.add(new ToolCall(c[0], c[1], c[2]));
        }
      }
      return new Expected(text.toString(), reasoning.toString(), finish, usage, timings, id, model, toolCalls);
    }
  }

  record Outcome(String text, ChatResult result) {}

  /** The faces of one engine. */
  enum Face {
    STREAM {
      @Override
      Outcome run(LlamaClient c, ChatRequest r) {
        try (Stream<String> s = c.generateStream(r)) {
          return new Outcome(s.collect(Collectors.joining()), null);
        }
      }
    },
    EVENTS {
      @Override
      Outcome run(LlamaClient c, ChatRequest r) {
        StringBuilder sb = new StringBuilder();
        ChatResult done = null;
        try (ChatStream s = c.chat().stream(r)) {
          for (ChatEvent e : s) {
            assertThat(done).as("nothing after Done").isNull();
            if (e instanceof ChatEvent.Content content) {
              sb.append(content.text());
            } else if (e instanceof ChatEvent.Done d) {
              done = d.result();
            }
          }
          assertThat(s.result()).isEqualTo(done);
        }
        return new Outcome(sb.toString(), done);
      }
    },
    PUBLISHER {
      @Override
      Outcome run(LlamaClient c, ChatRequest r) throws Exception {
        StringBuilder sb = new StringBuilder();
        CompletableFuture<Void> end = new CompletableFuture<>();
        c.chat().textPublisher(r)
            .subscribe(
                new Flow.Subscriber<String>() {
                  Flow.Subscription s;
                  long outstanding;

                  @Override
                  public void onSubscribe(Flow.Subscription s) {
                    this.s = s;
                    outstanding = 1;
                    s.request(1);
                  }

                  @Override
                  public void onNext(String item) {
                    if (--outstanding < 0) {
                      end.completeExceptionally(new AssertionError("more items than requested"));
                    }
                    sb.append(item);
                    outstanding++;
                    s.request(1);
                  }

                  @Override
                  public void onError(Throwable t) {
                    end.completeExceptionally(t);
                  }

                  @Override
                  public void onComplete() {
                    end.complete(null);
                  }
                });
        end.get(30, TimeUnit.SECONDS);
        return new Outcome(sb.toString(), null);
      }
    },
    EVENT_PUBLISHER {
      @Override
      Outcome run(LlamaClient c, ChatRequest r) throws Exception {
        StringBuilder sb = new StringBuilder();
        CompletableFuture<ChatResult> end = new CompletableFuture<>();
        c.chat().publisher(r)
            .subscribe(
                new Flow.Subscriber<ChatEvent>() {
                  ChatResult done;

                  @Override
                  public void onSubscribe(Flow.Subscription s) {
                    s.request(Long.MAX_VALUE);
                  }

                  @Override
                  public void onNext(ChatEvent e) {
                    if (e instanceof ChatEvent.Content content) {
                      sb.append(content.text());
                    } else if (e instanceof ChatEvent.Done d) {
                      done = d.result();
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    end.completeExceptionally(t);
                  }

                  @Override
                  public void onComplete() {
                    end.complete(done);
                  }
                });
        ChatResult result = end.get(30, TimeUnit.SECONDS);
        return new Outcome(sb.toString(), result);
      }
    },
    CALLBACKS {
      @Override
      Outcome run(LlamaClient c, ChatRequest r) throws Exception {
        StringBuilder sb = new StringBuilder();
        CountDownLatch latch = new CountDownLatch(1);
        ChatResult[] result = new ChatResult[1];
        StreamHandle<ChatResult> h =
            c.chat().subscribe(
                r, StreamListener.of(sb::append,
                res -> {
                  result[0] = res;
                  latch.countDown();
                },
                err -> latch.countDown()));
        assertThat(latch.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(h.result().get(1, TimeUnit.SECONDS)).isSameAs(result[0]);
        assertThat(h.isDone()).isTrue();
        return new Outcome(sb.toString(), result[0]);
      }
    },
    BLOCKING {
      @Override
      Outcome run(LlamaClient c, ChatRequest r) {
        ChatResult res = c.chat().call(r);
        return new Outcome(res.text(), res);
      }
    },
    ASYNC {
      @Override
      Outcome run(LlamaClient c, ChatRequest r) throws Exception {
        ChatResult res = c.chat().callAsync(r).get(30, TimeUnit.SECONDS);
        return new Outcome(res.text(), res);
      }
    };

    abstract Outcome run(LlamaClient c, ChatRequest r) throws Exception;

    /** Pulled by the calling thread (and so read on it, by default). */
    boolean pulled() {
      return this == STREAM || this == EVENTS || this == BLOCKING;
    }
  }

}
