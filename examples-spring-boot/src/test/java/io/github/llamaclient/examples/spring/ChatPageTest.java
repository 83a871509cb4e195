package io.github.llamaclient.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.examples.testing.HeadlessChromium;
import io.github.llamaclient.testing.RawServer;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The example application's page in headless Chromium, against a llama-server stand-in: a reply
 * streams over SSE and over WebSocket with its progress shown, and Stop closes the upstream
 * stream (the slot goes idle) within a second, on both.
 */
@Timeout(120)
class ChatPageTest {
  private static RawServer upstream;
  private static ConfigurableApplicationContext app;
  private static HeadlessChromium browser;
  private static final LinkedBlockingQueue<RawServer.Connection> chats = new LinkedBlockingQueue<>();
  private static volatile int events = 10;

  @BeforeAll
  static void start() throws Exception {
    upstream =
        RawServer.start(
            c -> {
              if (!c.requestLine().startsWith("POST /v1/chat/completions")) {
                c.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                c.close();
                return;
              }
              chats.add(c);
              c.slowEvents(Duration.ofMillis(30), events);
            });
    app =
        new SpringApplicationBuilder(ChatApplication.class) // arguments: over application.properties
            .run(
                "--server.port=0",
                "--llama.server-url=" + upstream.url(),
                "--llama.concurrency.from-server-slots=false",
                "--llama.rate-limit.max-streams=4",
                "--llama.session.history-tokens=2000",
                "--llama.web.progress-every=4");
    browser = HeadlessChromium.start();
    browser.navigate("http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port") + "/");
    browser.await("typeof chatSessionStream === 'function' && typeof openChatSocket === 'function'", Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
    if (app != null) {
      app.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  private static void ask(String transport, String text) throws Exception {
    browser.evaluate(
        "document.getElementById('transport').value = '" + transport + "';"
            + "document.getElementById('message').value = '" + text + "';"
            + "document.getElementById('send').click(); true");
  }

  private static String lastReply() throws Exception {
    return browser.evaluate("(() => { const d = document.querySelectorAll('#log > div'); return d[d.length - 1].textContent; })()").asText();
  }

  @Test
  void aReplyStreamsOverSseAndOverWebSocketWithItsProgress() throws Exception {
    events = 10;
    for (String transport : new String[] {"sse", "ws"}) {
      browser.evaluate("document.getElementById('progress').textContent = ''; true");
      ask(transport, "Hello over " + transport);
      browser.await("document.getElementById('stop').disabled", Duration.ofSeconds(30));
      browser.await("document.querySelectorAll('#log > div').length > 0", Duration.ofSeconds(5));
      assertThat(lastReply()).as(transport).isEqualTo("t0 t1 t2 t3 t4 t5 t6 t7 t8 t9 ");
      assertThat(browser.evaluate("document.getElementById('progress').textContent").asText())
          .as(transport)
          .matches("8 tokens, [0-9.]+ tokens/s, about [0-9]+ s left");
    }
  }

  @Test
  void stopClosesTheUpstreamWithinASecond() throws Exception {
    events = 100_000;
    for (String transport : new String[] {"sse", "ws"}) {
      chats.clear();
      ask(transport, "Go on over " + transport);
      RawServer.Connection c = chats.poll(30, TimeUnit.SECONDS);
      assertThat(c).as(transport).isNotNull();
      browser.await("document.querySelectorAll('#log > div')[document.querySelectorAll('#log > div').length - 1].textContent.length > 0", Duration.ofSeconds(30));
      long clicked = System.nanoTime();
      browser.evaluate("document.getElementById('stop').click(); true");

      assertThat(c.awaitClientClose(Duration.ofSeconds(10))).as(transport + ": Stop closed the upstream stream").isTrue();
      assertThat(Duration.ofNanos(c.clientClosedNanos() - clicked)).as(transport).isLessThan(Duration.ofSeconds(1));
      browser.await("document.getElementById('stop').disabled", Duration.ofSeconds(10));
    }
    assertThat(lastReply()).endsWith(" [stopped]"); // the WebSocket's cancelled done event
  }
}
