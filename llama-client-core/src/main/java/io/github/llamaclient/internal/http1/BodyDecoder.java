package io.github.llamaclient.internal.http1;

import io.github.llamaclient.LlamaProtocolException;
import java.util.List;

/**
 * The framing of one response body (RFC 9112 section 6): it finds where the body ends in the bytes
 * read from the connection and hands on the body bytes, de-chunked. One implementation per
 * framing, chosen once per response by {@link #of(ResponseHead)}. It knows nothing of sockets; not
 * thread-safe.
 */
public sealed interface BodyDecoder permits FixedLengthBody, ChunkedBody, CloseDelimitedBody {

  /**
   * Decodes bytes of the body from {@code buf[off, limit)}, handing the body bytes on to {@code out}.
   *
   * @return the index of the first byte not consumed: {@code limit}, or less when the body ended
   *     before it (the rest is not part of this response)
   * @throws LlamaProtocolException when the framing is broken (an invalid chunk size, no CRLF after
   *     a chunk's data, trailers over their budget); the connection must then be closed
   */
  int decode(byte[] buf, int off, int limit, BodySink out);

  /** Whether the whole body was read, its framing's end included. */
  boolean done();

  /**
   * Tells the decoder that the connection ended.
   *
   * @return true when that is the body's end (only a close-delimited body ends so), false when the
   *     body was cut
   */
  boolean endOfInput();

  /** Whether the body ends only when the connection does (so the connection cannot be reused). */
  default boolean closeDelimited() {
    return false;
  }

  /**
   * The framing of a response's body (RFC 9112 section 6.3), strictly: no body for 1xx, 204 and 304;
   * chunked when Transfer-Encoding is exactly {@code chunked}; else the Content-Length; else until
   * the connection closes.
   *
   * @throws LlamaProtocolException when Transfer-Encoding and Content-Length come together, when
   *     Transfer-Encoding is anything but {@code chunked} or comes in an HTTP/1.0 response, when
   *     Content-Length is not digits or its values differ
   */
  static BodyDecoder of(ResponseHead head) {
    List<String> te = head.all("transfer-encoding");
    List<String> cl = head.all("content-length");
    if (!te.isEmpty() && !cl.isEmpty()) {
      throw new LlamaProtocolException(
          "a response with both Transfer-Encoding and Content-Length",
          "Transfer-Encoding: " + String.join(", ", te) + " / Content-Length: " + String.join(", ", cl));
    }
    long length = cl.isEmpty() ? -1 : contentLength(cl);
    if (!te.isEmpty()) {
      String value = String.join(", ", te);
      if (head.minorVersion() == 0) {
        throw new LlamaProtocolException("Transfer-Encoding in an HTTP/1.0 response", value);
      }
      int codings = 0;
      for (String coding : value.split(",", -1)) {
        String c = ows(coding);
        if (c.isEmpty()) {
          continue; // an empty list element (RFC 9110 section 5.6.1)
        }
        if (!c.equalsIgnoreCase("chunked") || ++codings > 1) {
          throw new LlamaProtocolException("unsupported Transfer-Encoding in the response (only chunked is)", value);
        }
      }
      if (codings == 0) {
        throw new LlamaProtocolException("unsupported Transfer-Encoding in the response (only chunked is)", value);
      }
    }
    if (head.bodyless()) {
      return new FixedLengthBody(0);
    }
    if (!te.isEmpty()) {
      return new ChunkedBody();
    }
    if (length >= 0) {
      return new FixedLengthBody(length);
    }
    return new CloseDelimitedBody();
  }

  /**
   * The Content-Length: every value (field lines and comma-separated elements) is 1 to 18 digits
   * and they are all the same number (RFC 9110 section 8.6).
   */
  private static long contentLength(List<String> values) {
    long length = -1;
    String all = String.join(", ", values);
    for (String v : all.split(",", -1)) {
      String s = ows(v);
      if (s.isEmpty() || s.length() > 18) {
        throw new LlamaProtocolException("invalid Content-Length in the response", all);
      }
      long n = 0;
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c < '0' || c > '9') {
          throw new LlamaProtocolException("invalid Content-Length in the response", all);
        }
        n = n * 10 + (c - '0');
      }
      if (length >= 0 && n != length) {
        throw new LlamaProtocolException("conflicting Content-Length values in the response", all);
      }
      length = n;
    }
    return length;
  }

  /** The string without the spaces and tabs around it (OWS). */
  private static String ows(String s) {
    int from = 0;
    int to = s.length();
    while (from < to && (s.charAt(from) == ' ' || s.charAt(from) == '\t')) {
      from++;
    }
    while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) {
      to--;
    }
    return s.substring(from, to);
  }
}
