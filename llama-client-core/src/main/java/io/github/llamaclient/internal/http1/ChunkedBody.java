package io.github.llamaclient.internal.http1;

import io.github.llamaclient.LlamaProtocolException;
import io.github.llamaclient.internal.sse.SseParser;

/**
 * A chunked body (RFC 9112 section 7.1), decoded strictly:
 *
 * <ul>
 *   <li>a chunk size is 1 to {@value #MAX_SIZE_DIGITS} hex digits and fits in a {@code long}: no
 *       sign, no {@code 0x}, no spaces around it; extensions may follow after a {@code ;} (spaces
 *       and tabs before it allowed, as RFC 9112's BWS), and are skipped;
 *   <li>the size line, extensions included, is at most {@value #MAX_SIZE_LINE} bytes;
 *   <li>a chunk's data is followed by its line end and nothing else;
 *   <li>the trailers are checked as field lines and skipped, within one budget of {@value
 *       #MAX_TRAILER_BYTES} bytes and {@value #MAX_TRAILER_LINES} lines.
 * </ul>
 *
 * <p>A line ends with CRLF or a bare LF (RFC 9112 section 2.2). Not thread-safe.
 */
public final class ChunkedBody implements BodyDecoder {
  /** The most bytes of a chunk-size line, its extensions and line end included. */
  public static final int MAX_SIZE_LINE = 1024;
  /** The most hex digits of a chunk size (leading zeros included). */
  public static final int MAX_SIZE_DIGITS = 16;
  /** The most bytes of the trailer section, its last empty line included. */
  public static final int MAX_TRAILER_BYTES = 8 * 1024;
  /** The most lines of the trailer section, its last empty line included. */
  public static final int MAX_TRAILER_LINES = 64;

  private static final int SIZE = 0, DATA = 1, DATA_CR = 2, DATA_LF = 3, TRAILERS = 4, DONE = 5;

  private final LineReader sizeLine = new LineReader("chunk-size line and its extensions", MAX_SIZE_LINE, 1);
  private final LineReader trailers = new LineReader("trailers", MAX_TRAILER_BYTES, MAX_TRAILER_LINES);
  private int state = SIZE;
  private long remaining; // of the current chunk's data

  @Override
  public int decode(byte[] buf, int off, int limit, BodySink out) {
    int i = off;
    while (i < limit && state != DONE) {
      switch (state) {
        case SIZE: {
          int end = sizeLine.feed(buf, i, limit);
          if (end < 0) {
            return limit;
          }
          i = end;
          remaining = size(sizeLine.line(), sizeLine.length());
          sizeLine.reset();
          state = remaining == 0 ? TRAILERS : DATA;
          break;
        }
        case DATA: {
          int n = (int) Math.min(limit - i, remaining);
          remaining -= n;
          out.data(buf, i, n);
          i += n;
          if (remaining == 0) {
            state = DATA_CR;
          }
          break;
        }
        case DATA_CR:
        case DATA_LF: {
          byte b = buf[i++];
          if (b == '\n') {
            state = SIZE;
          } else if (b == '\r' && state == DATA_CR) {
            state = DATA_LF;
          } else {
            throw new LlamaProtocolException(
                "a chunk of the response body does not end with CRLF", "'" + SseParser.Lines.preview(buf, i - 1, 1) + "' after its data");
          }
          break;
        }
        case TRAILERS: {
          int end = trailers.feed(buf, i, limit);
          if (end < 0) {
            return limit;
          }
          i = end;
          if (trailers.length() == 0) {
            state = DONE;
          } else {
            HeadReader.field(trailers.line(), trailers.length(), null, "trailer field");
          }
          break;
        }
        default:
          throw new IllegalStateException("state " + state);
      }
    }
    return i;
  }

  /** {@code 1*HEXDIG [BWS ";" chunk-ext]}: the size. */
  private static long size(byte[] b, int len) {
    long size = 0;
    int i = 0;
    while (i < len) {
      int d = hex(b[i]);
      if (d < 0) {
        break;
      }
      if (i == MAX_SIZE_DIGITS || size > (Long.MAX_VALUE >>> 4)) {
        throw invalidSize(b, len);
      }
      size = size << 4 | d;
      i++;
    }
    if (i == 0) {
      throw invalidSize(b, len);
    }
    if (i < len) {
      int j = i;
      while (j < len && (b[j] == ' ' || b[j] == '\t')) {
        j++;
      }
      if (j == len || b[j] != ';') {
        throw invalidSize(b, len);
      }
      for (int k = j + 1; k < len; k++) {
        if (!HeadReader.fieldChar(b[k])) {
          throw invalidSize(b, len);
        }
      }
    }
    return size;
  }

  private static int hex(byte c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  private static LlamaProtocolException invalidSize(byte[] b, int len) {
    return new LlamaProtocolException("invalid chunk size in the response body", "'" + SseParser.Lines.preview(b, 0, len) + "'");
  }

  @Override
  public boolean done() {
    return state == DONE;
  }

  @Override
  public boolean endOfInput() {
    return state == DONE;
  }

  /** Bytes of the trailer section consumed so far; never more than {@link #MAX_TRAILER_BYTES}. */
  public int trailerBytes() {
    return trailers.bytes();
  }

  /** Lines of the trailer section consumed so far; never more than {@link #MAX_TRAILER_LINES}. */
  public int trailerLines() {
    return trailers.lines();
  }
}
