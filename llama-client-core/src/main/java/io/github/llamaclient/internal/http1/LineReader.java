package io.github.llamaclient.internal.http1;

import io.github.llamaclient.LlamaProtocolException;
import io.github.llamaclient.internal.sse.SseParser;
import java.util.Arrays;

/**
 * Collects the lines of one section of a response (its head, or the trailers of a chunked body)
 * from bytes that arrive in pieces, within one budget of bytes and one of lines for the whole
 * section. A line ends with CRLF or a bare LF (RFC 9112 section 2.2 lets a recipient accept one);
 * the terminator is not part of the line, and a CR anywhere else in it is an error.
 *
 * <p>The budget counts every byte consumed, terminators included, and every line, the empty one
 * that ends the section included: a server cannot make the reader hold or scan more than that.
 * Not thread-safe; one instance per connection, {@linkplain #reset() reset} per section.
 */
final class LineReader {
  private final String section; // for messages: "response headers", "trailers", ...
  private final int maxBytes;
  private final int maxLines;
  private byte[] line = new byte[128];
  private int length; // of the current line, its terminator excluded
  private boolean complete; // the current line ended (its LF was consumed)
  private int bytes; // consumed in this section
  private int lines; // completed in this section

  /**
   * @param section what the lines are, for messages ("response headers")
   * @param maxBytes the most bytes the section may have, terminators included
   * @param maxLines the most lines the section may have, the empty last one included
   */
  LineReader(String section, int maxBytes, int maxLines) {
    this.section = section;
    this.maxBytes = maxBytes;
    this.maxLines = maxLines;
  }

  /**
   * Consumes bytes of the current line from {@code buf[off, limit)}, up to and including its LF.
   * Starts a new line first if the previous one was complete.
   *
   * @return the index just past the LF when the line is now complete, or -1 when every byte was
   *     consumed and the line goes on
   * @throws LlamaProtocolException when the section goes over its budget of bytes or lines, or a
   *     completed line holds a CR that is not right before its LF
   */
  int feed(byte[] buf, int off, int limit) {
    if (complete) {
      complete = false;
      length = 0;
    }
    int i = off;
    while (i < limit) {
      byte b = buf[i++];
      if (bytes == maxBytes) {
        throw new LlamaProtocolException(
            "the " + section + " are larger than " + maxBytes + " bytes", preview(buf, i - 1));
      }
      bytes++;
      if (b == '\n') {
        if (length > 0 && line[length - 1] == '\r') {
          length--;
        }
        if (lines == maxLines) {
          throw new LlamaProtocolException(
              "the " + section + " have more than " + maxLines + " lines", preview(buf, i - 1));
        }
        lines++;
        for (int k = 0; k < length; k++) {
          if (line[k] == '\r') {
            throw new LlamaProtocolException("a bare CR in the " + section, SseParser.Lines.preview(line, 0, length));
          }
        }
        complete = true;
        return i;
      }
      if (length == line.length) {
        line = Arrays.copyOf(line, Math.min(Math.max(line.length * 2, 16), maxBytes));
      }
      line[length++] = b;
    }
    return -1;
  }

  /** A preview of the line so far (with the byte at {@code at} when it did not fit). */
  private String preview(byte[] buf, int at) {
    if (length > 0) {
      return SseParser.Lines.preview(line, 0, length);
    }
    return SseParser.Lines.preview(buf, at, 1);
  }

  /** Whether the current line is complete. */
  boolean complete() {
    return complete;
  }

  /** The current line's bytes, valid up to {@link #length()}; only until the next {@link #feed}. */
  byte[] line() {
    return line;
  }

  /** The current line's length, its terminator excluded. */
  int length() {
    return length;
  }

  /** Bytes consumed in this section so far. */
  int bytes() {
    return bytes;
  }

  /** Lines completed in this section so far. */
  int lines() {
    return lines;
  }

  /** Whether no byte of this section was consumed yet. */
  boolean empty() {
    return bytes == 0;
  }

  /** Starts a new section, with a fresh budget. */
  void reset() {
    length = 0;
    complete = false;
    bytes = 0;
    lines = 0;
    if (line.length > 1024) {
      line = new byte[128]; // a large head once does not keep its buffer for the connection's life
    }
  }
}
