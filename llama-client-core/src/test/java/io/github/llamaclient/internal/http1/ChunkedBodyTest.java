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

/** {@link ChunkedBody} over bytes: RFC 9112 section 7.1, strictly, in pieces of every size. */
class ChunkedBodyTest {

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  /**
   * What decoding the input yields, fed in the given pieces: the body and where the decoder stopped
   * (when it ended), "cut" (when the input ended first), or the exception's message.
   */
  static String outcome(byte[] input, int... cuts) {
    ChunkedBody d = new ChunkedBody();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    int from = 0;
    try {
      for (int i = 0; i <= cuts.length; i++) {
        int to = i < cuts.length ? cuts[i] : input.length;
        int end = d.decode(input, from, to, body::write);
        assertThat(end).isBetween(from, to);
        if (d.done()) {
          assertThat(d.endOfInput()).isTrue();
          return "body " + body.toString(StandardCharsets.ISO_8859_1) + " ends at " + end;
        }
        assertThat(end).as("all consumed until the end").isEqualTo(to);
        from = to;
      }
      assertThat(d.endOfInput()).isFalse();
      return "cut after " + body.toString(StandardCharsets.ISO_8859_1);
    } catch (LlamaProtocolException e) {
      return e.getMessage();
    }
  }

  private static String decode(String input) {
    return outcome(bytes(input));
  }

  static Stream<Arguments> wellFormed() {
    return Stream.of(
        Arguments.of("3\r\nabc\r\n0\r\n\r\n", "abc"),
        Arguments.of("3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n", "abcdefg"),
        Arguments.of("A\r\n0123456789\r\n0\r\n\r\n", "0123456789"),
        Arguments.of("a\r\n0123456789\r\n0\r\n\r\n", "0123456789"),
        Arguments.of("0003\r\nabc\r\n000\r\n\r\n", "abc"),
        Arguments.of("3;name=value\r\nabc\r\n0;last\r\n\r\n", "abc"),
        Arguments.of("3 ;a\r\nabc\r\n0\t; b=\"c d\"\r\n\r\n", "abc"),
        Arguments.of("3\nabc\n0\n\n", "abc"),
        Arguments.of("3\r\na\r\n\r\n0\r\n\r\n", "a\r\n"),
        Arguments.of("0\r\nX-Trailer: yes\r\nY: \r\n\r\n", ""),
        Arguments.of("0\r\n\r\n", ""));
  }

  @ParameterizedTest
  @MethodSource("wellFormed")
  void aWellFormedBodyIsDecoded(String input, String body) {
    assertThat(decode(input)).isEqualTo("body " + body + " ends at " + input.length());
  }

  @Test
  void bytesAfterTheEndAreNotConsumed() {
    assertThat(decode("3\r\nabc\r\n0\r\n\r\nHTTP/1.1 200 OK")).isEqualTo("body abc ends at 13");
  }

  @Test
  void aBodyCutBeforeItsEndIsNotDone() {
    assertThat(decode("3\r\nabc\r\n")).isEqualTo("cut after abc");
    assertThat(decode("3\r\nab")).isEqualTo("cut after ab");
    assertThat(decode("3\r\nabc\r\n0\r\nX: y\r\n")).isEqualTo("cut after abc");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"+3", "-3", " 3", "3 ", " 3 ", "\t3", "3\t", "0x3", "", "g", ";ext", "3 x", "3;a\u0001", "3;a\u007f",
        "00000000000000003", "10000000000000000", "8000000000000000", "ffffffffffffffff"})
  void anythingButHexDigitsAndExtensionsIsNotAChunkSize(String size) {
    assertThat(decode(size + "\r\nabc\r\n0\r\n\r\n")).isEqualTo("invalid chunk size in the response body: '" + size + "'");
  }

  @Test
  void theLargestSizeIsALong() {
    assertThat(decode("7fffffffffffffff\r\nabc")).isEqualTo("cut after abc");
    assertThat(decode("07ffffffffffffff\r\nabc")).isEqualTo("cut after abc");
  }

  @ParameterizedTest
  @ValueSource(strings = {"3\r\nabcd\r\n0\r\n\r\n", "3\r\nabc \r\n0\r\n\r\n", "3\r\nabc\r\r\n0\r\n\r\n", "3\r\nabc\rx0\r\n\r\n"})
  void aChunksDataIsFollowedByItsLineEndOnly(String input) {
    assertThat(decode(input)).startsWith("a chunk of the response body does not end with CRLF");
  }

  @Test
  void aSizeLineMayHaveItsBudgetButNotOneByteMore() {
    String ext = ";" + "e".repeat(ChunkedBody.MAX_SIZE_LINE - 4);
    assertThat(decode("3" + ext + "\r\nabc\r\n0\r\n\r\n")).startsWith("body abc");
    assertThat(decode("3" + ext + "e\r\nabc\r\n0\r\n\r\n"))
        .startsWith("the chunk-size line and its extensions are larger than " + ChunkedBody.MAX_SIZE_LINE + " bytes");
  }

  @Test
  void trailersMayHaveTheirBudgetOfBytesButNotOneMore() {
    int fields = ChunkedBody.MAX_TRAILER_BYTES - 2;
    String line = "X: " + "t".repeat(195) + "\r\n"; // 200 bytes
    String trailers = line.repeat(fields / 200) + "Y:" + "u".repeat(fields % 200 - 4) + "\r\n";
    assertThat(trailers).hasSize(fields);
    assertThat(decode("0\r\n" + trailers + "\r\n")).startsWith("body  ends at");
    assertThat(decode("0\r\nZ" + trailers + "\r\n"))
        .startsWith("the trailers are larger than " + ChunkedBody.MAX_TRAILER_BYTES + " bytes");
  }

  @Test
  void trailersMayHaveTheirBudgetOfLinesButNotOneMore() {
    String lines = "X: y\r\n".repeat(ChunkedBody.MAX_TRAILER_LINES - 1);
    assertThat(decode("0\r\n" + lines + "\r\n")).startsWith("body  ends at");
    assertThat(decode("0\r\n" + lines + "X: y\r\n\r\n"))
        .startsWith("the trailers have more than " + ChunkedBody.MAX_TRAILER_LINES + " lines");
  }

  @Test
  void endlessTrailersEndAtTheBudget() {
    ChunkedBody d = new ChunkedBody();
    byte[] last = bytes("3\r\nabc\r\n0\r\n");
    d.decode(last, 0, last.length, (b, off, len) -> {});
    byte[] more = bytes("X-Trailer: more\r\n");
    assertThatThrownBy(() -> {
          for (int i = 0; i < 1_000_000; i++) {
            d.decode(more, 0, more.length, (b, off, len) -> {});
          }
        })
        .isInstanceOf(LlamaProtocolException.class)
        .hasMessageContaining("trailers");
    assertThat(d.trailerBytes()).isLessThanOrEqualTo(ChunkedBody.MAX_TRAILER_BYTES);
    assertThat(d.trailerLines()).isLessThanOrEqualTo(ChunkedBody.MAX_TRAILER_LINES);
  }

  @ParameterizedTest
  @ValueSource(strings = {" folded: x", "No Colon", "X: a\u0001"})
  void aMalformedTrailerIsRejected(String trailer) {
    assertThat(decode("0\r\nX: y\r\n" + trailer + "\r\n\r\n")).matches("(malformed trailer field|a folded trailer field|a control character in a trailer field).*");
  }

  @ParameterizedTest
  @ValueSource(strings = {"3\r\nabc\r\n4\rx\r\nabcd\r\n0\r\n\r\n", "0\r\nX\ry: z\r\n\r\n", "3\r\nabc\r\n0\r\r\n\r\n"})
  void aBareCrInAFramingLineIsRejected(String input) {
    assertThat(decode(input)).startsWith("a bare CR");
  }

  static Stream<String> splitInputs() {
    return Stream.of(
        "3\r\nabc\r\n10;x=y\r\n0123456789abcdef\r\n0\r\nX: y\r\n\r\nafter",
        "1\nx\n0\n\n",
        "3\r\nabc\r\n+3\r\nabc\r\n0\r\n\r\n",
        "3\r\nabcd\r\n0\r\n\r\n",
        "0\r\nX: y\r\n folded\r\n\r\n");
  }

  /** STYLE.md practice 11: the same outcome wherever the reads split the input, and byte by byte. */
  @ParameterizedTest
  @MethodSource("splitInputs")
  void theOutcomeDoesNotDependOnHowTheReadsSplitTheInput(String input) {
    byte[] b = bytes(input);
    String whole = outcome(b);
    for (int cut = 0; cut <= b.length; cut++) {
      for (int cut2 = cut; cut2 <= b.length; cut2 += 3) {
        assertThat(outcome(b, cut, cut2)).as("cut at %d and %d", cut, cut2).isEqualTo(whole);
      }
    }
    int[] everyByte = new int[b.length];
    for (int i = 0; i < b.length; i++) {
      everyByte[i] = i + 1;
    }
    assertThat(outcome(b, everyByte)).as("byte by byte").isEqualTo(whole);
  }
}
