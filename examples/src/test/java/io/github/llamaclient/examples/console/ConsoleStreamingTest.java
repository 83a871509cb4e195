package io.github.llamaclient.examples.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.examples.testing.ChildProcess;
import io.github.llamaclient.testing.Transcript;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ConsoleStreamingTest {
  @Test
  void printsTheStreamedReplyAndExits() throws Exception {
    Transcript basic = Transcript.load("chat-stream-basic");
    try (MockWebServer server = new MockWebServer()) {
      server.enqueue(basic.response());
      server.start();
      try (ChildProcess p =
          ChildProcess.start(
              ConsoleStreaming.class.getName(),
              List.of("Tell", "me", "about", "AI."),
              Map.of("LLAMA_SERVER_URL", server.url("/").toString()))) {
        assertThat(p.awaitExit(Duration.ofSeconds(30))).as(p.describe()).isZero();
        assertThat(p.stdout()).isEqualTo(basic.expectedContent() + System.lineSeparator());
      }
      assertThat(server.takeRequest().getBody().utf8()).contains("\"content\":\"Tell me about AI.\"");
    }
  }
}
