package io.github.llamaclient;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.testing.RawServer;
import java.time.Duration;
import java.util.Iterator;
import java.util.stream.Stream;
import org.junit.jupiter.api.RepeatedTest;

/**
 * Closing after 5 of 20 events that arrived in one burst (the rest still queued in the client or
 * in socket buffers, the server then quiet): the server must see the close every time, on both
 * transports. Repeated, since a lost close would be intermittent.
 */
class CancelUnderBurstTest {
  @RepeatedTest(50)
  void closingMidBurstAlwaysClosesTheConnection() throws Exception {
    closeMidBurst(Transports.HTTP1);
  }

  @RepeatedTest(50)
  void closingMidBurstAlwaysClosesTheConnectionOnTheJdkClient() throws Exception {
    closeMidBurst(Transports.JDK);
  }

  private static void closeMidBurst(Transports transport) throws Exception {
    RawServer server =
        RawServer.start(
            c -> {
              c.sseHeaders();
              for (int i = 0; i < 20; i++) {
                c.chunk(RawServer.contentEvent("t" + i));
              }
              c.awaitClientClose(Duration.ofSeconds(30));
            });
    try (LlamaClient client = transport.builder(server.url()).build()) {
      try (Stream<String> s = client.generateStream(ChatRequest.builder().user("hi").build())) {
        Iterator<String> it = s.iterator();
        for (int i = 0; i < 5; i++) {
          it.next();
        } // everything sent is read by now; the server is quiet
      }
      assertThat(server.awaitDisconnect(Duration.ofSeconds(3))).as("the server saw the close").isNotNull();
    } finally {
      server.close();
    }
  }
}
