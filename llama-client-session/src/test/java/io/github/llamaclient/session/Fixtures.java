package io.github.llamaclient.session;

import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.Recording;
import io.github.llamaclient.testing.StubReply;
import io.github.llamaclient.testing.StubRequest;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.LlamaException;
import io.github.llamaclient.StreamHandle;
import io.github.llamaclient.StreamListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Shared helpers for the session tests: clients, recorded replies, the faces of a turn. */
final class Fixtures {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Fixtures() {}

  /** A recording of {@code testdata/transcripts}, such as {@code chat-stream-basic}. */
  static Recording recording(String scenario) {
    String dir = System.getProperty("llama.transcripts");
    Path root = Path.of("").toAbsolutePath();
    while (dir == null && !Files.isDirectory(root.resolve("testdata/transcripts"))) {
      root = root.getParent();
    }
    return Recording.load((dir != null ? Path.of(dir) : root.resolve("testdata/transcripts")).resolve(scenario + ".json"));
  }

  static LlamaClient client(LlamaServerStub server) {
    return LlamaClient.builder().baseUrl(server.url()).idleTimeout(Duration.ofSeconds(20)).build();
  }

  static JsonNode body(StubRequest r) {
    try {
      return MAPPER.readTree(r.body());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static StubRequest take(LlamaServerStub server) throws InterruptedException {
    return server.takeRequest(Duration.ofSeconds(10));
  }

  /** The recorded request's {@code tools} value as a plain Java value, for {@code parameter("tools", …)}. */
  static Object recordedValue(Recording t, String field) {
    try {
      return MAPPER.convertValue(MAPPER.readTree(t.requestBody()).get(field), Object.class);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  /** The recording's reply, cut as recorded. */
  static StubReply replay(String scenario) {
    return StubReply.of(recording(scenario));
  }

  /** An answerer replaying one recording per path (the path without the query counts too), else llama-server's 404. */
  static Function<StubRequest, StubReply> byPath(Map<String, String> scenarioByPath) {
    return request -> {
      String scenario = scenarioByPath.get(request.target());
      if (scenario == null) {
        scenario = scenarioByPath.get(request.path());
      }
      return replay(scenario == null ? "not-found" : scenario);
    };
  }

  /** One way to run a turn; each face gives the same outcome. */
  enum Face {
    BLOCKING {
      @Override
      String run(ChatSession s, List<ChatMessage> input, java.util.function.Consumer<io.github.llamaclient.ChatRequest.Builder> o) {
        return s.send(input, o).text();
      }
    },
    STREAM {
      @Override
      String run(ChatSession s, List<ChatMessage> input, java.util.function.Consumer<io.github.llamaclient.ChatRequest.Builder> o) {
        try (Stream<io.github.llamaclient.ChatEvent> events = s.sendEvents(input, o)) {
          return events
              .filter(e -> e instanceof io.github.llamaclient.ChatEvent.Content)
              .map(e -> ((io.github.llamaclient.ChatEvent.Content) e).text())
              .collect(Collectors.joining());
        }
      }
    },
    PUBLISHER {
      @Override
      String run(ChatSession s, List<ChatMessage> input, java.util.function.Consumer<io.github.llamaclient.ChatRequest.Builder> o)
          throws Exception {
        CompletableFuture<String> done = new CompletableFuture<>();
        StringBuilder sb = new StringBuilder();
        s.sendEventPublisher(input, o)
            .subscribe(
                new Flow.Subscriber<io.github.llamaclient.ChatEvent>() {
                  Flow.Subscription sub;

                  @Override
                  public void onSubscribe(Flow.Subscription subscription) {
                    sub = subscription;
                    sub.request(1);
                  }

                  @Override
                  public void onNext(io.github.llamaclient.ChatEvent e) {
                    if (e instanceof io.github.llamaclient.ChatEvent.Content) {
                      sb.append(((io.github.llamaclient.ChatEvent.Content) e).text());
                    }
                    sub.request(1);
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.completeExceptionally(t);
                  }

                  @Override
                  public void onComplete() {
                    done.complete(sb.toString());
                  }
                });
        return unwrap(done);
      }
    },
    CALLBACKS {
      @Override
      String run(ChatSession s, List<ChatMessage> input, java.util.function.Consumer<io.github.llamaclient.ChatRequest.Builder> o)
          throws Exception {
        StringBuilder sb = new StringBuilder();
        CompletableFuture<String> done = new CompletableFuture<>();
        StreamHandle<ChatResult> h =
            s.send(
                input,
                o,
                StreamListener.ofEvents(
                    e -> {
                      if (e instanceof io.github.llamaclient.ChatEvent.Content) {
                        sb.append(((io.github.llamaclient.ChatEvent.Content) e).text());
                      }
                    },
                    (ChatResult r) -> done.complete(sb.toString()),
                    (LlamaException e) -> done.completeExceptionally(e)));
        String text = unwrap(done);
        assertThat(h.result().get(10, TimeUnit.SECONDS).text()).isEqualTo(text);
        return text;
      }
    };

    abstract String run(
        ChatSession s, List<ChatMessage> input, java.util.function.Consumer<io.github.llamaclient.ChatRequest.Builder> o)
        throws Exception;
  }

  static <T> T unwrap(CompletableFuture<T> f) throws Exception {
    try {
      return f.get(20, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException) {
        throw (RuntimeException) e.getCause();
      }
      throw e;
    }
  }

  static List<String> roles(List<SessionMessage> h) {
    List<String> out = new ArrayList<>();
    for (SessionMessage m : h) {
      out.add(m.message().role() + (m.partial() ? "(partial)" : ""));
    }
    return out;
  }
}
