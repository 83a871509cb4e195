package io.github.llamaclient.internal.sse;

import io.github.llamaclient.*;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Server-Sent Events parser over raw bytes: bytes to lines to events. Knows nothing of HTTP or JSON.
 *
 * <p>Lines may end in LF, CRLF or CR, and may be split anywhere across {@link #feed} calls,
 * including inside a multi-byte UTF-8 sequence: bytes are never decoded here. Comment lines
 * ({@code :...}) and fields other than {@code data} are ignored. An event is dispatched on a blank
 * line, and only then: an event still open when the input ends is dropped, as the SSE
 * specification says, and {@link #finish()} reports it so that the caller can fail the stream.
 * One UTF-8 byte order mark ({@code EF BB BF}) at the very start of the input is skipped, even when
 * it arrives split across reads; anywhere else it is data.
 *
 * <p>Not thread-safe: one producer feeds it.
 */
public final class SseParser {

  /** Receives the data of each event: the {@code data} lines joined with LF. */
  public interface Listener {
    /**
     * One event's data. The array is only valid during the call.
     */
    public void onData(byte[] buf, int off, int len);

    /** One raw line, before interpretation; only called when tracing is enabled. */
    default void onLine(byte[] buf, int off, int len) {}
  }

  private static final int INITIAL = 1024;
  private static final int SCRATCH = 4096;
  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final Listener listener;
  private final int maxLineBytes;
  private final boolean traceLines;

  private byte @Nullable [] scratch;

  // pending bytes of a line not yet terminated
  private byte[] line = new byte[INITIAL];
  private int lineLen;
  private boolean skipLf; // last byte fed was a CR: a following LF belongs to it
  // bytes of a leading BOM matched so far at the start of the input; -1 once the start is past
  private int bom;

  // data of the event being assembled
  private byte[] data = new byte[0];
  private int dataLen;
  private boolean hasData;
  // a single data line not copied yet: it is dispatched from where it lies if the blank line
  // follows within the same feed() call (the common case), else copied into data at its end
  private byte @Nullable [] ref;
  private int refOff;

  public SseParser(Listener listener, int maxLineBytes, boolean traceLines) {
    this.listener = listener;
    this.maxLineBytes = maxLineBytes;
    this.traceLines = traceLines;
  }

  /** Feeds bytes; complete lines are processed at once. */
  public void feed(ByteBuffer buffer) {
    if (buffer.hasArray()) {
      int pos = buffer.position();
      feed(buffer.array(), buffer.arrayOffset() + pos, buffer.remaining());
      buffer.position(buffer.limit());
    } else {
      // read-only or direct buffers (the HTTP client hands out read-only slices): copy through one
      // reused scratch array instead of allocating per buffer
      byte[] chunk = scratch;
      if (chunk == null) {
        chunk = scratch = new byte[SCRATCH];
      }
      while (buffer.hasRemaining()) {
        int n = Math.min(chunk.length, buffer.remaining());
        buffer.get(chunk, 0, n);
        feed(chunk, 0, n);
      }
    }
  }

  /** Feeds {@code len} bytes of {@code src} from {@code off}. */
  public void feed(byte[] src, int off, int len) {
    int end = off + len;
    int i = off;
    if (bom >= 0 && i < end) {
      i = skipBom(src, i, end);
    }
    if (skipLf && i < end) {
      skipLf = false;
      if (src[i] == '\n') {
        i++;
      }
    }
    int start = i;
    for (;;) {
      i = lineEnd(src, i, end);
      if (i >= end) {
        break;
      }
      byte b = src[i];
      if (lineLen == 0) {
        checkLength(i - start, src, start, i - start);
        processLine(src, start, i - start);
      } else {
        append(src, start, i - start);
        processLine(line, 0, lineLen);
        lineLen = 0;
      }
      i++;
      if (b == '\r') {
        if (i < end) {
          if (src[i] == '\n') {
            i++;
          }
        } else {
          skipLf = true;
        }
      }
      start = i;
    }
    materialize();
    if (start < end) {
      append(src, start, end - start);
    }
  }

  /**
   * Where the first CR or LF in {@code src[i, end)} is, or {@code end}: eight bytes at a time
   * (lines are a few hundred bytes; a byte loop was half of the decode path's time).
   */
  static int lineEnd(byte[] src, int i, int end) {
    for (; i + 8 <= end; i += 8) {
      long w = (long) LONGS.get(src, i);
      long lf = w ^ 0x0A0A0A0A0A0A0A0AL;
      long cr = w ^ 0x0D0D0D0D0D0D0D0DL;
      // a zero byte in lf or cr is a match; the lowest flagged byte is always a true one (a borrow
      // can flag only bytes above a true zero byte)
      long found = ((lf - 0x0101010101010101L) & ~lf | (cr - 0x0101010101010101L) & ~cr) & 0x8080808080808080L;
      if (found != 0) {
        return i + (Long.numberOfTrailingZeros(found) >>> 3);
      }
    }
    for (; i < end; i++) {
      byte b = src[i];
      if (b == '\n' || b == '\r') {
        return i;
      }
    }
    return end;
  }

  /** Copies a referenced data line into the event buffer: its source is about to change. */
  private void materialize() {
    byte[] r = ref;
    if (r != null) {
      ref = null;
      ensureData(dataLen);
      System.arraycopy(r, refOff, data, 0, dataLen);
    }
  }

  /**
   * Skips the leading BOM's bytes from {@code i}; returns where the input continues. Bytes that
   * began like a BOM but were not one are data: they go to the pending line.
   */
  private int skipBom(byte[] src, int i, int end) {
    while (i < end && bom < BOM.length && src[i] == BOM[bom]) {
      bom++;
      i++;
    }
    if (bom == BOM.length) {
      bom = -1;
    } else if (i < end) {
      int matched = bom;
      bom = -1;
      append(BOM, 0, matched); // not CR or LF: the start of the first line
    }
    return i;
  }

  /**
   * Ends the input. Nothing is dispatched: an event whose blank line has not arrived is dropped,
   * as is a last line without its terminator (the SSE specification's rule for the end of the
   * stream). The parser is empty afterwards.
   *
   * @return whether the input ended inside an event: after data lines not yet ended by a blank
   *     line, or inside a line
   */
  public boolean finish() {
    boolean inside = hasPending();
    lineLen = 0;
    hasData = false;
    ref = null;
    dataLen = 0;
    bom = -1;
    return inside;
  }

  /** Whether bytes of an unfinished line or event are pending. */
  public boolean hasPending() {
    return lineLen > 0 || hasData || bom > 0;
  }

  private void append(byte[] src, int off, int len) {
    int needed = lineLen + len;
    checkLength(needed, src, off, len);
    if (needed > line.length) {
      line = Arrays.copyOf(line, Math.max(needed, Math.min(line.length * 2, maxLineBytes)));
    }
    System.arraycopy(src, off, line, lineLen, len);
    lineLen = needed;
  }

  /** Fails if a line of {@code length} bytes is too long; the line so far is the pending bytes and then {@code src}. */
  private void checkLength(int length, byte[] src, int off, int len) {
    if (length > maxLineBytes) {
      byte[] head = new byte[Math.min(lineLen + len, 400)];
      int fromLine = Math.min(lineLen, head.length);
      System.arraycopy(line, 0, head, 0, fromLine);
      System.arraycopy(src, off, head, fromLine, head.length - fromLine);
      throw new LlamaProtocolException(
          "SSE line longer than the limit of " + maxLineBytes + " bytes", Lines.preview(head));
    }
  }

  private void processLine(byte[] buf, int off, int len) {
    if (traceLines) {
      listener.onLine(buf, off, len);
    }
    if (len == 0) {
      dispatch();
      return;
    }
    if (buf[off] == ':') {
      return; // comment
    }
    // fast path: "data: " prefix
    int colon = -1;
    for (int i = off; i < off + len; i++) {
      if (buf[i] == ':') {
        colon = i;
        break;
      }
    }
    int nameEnd = colon < 0 ? off + len : colon;
    if (nameEnd - off != 4
        || buf[off] != 'd'
        || buf[off + 1] != 'a'
        || buf[off + 2] != 't'
        || buf[off + 3] != 'a') {
      return; // event, id, retry or unknown field: not used by llama-server's data streams
    }
    int valueStart = colon < 0 ? off + len : colon + 1;
    if (valueStart < off + len && buf[valueStart] == ' ') {
      valueStart++;
    }
    int valueLen = off + len - valueStart;
    if (!hasData) {
      hasData = true;
      // keep the value where it is: if the event is dispatched before this feed() returns, it
      // is never copied
      if (valueLen > maxLineBytes) {
        ensureData(valueLen); // throws
      }
      ref = buf;
      refOff = valueStart;
      dataLen = valueLen;
    } else {
      materialize();
      ensureData(dataLen + 1 + valueLen);
      data[dataLen++] = '\n';
      System.arraycopy(buf, valueStart, data, dataLen, valueLen);
      dataLen += valueLen;
    }
  }

  private void ensureData(int size) {
    if (size > maxLineBytes) {
      throw new LlamaProtocolException(
          "SSE event data longer than the limit of " + maxLineBytes + " bytes",
          Lines.preview(Arrays.copyOf(data, Math.min(dataLen, 200))));
    }
    if (size > data.length) {
      data = Arrays.copyOf(data, Math.max(size, Math.min(Math.max(data.length * 2, 1024), maxLineBytes)));
    }
  }

  private void dispatch() {
    if (!hasData) {
      return;
    }
    hasData = false;
    int n = dataLen;
    dataLen = 0;
    byte[] r = ref;
    if (r != null) {
      ref = null;
      listener.onData(r, refOff, n);
    } else {
      listener.onData(data, 0, n);
    }
  }

  /** Small helpers for messages about raw lines. */
  public static final class Lines {
    private Lines() {}

    /** A printable preview of raw bytes, at most 200 characters. */
    public static String preview(byte[] bytes) {
      return preview(bytes, 0, bytes.length);
    }

    public static String preview(byte[] bytes, int off, int len) {
      String s = new String(bytes, off, Math.min(len, 400), StandardCharsets.UTF_8);
      return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
  }
}
