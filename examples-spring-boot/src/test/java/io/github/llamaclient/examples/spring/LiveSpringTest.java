package io.github.llamaclient.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.SlotInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The example application against a real llama-server ({@code .ci/live-check.sh} starts one and
 * sets {@code LLAMA_LIVE_URL}): the SSE endpoint sends the seed's event lines as curl would print
 * them, and a client that leaves frees the server's slot within a second (seen on {@code /slots}).
 */
@EnabledIfEnvironmentVariable(named = "LLAMA_LIVE_URL", matches = "http://.+")
@Timeout(120)
class LiveSpringTest {
  private static ConfigurableApplicationContext app;
  private static URI base;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() {
    app =
        new SpringApplicationBuilder(ChatApplication.class) // arguments: over application.properties
            .run("--server.port=0", "--llama.server-url=" + System.getenv("LLAMA_LIVE_URL"), "--llama.web.max-tokens=4000");
    base = URI.create("http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port"));
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  private HttpRequest post(String body) {
    return HttpRequest.newBuilder(base.resolve("/api/llm/chat/stream"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  @Test
  void theSeedsEventLinesFromARealServer() throws Exception {
    HttpResponse<String> r = http.send(post("{\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"max_tokens\":16}"), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("X-Accel-Buffering")).hasValue("no");
    String[] frames = r.body().split("(?<=\n\n)");
    int contents = 0;
    for (int i = 0; i < frames.length - 1; i++) {
      String f = frames[i];
      assertThat(f).matches("(?s)(data: \\{\"content\":\".*\"}|data: \\{\"progress\":\\{.*}}|: keep-alive)\n\n");
      contents += f.startsWith("data: {\"content\"") ? 1 : 0;
    }
    assertThat(contents).isPositive();
    assertThat(frames[frames.length - 1])
        .matches("data: \\{\"done\":true,\"finish_reason\":\"(length|stop)\",\"usage\":\\{\"prompt_tokens\":\\d+,\"completion_tokens\":\\d+,\"total_tokens\":\\d+},\"timings\":\\{.*}}\n\n");
  }

  @Test
  void aClientThatLeavesFreesTheSlotWithinASecond() throws Exception {
    HttpResponse<InputStream> r =
        http.send(post("{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a very long story\"}],\"max_tokens\":4000}"), HttpResponse.BodyHandlers.ofInputStream());
    InputStream in = r.body();
    StringBuilder seen = new StringBuilder();
    String frame;
    do {
      frame = readFrame(in);
      seen.append(frame);
    } while (frame != null && !frame.startsWith("data: {\"content\""));
    assertThat(frame).as("a first piece; got %s", seen).isNotNull();
    try (LlamaClient direct = LlamaClient.builder().baseUrl(System.getenv("LLAMA_LIVE_URL")).build()) {
      assertThat(direct.slots().list()).anyMatch(SlotInfo::processing);

      in.close();
      long closed = System.nanoTime();

      long idleAt = 0;
      while (System.nanoTime() - closed < Duration.ofSeconds(10).toNanos()) {
        if (direct.slots().list().stream().noneMatch(SlotInfo::processing)) {
          idleAt = System.nanoTime();
          break;
        }
      }
      assertThat(idleAt).as("the slot went idle").isPositive();
      assertThat(Duration.ofNanos(idleAt - closed)).isLessThan(Duration.ofSeconds(1));
    }
  }

  private static String readFrame(InputStream in) throws IOException {
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    int prev = -1;
    int b;
    while ((b = in.read()) >= 0) {
      frame.write(b);
      if (b == '\n' && prev == '\n') {
        return frame.toString(StandardCharsets.UTF_8);
      }
      prev = b;
    }
    return frame.size() == 0 ? null : frame.toString(StandardCharsets.UTF_8);
  }
}
