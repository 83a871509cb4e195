package io.github.llamaclient.internal.http1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamaclient.LlamaProtocolException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** How {@link BodyDecoder#of} frames a response's body (RFC 9112 section 6.3), and the simple framings. */
class BodyDecoderTest {

  private static BodyDecoder framing(String head) {
    return BodyDecoder.of(HeadReaderTest.read(head + "\r\n"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"HTTP/1.1 204 No Content", "HTTP/1.1 304 Not Modified"})
  void aResponseThatHasNoBodyHasNone(String status) {
    BodyDecoder d = framing(status + "\r\nContent-Length: 10\r\n");
    assertThat(d).isInstanceOf(FixedLengthBody.class);
    assertThat(d.done()).isTrue();
    assertThat(framing(status + "\r\nTransfer-Encoding: chunked\r\n").done()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"chunked", "Chunked", "CHUNKED", " chunked ", "chunked,", ", chunked", "chunked\r\nTransfer-Encoding: "})
  void chunkedIsTheOnlyTransferCoding(String value) {
    assertThat(framing("HTTP/1.1 200 OK\r\nTransfer-Encoding: " + value + "\r\n")).isInstanceOf(ChunkedBody.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"gzip, chunked", "chunked, gzip", "chunked, chunked", "chunked\r\nTransfer-Encoding: chunked",
      "gzip", "identity", "chunked;q=1", "", ","})
  void anyOtherTransferCodingIsAnError(String value) {
    assertThatThrownBy(() -> framing("HTTP/1.1 200 OK\r\nTransfer-Encoding: " + value + "\r\n"))
        .isInstanceOf(LlamaProtocolException.class)
        .hasMessageStartingWith("unsupported Transfer-Encoding in the response");
  }

  @Test
  void transferEncodingInAnHttp10ResponseIsAnError() {
    assertThatThrownBy(() -> framing("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n"))
        .isInstanceOf(LlamaProtocolException.class)
        .hasMessageStartingWith("Transfer-Encoding in an HTTP/1.0 response");
  }

  @ParameterizedTest
  @ValueSource(strings = {"3", "0", "zzz"})
  void transferEncodingWithContentLengthIsAnError(String length) {
    assertThatThrownBy(() -> framing("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: " + length + "\r\n"))
        .isInstanceOfSatisfying(
            LlamaProtocolException.class,
            e -> assertThat(e.offendingLine()).isEqualTo("Transfer-Encoding: chunked / Content-Length: " + length))
        .hasMessageStartingWith("a response with both Transfer-Encoding and Content-Length");
  }

  static Stream<Arguments> contentLengths() {
    return Stream.of(
        Arguments.of("3", 3L),
        Arguments.of("0", 0L),
        Arguments.of("000", 0L),
        Arguments.of("3, 3", 3L),
        Arguments.of("3,3", 3L),
        Arguments.of("3\r\nContent-Length: 3", 3L),
        Arguments.of("999999999999999999", 999_999_999_999_999_999L));
  }

  @ParameterizedTest
  @MethodSource("contentLengths")
  void aContentLengthIsDigitsAndItsRepeatsAgree(String value, long length) {
    BodyDecoder d = framing("HTTP/1.1 200 OK\r\nContent-Length: " + value + "\r\n");
    assertThat(d).isInstanceOfSatisfying(FixedLengthBody.class, f -> assertThat(f.remaining()).isEqualTo(length));
  }

  @ParameterizedTest
  @ValueSource(strings = {"3, 4", "3,4", "3\r\nContent-Length: 4", "0, 1"})
  void conflictingContentLengthsAreAnError(String value) {
    assertThatThrownBy(() -> framing("HTTP/1.1 200 OK\r\nContent-Length: " + value + "\r\n"))
        .isInstanceOf(LlamaProtocolException.class)
        .hasMessageStartingWith("conflicting Content-Length values in the response");
  }

  @ParameterizedTest
  @ValueSource(strings = {"+3", "-3", "3a", "0x3", "", "3,", ",3", "3 3", "1e3", "1234567890123456789", "\u0663"})
  void aContentLengthThatIsNotDigitsIsAnError(String value) {
    assertThatThrownBy(() -> framing("HTTP/1.1 200 OK\r\nContent-Length: " + value + "\r\n"))
        .isInstanceOf(LlamaProtocolException.class)
        .hasMessageStartingWith("invalid Content-Length in the response");
  }

  @Test
  void withoutEitherTheBodyEndsWithTheConnection() {
    BodyDecoder d = framing("HTTP/1.1 200 OK\r\n");
    assertThat(d.closeDelimited()).isTrue();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] b = "abc".getBytes(StandardCharsets.US_ASCII);
    assertThat(d.decode(b, 0, 3, out::write)).isEqualTo(3);
    assertThat(d.done()).isFalse();
    assertThat(d.endOfInput()).isTrue();
    assertThat(d.done()).isTrue();
    assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("abc");
  }

  @Test
  void aFixedLengthBodyEndsAtItsLength() {
    BodyDecoder d = framing("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] b = "abcdefgh".getBytes(StandardCharsets.US_ASCII);
    assertThat(d.decode(b, 0, 3, out::write)).isEqualTo(3);
    assertThat(d.endOfInput()).as("cut").isFalse();
    assertThat(d.decode(b, 3, 8, out::write)).as("what follows the body is not consumed").isEqualTo(5);
    assertThat(d.done()).isTrue();
    assertThat(d.endOfInput()).isTrue();
    assertThat(d.closeDelimited()).isFalse();
    assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("abcde");
    assertThatThrownBy(() -> new FixedLengthBody(-1)).isInstanceOf(IllegalArgumentException.class);
  }
}
