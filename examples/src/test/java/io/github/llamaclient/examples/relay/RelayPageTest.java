package io.github.llamaclient.examples.relay;

import io.github.llamaclient.testing.LlamaServerStub;
import io.github.llamaclient.testing.Recording;
import io.github.llamaclient.testing.StubReply;
import io.github.llamaclient.testing.StubRequest;
import io.github.llamaclient.examples.testing.Recordings;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.examples.testing.HeadlessChromium;
import io.github.llamaclient.examples.testing.PacedUpstream;
import io.github.llamaclient.session.SessionManager;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashSet;
import java.util.List;
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
  private static final ObjectMapper JSON = new ObjectMapper();
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
    Recording basic = Recordings.load("chat-stream-basic");
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
      assertThat(browser.evaluate("document.querySelector('.reply').textContent").asText()).isEqualTo(basic.content());
      JsonNode info = trace.get("info");
      assertThat(info.get("finish_reason").asText()).isEqualTo("length");
      assertThat(info.get("timings").get("predicted_n").asInt()).isEqualTo(48);
    }
  }

  private static WebRelay relay(LlamaClient client, Set<String> origins) throws Exception {
    RelayConfig config = new RelayConfig(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN, origins);
    return new WebRelay(client, WebRelay.sessions(client, config), config);
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Asks, presses Stop after the first piece, asks again: the second request does not carry the first question. */
  private void stopThenAskAgain(String extraHash) throws Exception {
    Recording basic = Recordings.load("chat-stream-basic");
    try (PacedUpstream upstream = new PacedUpstream(basic, Duration.ofMillis(60));
        LlamaClient client = LlamaClient.builder().baseUrl(upstream.url()).build();
        WebRelay relay = relay(client, Set.of())) {
      browser.navigate("http://127.0.0.1:" + relay.address().getPort() + "/#token=" + TOKEN + "&ask=" + encode("First question") + extraHash);
      browser.await("window.relayTrace && window.relayTrace.lengths.length > 0", Duration.ofSeconds(60));
      browser.evaluate("document.getElementById('stop').click()");
      assertThat(upstream.awaitClientClose(Duration.ofSeconds(30))).as("Stop closed the upstream stream").isTrue();
      browser.evaluate(
          "document.getElementById('message').value = 'Second question'; document.getElementById('form').requestSubmit()");
      browser.await("window.relayTrace && (window.relayTrace.done || window.relayTrace.error !== null)", Duration.ofSeconds(60));
      assertThat(browser.evaluate("window.relayTrace.error").isNull()).as("error: %s", browser.evaluate("window.relayTrace.error")).isTrue();
      List<String> bodies = upstream.requestBodies();
      assertThat(bodies).hasSize(2);
      JsonNode messages = JSON.readTree(bodies.get(1)).get("messages");
      assertThat(messages).as("the second request: %s", messages).hasSize(1);
      assertThat(messages.get(0).get("content").asText()).isEqualTo("Second question");
    }
  }

  @Test
  void afterStopTheNextSessionRequestCarriesNoStaleUserMessage() throws Exception {
    stopThenAskAgain("");
  }

  @Test
  void afterStopTheNextStatelessRequestCarriesNoStaleUserMessage() throws Exception {
    stopThenAskAgain("&stateless");
  }

  @Test
  void chatJsTalksToARelayOnAnotherOriginThroughItsBaseUrl() throws Exception {
    Recording basic = Recordings.load("chat-stream-basic");
    try (PacedUpstream pageUpstream = new PacedUpstream(basic, Duration.ofMillis(1));
        LlamaClient pageClient = LlamaClient.builder().baseUrl(pageUpstream.url()).build();
        WebRelay page = relay(pageClient, Set.of());
        PacedUpstream apiUpstream = new PacedUpstream(basic, Duration.ofMillis(1));
        LlamaClient apiClient = LlamaClient.builder().baseUrl(apiUpstream.url()).build();
        WebRelay api = relay(apiClient, Set.of("http://127.0.0.1:" + page.address().getPort()))) {
      browser.navigate(
          "http://127.0.0.1:" + page.address().getPort() + "/#token=" + TOKEN + "&relay="
              + encode("http://127.0.0.1:" + api.address().getPort() + "/") + "&ask=" + encode("Tell me about AI."));
      browser.await("window.relayTrace && (window.relayTrace.done || window.relayTrace.error !== null)", Duration.ofSeconds(60));
      assertThat(browser.evaluate("window.relayTrace.error").isNull()).as("error: %s", browser.evaluate("window.relayTrace.error")).isTrue();
      assertThat(browser.evaluate("document.querySelector('.reply').textContent").asText()).isEqualTo(basic.content());
      assertThat(apiUpstream.streamsStarted()).isEqualTo(1);
      assertThat(pageUpstream.streamsStarted()).isZero();
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
    try (PacedUpstream upstream = new PacedUpstream(Recordings.load("chat-stream-basic"), Duration.ofMillis(1));
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
