package io.github.llamaclient.examples.jshell;

import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.Recording;
import io.github.llamaclient.testing.StubReply;
import io.github.llamaclient.testing.StubRequest;
import io.github.llamaclient.examples.testing.Recordings;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.examples.testing.ChildProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** examples/jshell/llama.jsh, run by jshell as the docs say, asks one question and exits. */
@Timeout(120)
class JshellScriptTest {
  @Test
  void theScriptOpensAClientAndAskAnswers(@TempDir Path dir) throws Exception {
    Recording basic = Recordings.load("chat-stream-basic");
    Path script = Path.of("jshell", "llama.jsh").toAbsolutePath();
    Path then = dir.resolve("then.jsh");
    Files.writeString(then, "ChatResult r = ask(\"Tell me about AI.\");\nSystem.out.println(\"finish=\" + r.finishReason());\n/exit\n");
    Path jshell = Path.of(ProcessHandle.current().info().command().orElseThrow()).resolveSibling("jshell");
    try (LlamaServerStub server = LlamaServerStub.start()) {
      server.enqueue(StubReply.of(basic));
      ProcessBuilder pb =
          new ProcessBuilder(jshell.toString(), "--class-path", ChildProcess.classPath(), script.toString(), then.toString())
              .redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.PIPE);
      pb.environment().keySet().removeIf(k -> k.startsWith("LLAMA_") || k.startsWith("LLM_"));
      pb.environment().put("LLAMA_SERVER_URL", server.url().resolve("/").toString());
      Process p = pb.start();
      p.getOutputStream().close();
      try {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("llama-client ready").contains(basic.content()).contains("finish=LENGTH");
        assertThat(out).doesNotContain("Error:").doesNotContain("Exception");
        assertThat(p.exitValue()).isZero();
      } finally {
        p.destroyForcibly();
      }
    }
  }
}
