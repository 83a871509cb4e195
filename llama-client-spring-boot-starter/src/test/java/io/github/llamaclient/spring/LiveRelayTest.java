package io.github.llamaclient.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.SlotInfo;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The starter's relay on Spring MVC and on WebFlux against the real llama-server of {@code
 * .ci/live-check.sh} ({@code LLAMA_LIVE_URL}), through the real curl: {@code curl -N} prints the
 * seed's event lines exactly, and a curl that is stopped mid-reply frees the server's slot within a
 * second (seen on {@code /slots}).
 */
@EnabledIfEnvironmentVariable(named = "LLAMA_LIVE_URL", matches = "http://.+")
@Timeout(120)
class LiveRelayTest {

  private static ConfigurableApplicationContext start(String stack) {
    return new SpringApplicationBuilder(TestApp.class)
        .run(
            "--server.port=0",
            "--spring.main.web-application-type=" + stack,
            "--llama.server-url=" + System.getenv("LLAMA_LIVE_URL"),
            "--llama.web.enabled=true",
            "--llama.web.max-tokens=9000");
  }

  private static String url(ConfigurableApplicationContext app) {
    return "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port") + "/api/llm/chat/stream";
  }

  private static Process curl(String url, String body) throws Exception {
    return new ProcessBuilder("curl", "-sN", "-H", "Content-Type: application/json", "-d", body, url).redirectErrorStream(true).start();
  }

  @ParameterizedTest
  @ValueSource(strings = {"servlet", "reactive"})
  void curlPrintsTheSeedsEventLines(String stack) throws Exception {
    try (ConfigurableApplicationContext app = start(stack)) {
      Process p = curl(url(app), "{\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"max_tokens\":16}");
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(out).isZero();
      List<String> lines = out.lines().filter(l -> !l.isEmpty()).collect(Collectors.toList());
      assertThat(lines).as(out).isNotEmpty();
      int contents = 0;
      for (String l : lines.subList(0, lines.size() - 1)) {
        assertThat(l).as(stack).matches("data: \\{\"content\":\".*\"}|data: \\{\"progress\":\\{.*}}|: keep-alive");
        contents += l.startsWith("data: {\"content\"") ? 1 : 0;
      }
      assertThat(contents).as(stack).isPositive();
      assertThat(lines.get(lines.size() - 1))
          .as(stack)
          .matches("data: \\{\"done\":true,\"finish_reason\":\"(length|stop)\",\"usage\":\\{\"prompt_tokens\":\\d+,\"completion_tokens\":\\d+,\"total_tokens\":\\d+},\"timings\":\\{.*}}");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"servlet", "reactive"})
  void aCurlStoppedMidReplyFreesTheSlotWithinASecond(String stack) throws Exception {
    try (ConfigurableApplicationContext app = start(stack);
        LlamaClient direct = LlamaClient.builder().baseUrl(System.getenv("LLAMA_LIVE_URL")).build()) {
      Process p = curl(url(app), "{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a very long story\"}],\"max_tokens\":9000}");
      BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      List<String> seen = new ArrayList<>();
      String line;
      while ((line = in.readLine()) != null && !line.startsWith("data: {\"content\"")) {
        seen.add(line);
      }
      assertThat(line).as("a first piece; got %s", seen).isNotNull();
      assertThat(direct.slots().list()).anyMatch(SlotInfo::processing);
      p.destroyForcibly(); // as a user's Ctrl-C: the connection closes
      p.waitFor(10, TimeUnit.SECONDS);
      long closed = System.nanoTime();
      long idleAt = 0;
      while (System.nanoTime() - closed < Duration.ofSeconds(10).toNanos()) {
        if (direct.slots().list().stream().noneMatch(SlotInfo::processing)) {
          idleAt = System.nanoTime();
          break;
        }
      }
      assertThat(idleAt).as("%s: the slot went idle", stack).isPositive();
      assertThat(Duration.ofNanos(idleAt - closed)).as(stack).isLessThan(Duration.ofSeconds(1));
    }
  }
}
