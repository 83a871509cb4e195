package io.github.llamaclient.internal.http1;

import io.github.llamaclient.LlamaProtocolException;
import io.github.llamaclient.internal.sse.SseParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Parses a response head (RFC 9112 sections 4 and 5) from bytes that arrive in pieces, strictly:
 *
 * <ul>
 *   <li>the status line is {@code HTTP/1.x SP 3DIGIT [SP reason]}, the code 100 to 599;
 *   <li>a field line is a token, a colon right after it, and a value of visible characters, spaces
 *       and tabs; no obs-fold (a line starting with a space or tab), no other control character;
 *   <li>interim responses (1xx) are skipped, except 101: this client never asks to switch
 *       protocols;
 *   <li>one budget for the whole head, interim heads included: {@value #MAX_BYTES} bytes and
 *       {@value #MAX_LINES} lines.
 * </ul>
 *
 * <p>It knows nothing of sockets: {@link Http1Socket} feeds it what it read. Not thread-safe.
 */
public final class HeadReader {
  /** The most bytes a response head may have, interim heads and line terminators included. */
  public static final int MAX_BYTES = 16 * 1024;
  /** The most lines a response head may have, interim heads and empty lines included. */
  public static final int MAX_LINES = 128;

  private final LineReader lines = new LineReader("response headers", MAX_BYTES, MAX_LINES);
  private int minor = -1; // of the head being read; -1 before its status line
  private int status;
  private String reason = "";
  private Map<String, List<String>> headers = newHeaders();
  private @Nullable ResponseHead head;

  /**
   * Consumes bytes of the head from {@code buf[off, limit)}.
   *
   * @return the index just past the blank line that ends the final head, once it is complete
   *     ({@link #head()} has it, the body starts there); -1 when every byte was consumed and more are
   *     needed
   * @throws LlamaProtocolException when the head is malformed or over its budget; the offending
   *     line, truncated, is in the exception
   * @throws IllegalStateException when the head was complete already (call {@link #reset()})
   */
  public int feed(byte[] buf, int off, int limit) {
    if (head != null) {
      throw new IllegalStateException("the head was read; reset() first");
    }
    int i = off;
    while (i < limit) {
      int end = lines.feed(buf, i, limit);
      if (end < 0) {
        return -1;
      }
      i = end;
      if (line(lines.line(), lines.length())) {
        return i;
      }
    }
    return -1;
  }

  /** Handles one complete line; true when it ended the final head. */
  private boolean line(byte[] b, int len) {
    if (minor < 0) {
      statusLine(b, len);
      return false;
    }
    if (len > 0) {
      field(b, len, headers, "response header");
      return false;
    }
    if (status < 200) {
      if (status == 101) {
        throw new LlamaProtocolException("the server switched protocols, which was not asked for", "HTTP/1." + minor + " 101 " + reason);
      }
      minor = -1; // 100 Continue and friends: the real response follows
      headers = newHeaders();
      return false;
    }
    Map<String, List<String>> h = headers;
    h.replaceAll((k, v) -> Collections.unmodifiableList(v));
    head = new ResponseHead(minor, status, reason, Collections.unmodifiableMap(h));
    return true;
  }

  /** {@code HTTP/1.x SP 3DIGIT [SP reason-phrase]} (RFC 9112 section 4). */
  private void statusLine(byte[] b, int len) {
    if (len < 12
        || b[0] != 'H' || b[1] != 'T' || b[2] != 'T' || b[3] != 'P' || b[4] != '/' || b[5] != '1' || b[6] != '.'
        || !digit(b[7]) || b[8] != ' '
        || b[9] < '1' || b[9] > '5' || !digit(b[10]) || !digit(b[11])
        || (len > 12 && b[12] != ' ')) {
      throw new LlamaProtocolException("not an HTTP/1.x status line (no valid HTTP status: 3 digits, 100 to 599)", SseParser.Lines.preview(b, 0, len));
    }
    for (int i = 13; i < len; i++) {
      if (!fieldChar(b[i])) {
        throw new LlamaProtocolException("not an HTTP/1.x status line (no valid HTTP status: 3 digits, 100 to 599)", SseParser.Lines.preview(b, 0, len));
      }
    }
    minor = b[7] - '0';
    status = (b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0');
    reason = len > 13 ? new String(b, 13, len - 13, StandardCharsets.ISO_8859_1) : "";
  }

  /**
   * Parses a field line ({@code token ":" OWS value OWS}, RFC 9112 section 5) into {@code into}
   * (the name in lower case), or only checks it when {@code into} is null.
   *
   * @throws LlamaProtocolException when it is not a well-formed field line
   */
  static void field(byte[] b, int len, @Nullable Map<String, List<String>> into, String what) {
    int colon = 0;
    while (colon < len && tchar(b[colon])) {
      colon++;
    }
    if (colon == 0 || colon == len || b[colon] != ':') {
      throw new LlamaProtocolException(
          b[0] == ' ' || b[0] == '\t' ? "a folded " + what + " (obs-fold)" : "malformed " + what,
          SseParser.Lines.preview(b, 0, len));
    }
    int from = colon + 1;
    int to = len;
    for (int i = from; i < to; i++) {
      if (!fieldChar(b[i])) {
        throw new LlamaProtocolException("a control character in a " + what, SseParser.Lines.preview(b, 0, len));
      }
    }
    if (into == null) {
      return;
    }
    while (from < to && (b[from] == ' ' || b[from] == '\t')) {
      from++;
    }
    while (to > from && (b[to - 1] == ' ' || b[to - 1] == '\t')) {
      to--;
    }
    char[] name = new char[colon];
    for (int i = 0; i < colon; i++) {
      byte c = b[i];
      name[i] = (char) (c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    into.computeIfAbsent(new String(name), k -> new ArrayList<>(1))
        .add(new String(b, from, to - from, StandardCharsets.ISO_8859_1));
  }

  private static boolean digit(byte c) {
    return c >= '0' && c <= '9';
  }

  /** A byte allowed in a field value or reason phrase: HTAB, SP, VCHAR, obs-text. */
  static boolean fieldChar(byte c) {
    int u = c & 0xff;
    return u == '\t' || (u >= ' ' && u != 0x7f);
  }

  /** A token character (RFC 9110 section 5.6.2). */
  static boolean tchar(byte c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      return true;
    }
    return c > ' ' && c < 0x7f && "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }

  private static Map<String, List<String>> newHeaders() {
    return new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
  }

  /**
   * The final head, once {@link #feed} returned its end.
   *
   * @throws IllegalStateException when it is not complete yet
   */
  public ResponseHead head() {
    ResponseHead h = head;
    if (h == null) {
      throw new IllegalStateException("the head is not complete");
    }
    return h;
  }

  /** Whether no byte of the head was consumed since the last {@link #reset()}. */
  public boolean empty() {
    return lines.empty();
  }

  /** Bytes consumed since the last {@link #reset()}, interim heads included; never more than {@link #MAX_BYTES}. */
  public int bytes() {
    return lines.bytes();
  }

  /** Lines consumed since the last {@link #reset()}; never more than {@link #MAX_LINES}. */
  public int lines() {
    return lines.lines();
  }

  /** Readies the reader for the next response, with a fresh budget. */
  public void reset() {
    lines.reset();
    minor = -1;
    status = 0;
    reason = "";
    headers = newHeaders();
    head = null;
  }
}
