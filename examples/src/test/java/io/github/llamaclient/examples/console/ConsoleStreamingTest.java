package io.github.llamaclient.examples.console;

import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.Recording;
import io.github.llamaclient.testing.StubReply;
import io.github.llamaclient.testing.StubRequest;
import io.github.llamaclient.examples.testing.Recordings;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.examples.testing.ChildProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ConsoleStreamingTest {
  @Test
  void printsTheStreamedReplyAndExits() throws Exception {
    Recording basic = Recordings.load("chat-stream-basic");
    try (LlamaServerStub server = LlamaServerStub.start()) {
      server.enqueue(StubReply.of(basic));
      try (ChildProcess p =
          ChildProcess.start(
              ConsoleStreaming.class.getName(),
              List.of("Tell", "me", "about", "AI."),
              Map.of("LLAMA_SERVER_URL", server.url().resolve("/").toString()))) {
        assertThat(p.awaitExit(Duration.ofSeconds(30))).as(p.describe()).isZero();
        assertThat(p.stdout()).isEqualTo(basic.content() + System.lineSeparator());
      }
      assertThat(server.takeRequest().body()).contains("\"content\":\"Tell me about AI.\"");
    }
  }
}
