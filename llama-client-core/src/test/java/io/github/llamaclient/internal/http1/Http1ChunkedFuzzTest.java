package io.github.llamaclient.internal.http1;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.llamaclient.LlamaProtocolException;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fuzzes {@link ChunkedBody} against a tiny reference decoder written from RFC 9112's chunked
 * grammar with regular expressions. The first input byte is the size of the pieces the decoder is
 * fed in (0: all at once); the rest is the body.
 *
 * <p>Invariants: only {@link LlamaProtocolException} is ever thrown; the trailer budget is never
 * passed; the decoder accepts exactly what the reference accepts, with the same decoded body and
 * the same end, and waits for more exactly when the reference does (having handed on the same
 * bytes). Seeds and found inputs are in {@code src/test/resources/.../Http1ChunkedFuzzTestInputs/chunked/};
 * every build replays them, {@code JAZZER_FUZZ=1} fuzzes.
 */
class Http1ChunkedFuzzTest {

  @FuzzTest(maxDuration = "20s")
  void chunked(byte[] data) {
    if (data.length == 0) {
      return;
    }
    int step = data[0] & 0xff;
    byte[] input = java.util.Arrays.copyOfRange(data, 1, data.length);
    String expected = Reference.outcome(input);
    ChunkedBody decoder = new ChunkedBody();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    String actual;
    try {
      actual = null;
      for (int from = 0; from < input.length && actual == null; ) {
        int to = step == 0 ? input.length : Math.min(input.length, from + step);
        int end = decoder.decode(input, from, to, (b, off, len) -> {
          assertThat(len).isPositive();
          body.write(b, off, len);
        });
        assertThat(end).isBetween(from, to);
        if (decoder.done()) {
          actual = "body " + body.toString(StandardCharsets.ISO_8859_1) + " ends at " + end;
        } else {
          assertThat(end).as("everything consumed while the body goes on").isEqualTo(to);
        }
        from = to;
      }
      if (actual == null) {
        assertThat(decoder.endOfInput()).isFalse();
        actual = "incomplete after " + body.toString(StandardCharsets.ISO_8859_1);
      }
    } catch (LlamaProtocolException e) {
      assertThat(e.offendingLine().length()).isLessThanOrEqualTo(400);
      actual = "rejected";
    }
    assertThat(decoder.trailerBytes()).isLessThanOrEqualTo(ChunkedBody.MAX_TRAILER_BYTES);
    assertThat(decoder.trailerLines()).isLessThanOrEqualTo(ChunkedBody.MAX_TRAILER_LINES);
    assertThat(actual).isEqualTo(expected);
  }

  /** The reference: RFC 9112's chunked-body grammar as regular expressions over Latin-1 text. */
  static final class Reference {
    private static final String VCHARS = "[\\t\\x20-\\x7e\\x80-\\xff]*";
    private static final Pattern SIZE = Pattern.compile("([0-9A-Fa-f]{1,16})(?:[ \\t]*;" + VCHARS + ")?");
    private static final Pattern FIELD = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+:" + VCHARS);
    private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);

    static String outcome(byte[] input) {
      String text = new String(input, StandardCharsets.ISO_8859_1);
      StringBuilder body = new StringBuilder();
      int at = 0;
      for (;;) { // one chunk
        int lf = text.indexOf('\n', at);
        if (lf < 0) {
          return text.length() - at > ChunkedBody.MAX_SIZE_LINE ? "rejected" : "incomplete after " + body;
        }
        if (lf + 1 - at > ChunkedBody.MAX_SIZE_LINE) {
          return "rejected";
        }
        String line = line(text, at, lf);
        at = lf + 1;
        Matcher m = line == null ? null : SIZE.matcher(line);
        if (m == null || !m.matches() || new BigInteger(m.group(1), 16).compareTo(MAX) > 0) {
          return "rejected";
        }
        long size = Long.parseLong(m.group(1), 16);
        if (size == 0) {
          break;
        }
        if (text.length() - at < size) {
          return "incomplete after " + body + text.substring(at);
        }
        body.append(text, at, at + (int) size);
        at += (int) size;
        if (text.startsWith("\r\n", at)) {
          at += 2;
        } else if (text.startsWith("\n", at)) {
          at += 1;
        } else if (at == text.length() || (at + 1 == text.length() && text.charAt(at) == '\r')) {
          return "incomplete after " + body;
        } else {
          return "rejected";
        }
      }
      int bytes = 0;
      int lines = 0;
      for (;;) { // the trailers
        int lf = text.indexOf('\n', at);
        if (lf < 0) {
          return bytes + text.length() - at > ChunkedBody.MAX_TRAILER_BYTES ? "rejected" : "incomplete after " + body;
        }
        bytes += lf + 1 - at;
        lines++;
        if (bytes > ChunkedBody.MAX_TRAILER_BYTES || lines > ChunkedBody.MAX_TRAILER_LINES) {
          return "rejected";
        }
        String line = line(text, at, lf);
        at = lf + 1;
        if (line == null) {
          return "rejected";
        }
        if (line.isEmpty()) {
          return "body " + body + " ends at " + at;
        }
        if (!FIELD.matcher(line).matches()) {
          return "rejected";
        }
      }
    }

    /** The line from {@code at} to the LF at {@code lf}, without a CR before the LF; null when it has another CR. */
    private static String line(String text, int at, int lf) {
      String line = text.substring(at, lf);
      if (line.endsWith("\r")) {
        line = line.substring(0, line.length() - 1);
      }
      return line.indexOf('\r') >= 0 ? null : line;
    }
  }
}
