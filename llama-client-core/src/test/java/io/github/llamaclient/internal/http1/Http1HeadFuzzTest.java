package io.github.llamaclient.internal.http1;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.llamaclient.LlamaProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fuzzes {@link HeadReader} (and the framing choice, {@link BodyDecoder#of}) against a tiny
 * reference parser written from RFC 9112's grammar with regular expressions. The first input byte
 * is the size of the pieces the reader is fed in (0: all at once); the rest is the response.
 *
 * <p>Invariants: only {@link LlamaProtocolException} is ever thrown; the budget is never passed;
 * the reader accepts exactly what the reference accepts, with the same head and the same end, and
 * waits for more exactly when the reference does. Seeds and found inputs are in {@code
 * src/test/resources/.../Http1HeadFuzzTestInputs/head/}; every build replays them, {@code
 * JAZZER_FUZZ=1} fuzzes.
 */
class Http1HeadFuzzTest {

  @FuzzTest(maxDuration = "20s")
  void head(byte[] data) {
    if (data.length == 0) {
      return;
    }
    int step = data[0] & 0xff;
    byte[] input = java.util.Arrays.copyOfRange(data, 1, data.length);
    String expected = Reference.outcome(input);
    HeadReader reader = new HeadReader();
    String actual;
    try {
      actual = "incomplete";
      for (int from = 0; from < input.length; ) {
        int to = step == 0 ? input.length : Math.min(input.length, from + step);
        int end = reader.feed(input, from, to);
        if (end >= 0) {
          assertThat(end).isBetween(from, to);
          ResponseHead h = reader.head();
          actual = Reference.describe(h.minorVersion(), h.status(), h.reason(), h.headers(), end);
          framing(h);
          break;
        }
        from = to;
      }
    } catch (LlamaProtocolException e) {
      assertThat(e.offendingLine().length()).isLessThanOrEqualTo(400);
      actual = "rejected";
    }
    assertThat(reader.bytes()).isLessThanOrEqualTo(HeadReader.MAX_BYTES);
    assertThat(reader.lines()).isLessThanOrEqualTo(HeadReader.MAX_LINES);
    assertThat(actual).isEqualTo(expected);
  }

  /** The framing choice never throws anything but the protocol exception. */
  private static void framing(ResponseHead h) {
    try {
      BodyDecoder d = BodyDecoder.of(h);
      assertThat(d.done() || !h.bodyless()).isTrue();
    } catch (LlamaProtocolException e) {
      // a documented rejection
    }
  }

  /** The reference: RFC 9112's head grammar as regular expressions over Latin-1 text. */
  static final class Reference {
    private static final String VCHARS = "[\\t\\x20-\\x7e\\x80-\\xff]*";
    private static final Pattern STATUS = Pattern.compile("HTTP/1\\.([0-9]) ([1-5][0-9][0-9])(?: (" + VCHARS + "))?");
    private static final Pattern FIELD = Pattern.compile("([!#$%&'*+\\-.^_`|~0-9A-Za-z]+):(" + VCHARS + ")");

    static String outcome(byte[] input) {
      String text = new String(input, StandardCharsets.ISO_8859_1);
      int bytes = 0;
      int lines = 0;
      int minor = -1;
      int status = 0;
      String reason = "";
      Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      int at = 0;
      for (;;) {
        int lf = text.indexOf('\n', at);
        if (lf < 0) {
          return bytes + (text.length() - at) > HeadReader.MAX_BYTES ? "rejected" : "incomplete";
        }
        bytes += lf + 1 - at;
        lines++;
        if (bytes > HeadReader.MAX_BYTES || lines > HeadReader.MAX_LINES) {
          return "rejected";
        }
        String line = text.substring(at, lf);
        if (line.endsWith("\r")) {
          line = line.substring(0, line.length() - 1);
        }
        at = lf + 1;
        if (line.indexOf('\r') >= 0) {
          return "rejected";
        }
        if (minor < 0) {
          Matcher m = STATUS.matcher(line);
          if (!m.matches()) {
            return "rejected";
          }
          minor = Integer.parseInt(m.group(1));
          status = Integer.parseInt(m.group(2));
          reason = m.group(3) == null ? "" : m.group(3);
        } else if (!line.isEmpty()) {
          Matcher m = FIELD.matcher(line);
          if (!m.matches()) {
            return "rejected";
          }
          headers.computeIfAbsent(m.group(1).toLowerCase(java.util.Locale.ROOT), k -> new ArrayList<>())
              .add(m.group(2).replaceAll("^[ \\t]+|[ \\t]+$", ""));
        } else if (status == 101) {
          return "rejected";
        } else if (status < 200) {
          minor = -1;
          headers.clear();
        } else {
          return describe(minor, status, reason, headers, at);
        }
      }
    }

    static String describe(int minor, int status, String reason, Map<String, List<String>> headers, int end) {
      return "HTTP/1." + minor + " " + status + " [" + reason + "] " + headers + " ends at " + end;
    }
  }
}
