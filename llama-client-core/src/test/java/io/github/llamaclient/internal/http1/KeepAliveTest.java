package io.github.llamaclient.internal.http1;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every keep-alive decision ({@link KeepAlive}), as a table. */
class KeepAliveTest {

  private static final String CHUNKED = "Transfer-Encoding: chunked";

  private static ResponseHead head(String text) {
    return HeadReaderTest.read(text.replace("|", "\r\n") + "\r\n\r\n");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = ';',
      value = {
        "HTTP/1.1 200 OK|" + CHUNKED + "; true",
        "HTTP/1.1 200 OK|Content-Length: 0; true",
        "HTTP/1.1 200 OK|" + CHUNKED + "|Connection: close; false",
        "HTTP/1.1 200 OK|" + CHUNKED + "|Connection: Close; false",
        "HTTP/1.1 200 OK|" + CHUNKED + "|Connection: keep-alive, close; false",
        "HTTP/1.1 200 OK|" + CHUNKED + "|Connection: keep-alive|Connection: close; false",
        "HTTP/1.1 200 OK|" + CHUNKED + "|Connection: keep-alive; true",
        "HTTP/1.1 200 OK|" + CHUNKED + "|Connection: upgrade; true",
        "HTTP/1.1 200 OK|" + CHUNKED + "|Connection: closed; true",
        "HTTP/1.1 200 OK; false",
        "HTTP/1.1 200 OK|Connection: keep-alive; false",
        "HTTP/1.0 200 OK|Content-Length: 0; false",
        "HTTP/1.0 200 OK|Content-Length: 0|Connection: keep-alive; true",
        "HTTP/1.0 200 OK|Content-Length: 0|Connection: Keep-Alive; true",
        "HTTP/1.0 200 OK|Content-Length: 0|Connection: keep-alive, close; false",
        "HTTP/1.0 200 OK|Connection: keep-alive; false",
        "HTTP/1.1 204 No Content; true",
        "HTTP/1.0 204 No Content; false"
      })
  void whetherTheResponseLetsTheConnectionBeKept(String text, boolean kept) {
    ResponseHead h = head(text);
    BodyDecoder body = BodyDecoder.of(h);
    assertThat(KeepAlive.allowed(h, body)).isEqualTo(kept);
  }

  @ParameterizedTest(name = "{0} read, {1} bytes unread -> {2}")
  @CsvSource({"3|abc|0||, 0, true", "3|abc|0||, 1, false", "3|abc|, 0, false", "3|abc|0|X: y|, 0, false"})
  void aConnectionIsReusableOnlyAtTheVeryEndOfItsResponse(String read, int unread, boolean reusable) {
    ResponseHead h = head("HTTP/1.1 200 OK|" + CHUNKED);
    BodyDecoder body = BodyDecoder.of(h);
    byte[] b = read.replace("|", "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    body.decode(b, 0, b.length, (buf, off, len) -> {});
    assertThat(KeepAlive.reusable(h, body, unread)).isEqualTo(reusable);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = ';',
      value = {
        "Keep-Alive: timeout=5, max=100; PT4S",
        "Keep-Alive: max=100, timeout=10; PT9S",
        "Keep-Alive: TIMEOUT = 7; PT6S",
        "Keep-Alive: timeout=1; PT0S",
        "Keep-Alive: timeout=0; PT0S",
        "Keep-Alive: timeout=1000; PT1M",
        "Keep-Alive: timeout=99999999999; PT4S",
        "Keep-Alive: timeout=abc; PT4S",
        "Keep-Alive: timeout=-5; PT4S",
        "Keep-Alive: max=100; PT4S",
        "Keep-Alive: max=1|Keep-Alive: timeout=3; PT2S",
        "X-None: 1; PT4S"
      })
  void howLongAnIdleConnectionIsKept(String header, Duration idle) {
    assertThat(Duration.ofNanos(KeepAlive.idleNanos(head("HTTP/1.1 200 OK|" + header)))).isEqualTo(idle);
  }
}
