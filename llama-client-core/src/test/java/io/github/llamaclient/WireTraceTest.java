package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.testing.FakeClock;
import io.github.llamaclient.testing.RawServer;
import io.github.llamaclient.testing.RecordedRequests;
import io.github.llamaclient.testing.Transcript;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The wire trace (request JSON with the key redacted, status and headers, raw lines, end) and the
 * secrecy of the API key: never in toString(), exception messages, the trace or the log. The log
 * is captured through java.util.logging, System.Logger's default backend.
 */
@Timeout(30)
class WireTraceTest {
  private static final String KEY = "sk-test-123"; // the key auth-good-key.json was recorded with

  private MockWebServer server;
  private final List<LogRecord> logged = Collections.synchronizedList(new ArrayList<>());
  private final Logger jul = Logger.getLogger("io.github.llamaclient");
  private Level oldLevel;
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord r) {
          logged.add(r);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    server.start();
    oldLevel = jul.getLevel();
    jul.setLevel(Level.ALL);
    capture.setLevel(Level.ALL);
    jul.addHandler(capture);
  }

  @AfterEach
  void stop() {
    jul.removeHandler(capture);
    jul.setLevel(oldLevel);
    server.close();
  }

  /** Records every call, and passes it on to the logging listener. */
  static final class Recorder implements WireListener {
    final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    volatile Map<String, List<String>> requestHeaders;
    volatile String requestBody;
    volatile int status;
    volatile Map<String, List<String>> responseHeaders;
    volatile Throwable failure;

    @Override
    public void onRequest(String method, URI uri, Map<String, List<String>> headers, String body) {
      calls.add("request " + method + " " + uri.getPath());
      requestHeaders = headers;
      requestBody = body;
      WireListener.logging().onRequest(method, uri, headers, body);
    }

    @Override
    public void onResponse(URI uri, int status, Map<String, List<String>> headers, Duration sinceRequest) {
      calls.add("response " + status);
      this.status = status;
      responseHeaders = headers;
      WireListener.logging().onResponse(uri, status, headers, sinceRequest);
    }

    @Override
    public void onLine(URI uri, String line, Duration sinceRequest) {
      if (lines.isEmpty()) {
        calls.add("lines");
      }
      lines.add(line);
      WireListener.logging().onLine(uri, line, sinceRequest);
    }

    @Override
    public void onEnd(URI uri, Duration sinceRequest, Throwable failure) {
      calls.add("end");
      this.failure = failure;
      WireListener.logging().onEnd(uri, sinceRequest, failure);
    }
  }

  @Test
  void traceOfAStreamedReply() throws Exception {
    Transcript t = Transcript.load("auth-good-key");
    server.enqueue(t.response());
    Recorder rec = new Recorder();
    try (LlamaClient client =
        LlamaClient.builder().baseUrl(server.url("/").uri()).apiKey(KEY).wireListener(rec).build()) {
      assertThat(client.toString()).doesNotContain(KEY).contains("***");
      ChatResult r = client.chat().call(RecordedRequests.chat(t.requestBody()));
      assertThat(r.text()).isEqualTo(t.expectedContent());
    }
    assertThat(rec.calls).containsExactly("request POST /v1/chat/completions", "response 200", "lines", "end");
    assertThat(rec.requestHeaders.get("Authorization")).containsExactly("Bearer ***");
    assertThat(new ObjectMapper().readTree(rec.requestBody)).isEqualTo(t.requestBody());
    assertThat(rec.status).isEqualTo(200);
    assertThat(rec.responseHeaders.get("content-type")).containsExactly("text/event-stream");
    // the raw lines, blank ones included, exactly as the server sent them
    List<String> expected = new ArrayList<>(Arrays.asList(t.bodyText().split("\n", -1)));
    expected.remove(expected.size() - 1); // after the last LF
    assertThat(rec.lines).containsExactlyElementsOf(expected);
    assertThat(rec.failure).isNull();
    assertThat(server.takeRequest().getHeaders().get("Authorization")).isEqualTo("Bearer " + KEY);

    List<String> messages = messages();
    assertThat(messages).anyMatch(m -> m.startsWith("--> POST ") && m.contains("Bearer ***") && m.contains("\"messages\""));
    assertThat(messages).anyMatch(m -> m.startsWith("<-- 200 "));
    assertThat(messages).anyMatch(m -> m.contains("data: [DONE]"));
    assertThat(messages).anyMatch(m -> m.startsWith("<-- END "));
    assertThat(String.join("\n", messages)).doesNotContain(KEY);
  }

  @Test
  void theKeyStaysSecretWhenThingsFail() throws Exception {
    Recorder rec = new Recorder();
    List<Throwable> failures = new ArrayList<>();
    server.enqueue(Transcript.load("auth-wrong-key").response());
    server.enqueue(Transcript.load("chat-stream-error-mid-stream").response());
    server.enqueue(Transcript.load("chat-stream-cut-mid-stream").response());
    try (LlamaClient client =
        LlamaClient.builder()
            .baseUrl(server.url("/").uri())
            .apiKey(KEY)
            .wireListener(rec)
            .build()) {
      for (int i = 0; i < 3; i++) {
        failures.add(Faces.BLOCKING.run(client, ChatRequest.builder().user("hi").build()).failure());
      }
    }
    FakeClock clock = new FakeClock(); // the response limit passes on it, not in real time
    ExecutorService runner = Executors.newSingleThreadExecutor();
    try (RawServer silent = RawServer.start(c -> c.awaitClientClose(Duration.ofSeconds(30)));
        LlamaClient client =
            LlamaClient.builder()
                .baseUrl(silent.url())
                .apiKey(KEY)
                .wireListener(rec)
                .clock(clock)
                .responseTimeout(Duration.ofMillis(300))
                .build()) {
      Future<Faces.Outcome> events = runner.submit(() -> Faces.EVENTS.run(client, ChatRequest.builder().user("hi").build()));
      assertThat(silent.awaitRequest(Duration.ofSeconds(10))).as("the silent server has the request").isNotNull();
      failures.add(clock.advanceUntilDone(events, Duration.ofMillis(300)).failure());
    } finally {
      runner.shutdownNow();
    }
    try (LlamaClient client = LlamaClient.builder().baseUrl("http://127.0.0.1:1").apiKey(KEY).wireListener(rec).build()) {
      failures.add(Faces.PUBLISHER.run(client, ChatRequest.builder().user("hi").build()).failure());
    }
    assertThat(failures)
        .hasExactlyElementsOfTypes(
            LlamaHttpException.class,
            LlamaStreamException.class,
            StreamInterruptedException.class,
            LlamaTimeoutException.ResponseHeaders.class,
            LlamaConnectException.class);
    for (Throwable f : failures) {
      StringWriter trace = new StringWriter();
      f.printStackTrace(new PrintWriter(trace));
      assertThat(trace.toString()).as("stack trace with causes").doesNotContain(KEY);
      assertThat(f.toString()).doesNotContain(KEY);
    }
    assertThat(rec.failure).isInstanceOf(LlamaConnectException.class);
    assertThat(String.join("\n", messages())).doesNotContain(KEY).contains("Bearer ***");
    synchronized (logged) {
      for (LogRecord r : logged) {
        if (r.getThrown() != null) {
          StringWriter trace = new StringWriter();
          r.getThrown().printStackTrace(new PrintWriter(trace));
          assertThat(trace.toString()).doesNotContain(KEY);
        }
      }
    }
  }

  private List<String> messages() {
    synchronized (logged) {
      List<String> out = new ArrayList<>();
      for (LogRecord r : logged) {
        String m = r.getMessage();
        if (r.getParameters() != null) {
          m = java.text.MessageFormat.format(m, r.getParameters());
        }
        out.add(m);
      }
      return out;
    }
  }
}
