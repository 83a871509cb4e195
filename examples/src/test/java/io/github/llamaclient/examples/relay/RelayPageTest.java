package io.github.llamaclient.examples.relay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.examples.testing.HeadlessChromium;
import io.github.llamaclient.examples.testing.PacedUpstream;
import io.github.llamaclient.session.SessionManager;
import io.github.llamaclient.testing.Transcript;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The relay's chat page in headless Chromium: the reply grows on the page piece by piece as the
 * (paced) upstream streams it, through both JavaScript functions; a wrong token shows an error.
 */
@Timeout(120)
class RelayPageTest {
  private static final String TOKEN = "page-token";
  private static HeadlessChromium browser;

  @BeforeAll
  static void startBrowser() throws Exception {
    browser = HeadlessChromium.start();
  }

  @AfterAll
  static void stopBrowser() throws Exception {
    if (browser != null) {
      browser.close();
    }
  }

  private void growsPieceByPiece(String extraHash) throws Exception {
    Transcript basic = Transcript.load("chat-stream-basic");
    try (PacedUpstream upstream = new PacedUpstream(basic, Duration.ofMillis(30));
        LlamaClient client = LlamaClient.builder().baseUrl(upstream.url()).build();
        WebRelay relay =
            new WebRelay(
                client,
                SessionManager.builder(client).build(),
                new RelayConfig(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN, Set.of()))) {
      String url =
          "http://127.0.0.1:" + relay.address().getPort() + "/#token=" + TOKEN + "&ask="
              + URLEncoder.encode("Tell me about AI.", StandardCharsets.UTF_8).replace("+", "%20") + extraHash;
      browser.navigate(url);
      browser.await("window.relayTrace && (window.relayTrace.done || window.relayTrace.error !== null)", Duration.ofSeconds(60));
      JsonNode trace = browser.evaluate("window.relayTrace");
      assertThat(trace.get("error").isNull()).as("error: %s", trace.get("error")).isTrue();
      JsonNode lengths = trace.get("lengths");
      JsonNode times = trace.get("times");
      assertThat(lengths.size()).isGreaterThan(10);
      for (int i = 1; i < lengths.size(); i++) {
        assertThat(lengths.get(i).asInt()).isGreaterThan(lengths.get(i - 1).asInt());
      }
      Set<Long> distinctMillis = new HashSet<>();
      times.forEach(t -> distinctMillis.add(Math.round(t.asDouble())));
      assertThat(distinctMillis.size()).as("pieces arrived at many distinct moments, not in one lump").isGreaterThan(10);
      assertThat(browser.evaluate("document.querySelector('.reply').textContent").asText()).isEqualTo(basic.expectedContent());
    }
  }

  @Test
  void theReplyGrowsOnThePageThroughChatSessionStream() throws Exception {
    growsPieceByPiece("");
  }

  @Test
  void theReplyGrowsOnThePageThroughChatStream() throws Exception {
    growsPieceByPiece("&stateless");
  }

  @Test
  void aWrongTokenShowsTheRelaysError() throws Exception {
    try (PacedUpstream upstream = new PacedUpstream(Transcript.load("chat-stream-basic"), Duration.ofMillis(1));
        LlamaClient client = LlamaClient.builder().baseUrl(upstream.url()).build();
        WebRelay relay =
            new WebRelay(
                client,
                SessionManager.builder(client).build(),
                new RelayConfig(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN, Set.of()))) {
      browser.navigate("http://127.0.0.1:" + relay.address().getPort() + "/#token=wrong&ask=hi");
      browser.await("window.relayTrace && window.relayTrace.error !== null", Duration.ofSeconds(30));
      assertThat(browser.evaluate("window.relayTrace.error").asText()).contains("401").contains("token");
      assertThat(upstream.streamsStarted()).isZero();
    }
  }
}
