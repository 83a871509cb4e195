package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.testing.RawServer;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Which transport the push faces read through ({@link LlamaClientBuilder#pushOnVirtualThreads}):
 * where the JDK has virtual threads, our HTTP/1.1 reader on one virtual thread per stream; on JDK
 * 17, with the setting off, or with {@code readOnConsumingThread(false)}, {@code java.net.http}.
 * The rest of their contract is the same suites as every face's (replay, cancellation, timeouts,
 * the TCK), run over both paths.
 */
class PushPathTest {

  enum Setting {
    DEFAULT,
    OFF,
    CONSUMING_THREAD_OFF
  }

  @ParameterizedTest
  @EnumSource(Setting.class)
  void thePushFacesReadOnAVirtualThreadOfOurOwnWhereTheJdkHasThem(Setting setting) throws Exception {
    RawServer server =
        RawServer.start(
            c -> {
              c.sseHeaders();
              c.chunk(RawServer.contentEvent("a"));
              c.chunk(RawServer.finishEvent());
              c.chunk("data: [DONE]\n\n");
              c.endChunks();
              c.close();
            });
    Set<String> readers = ConcurrentHashMap.newKeySet();
    WireListener reads =
        new WireListener() {
          @Override
          public void onLine(URI uri, String line, Duration sinceRequest) {
            readers.add(Thread.currentThread().getName()); // the thread that reads the connection
          }
        };
    LlamaClientBuilder b = LlamaClient.builder().baseUrl(server.url()).wireListener(reads);
    if (setting == Setting.OFF) {
      b.pushOnVirtualThreads(false);
    } else if (setting == Setting.CONSUMING_THREAD_OFF) {
      b.readOnConsumingThread(false);
    }
    try (LlamaClient client = b.build()) {
      ChatResult r = client.chat().callAsync(ChatRequest.builder().user("hi").build()).get(30, TimeUnit.SECONDS);
      assertThat(r.text()).isEqualTo("a");
      RawServer.Connection c = server.awaitRequest(Duration.ofSeconds(10));
      assertThat(c).isNotNull();
      boolean ours = setting == Setting.DEFAULT && VirtualThreads.available();
      assertThat(readers).isNotEmpty();
      if (ours) {
        assertThat(c.headers()).as("sent by our HTTP/1.1 transport").containsEntry("user-agent", "llama-client");
        assertThat(readers).allSatisfy(n -> assertThat(n).matches("llama-client-\\d+-push-\\d+"));
      } else {
        assertThat(c.headers().get("user-agent")).as("sent by java.net.http").startsWith("Java-http-client");
        assertThat(readers).allSatisfy(n -> assertThat(n).doesNotContain("-push-"));
      }
    } finally {
      server.close();
    }
  }
}
