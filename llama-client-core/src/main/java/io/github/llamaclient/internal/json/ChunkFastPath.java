package io.github.llamaclient.internal.json;

import io.github.llamaclient.*;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Reads the one chunk shape that llama-server sends for nearly every token, without Jackson:
 *
 * <pre>{@code
 * {"choices":[{"finish_reason":null,"index":0,"delta":{"content":"TEXT"}}],"created":1,"id":"…","model":"…",
 *  "system_fingerprint":"…","object":"chat.completion.chunk"}
 * }</pre>
 *
 * (or {@code reasoning_content} in place of {@code content}). The match is strict: compact JSON,
 * these fields in this order, the tail only {@code created}, {@code id}, {@code model}, {@code
 * system_fingerprint} and {@code object} with plain ASCII string or integer values (at most 18
 * digits), and TEXT
 * plain ASCII with JSON escapes. Anything else, including any non-ASCII byte, is left to the
 * Jackson path ({@link #scan} returns false), so behaviour, errors included, is that path's.
 *
 * <p>Short texts are shared through a small process-wide cache of immutable entries (tokens
 * repeat), so a repeated token costs no allocation. Not thread-safe per instance; one per decoder.
 */
public final class ChunkFastPath {
  private static final byte[] PREFIX = ascii("{\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"");
  private static final byte[] CONTENT = ascii("content\":\"");
  private static final byte[] REASONING = ascii("reasoning_content\":\"");
  private static final byte[][] TAIL_KEYS = {
    ascii("created"), ascii("id"), ascii("model"), ascii("system_fingerprint"), ascii("object")
  };

  private static final int CACHE_SIZE = 1024; // power of two
  private static final int CACHE_MAX_LEN = 16;
  private static final Entry[] CACHE = new Entry[CACHE_SIZE];

  /** An immutable cache entry; safely published through its final fields. */
  private static final class Entry {
    public final byte[] key;
    public final String text;
    public final ChatEvent.Content content;

    public Entry(byte[] key, String text) {
      this.key = key;
      this.text = text;
      this.content = new ChatEvent.Content(text);
    }
  }

  private static final int MAX_TAIL = 1024;
  // longer numbers are left to Jackson, which refuses more than 1,000 digits (StreamReadConstraints);
  // llama-server's are epoch seconds
  private static final int MAX_DIGITS = 18;
  // the last tail that passed tail(): a copy, compared with the next chunk's
  private byte[] lastTail = new byte[0];
  private int lastTailLen = -1;

  /** Whether the last match was {@code reasoning_content}. */
  public boolean reasoning;
  /** The text of the last match. */
  public String text = "";
  /** The shared content event for the text, when it came from the cache; else null. */
  public ChatEvent.@Nullable Content content;

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** Whether {@code buf[off, off+len)} is the common chunk; if so, {@link #text} and {@link #reasoning} are set. */
  public boolean scan(byte[] buf, int off, int len) {
    int end = off + len;
    int i = match(buf, off, end, PREFIX);
    if (i < 0) {
      return false;
    }
    int j = match(buf, i, end, CONTENT);
    boolean r = false;
    if (j < 0) {
      j = match(buf, i, end, REASONING);
      if (j < 0) {
        return false;
      }
      r = true;
    }
    // the string value
    int start = j;
    boolean escaped = false;
    for (;;) {
      if (j >= end) {
        return false;
      }
      byte b = buf[j];
      if (b == '"') {
        break;
      }
      if (b < 0x20) { // control characters, and every non-ASCII byte (negative)
        return false;
      }
      if (b == '\\') {
        escaped = true;
        j += 2;
      } else {
        j++;
      }
    }
    int stringEnd = j;
    j++;
    if (end - j < 4 || buf[j] != '}' || buf[j + 1] != '}' || buf[j + 2] != ']') {
      return false;
    }
    j += 3;
    if (!sameTail(buf, j, end)) {
      if (!tail(buf, j, end)) {
        return false;
      }
      rememberTail(buf, j, end);
    }
    String s;
    ChatEvent.Content c = null;
    int n = stringEnd - start;
    if (n <= CACHE_MAX_LEN && n > 0) {
      Entry e = cached(buf, start, n, escaped);
      if (e == null) {
        return false;
      }
      s = e.text;
      c = e.content;
    } else if (!escaped) {
      s = new String(buf, start, n, StandardCharsets.ISO_8859_1);
    } else {
      s = unescape(buf, start, stringEnd);
      if (s == null) {
        return false;
      }
    }
    reasoning = r;
    text = s;
    content = c;
    return true;
  }

  /** The entry for the raw (still escaped) string bytes; null if they are not a valid string. */
  private static @Nullable Entry cached(byte[] buf, int off, int n, boolean escaped) {
    int h = n;
    for (int k = off; k < off + n; k++) {
      h = 31 * h + buf[k];
    }
    h ^= h >>> 16;
    int slot = h & (CACHE_SIZE - 1);
    Entry e = CACHE[slot];
    if (e != null && e.key.length == n && equal(e.key, buf, off, n)) {
      return e;
    }
    String text = escaped ? unescape(buf, off, off + n) : new String(buf, off, n, StandardCharsets.ISO_8859_1);
    if (text == null) {
      return null;
    }
    e = new Entry(Arrays.copyOfRange(buf, off, off + n), text);
    CACHE[slot] = e; // racy but benign: entries are immutable
    return e;
  }

  private static boolean equal(byte[] key, byte[] buf, int off, int n) {
    return Arrays.equals(key, 0, n, buf, off, off + n);
  }

  /**
   * Whether {@code buf[j, end)} equals the last tail that {@link #tail} accepted: llama-server
   * repeats the same tail (created, id, model, …) on every chunk of a stream, so one vectorized
   * comparison replaces the byte-by-byte check.
   */
  private boolean sameTail(byte[] buf, int j, int end) {
    int n = end - j;
    return n == lastTailLen && n > 0 && Arrays.equals(buf, j, end, lastTail, 0, n);
  }

  private void rememberTail(byte[] buf, int j, int end) {
    int n = end - j;
    if (n > MAX_TAIL) {
      lastTailLen = -1;
      return;
    }
    if (lastTail.length < n) {
      lastTail = new byte[Math.max(n, 256)];
    }
    System.arraycopy(buf, j, lastTail, 0, n);
    lastTailLen = n;
  }

  /** {@code ,"key":value} pairs of the allowed keys, then the closing brace at the very end. */
  private static boolean tail(byte[] buf, int j, int end) {
    for (;;) {
      if (j >= end) {
        return false;
      }
      if (buf[j] == '}') {
        return j == end - 1;
      }
      if (buf[j] != ',' || j + 1 >= end || buf[j + 1] != '"') {
        return false;
      }
      j += 2;
      int k = j;
      while (k < end && buf[k] != '"') {
        k++;
      }
      if (k >= end || !allowedKey(buf, j, k) || k + 1 >= end || buf[k + 1] != ':') {
        return false;
      }
      j = k + 2;
      if (j >= end) {
        return false;
      }
      if (buf[j] == '"') {
        j++;
        while (j < end && buf[j] != '"') {
          byte b = buf[j];
          if (b < 0x20 || b == '\\') { // control, escape or non-ASCII: not plain
            return false;
          }
          j++;
        }
        if (j >= end) {
          return false;
        }
        j++;
      } else {
        if (buf[j] == '-') {
          j++;
        }
        int digits = j;
        while (j < end && buf[j] >= '0' && buf[j] <= '9') {
          j++;
        }
        if (j == digits || (buf[digits] == '0' && j - digits > 1) || j - digits > MAX_DIGITS) {
          return false;
        }
      }
    }
  }

  private static boolean allowedKey(byte[] buf, int from, int to) {
    for (byte[] key : TAIL_KEYS) {
      if (key.length == to - from && equal(key, buf, from, key.length)) {
        return true;
      }
    }
    return false;
  }

  private static int match(byte[] buf, int i, int end, byte[] expected) {
    int n = expected.length;
    if (end - i < n || !Arrays.equals(buf, i, i + n, expected, 0, n)) {
      return -1;
    }
    return i + n;
  }

  private static @Nullable String unescape(byte[] buf, int from, int to) {
    StringBuilder sb = new StringBuilder(to - from);
    for (int i = from; i < to; i++) {
      byte b = buf[i];
      if (b != '\\') {
        sb.append((char) b);
        continue;
      }
      if (++i >= to) {
        return null;
      }
      switch (buf[i]) {
        case '"':
          sb.append('"');
          break;
        case '\\':
          sb.append('\\');
          break;
        case '/':
          sb.append('/');
          break;
        case 'b':
          sb.append('\b');
          break;
        case 'f':
          sb.append('\f');
          break;
        case 'n':
          sb.append('\n');
          break;
        case 'r':
          sb.append('\r');
          break;
        case 't':
          sb.append('\t');
          break;
        case 'u':
          if (i + 4 >= to) {
            return null;
          }
          int v = 0;
          for (int k = 1; k <= 4; k++) {
            int h = Character.digit(buf[i + k], 16);
            if (h < 0) {
              return null;
            }
            v = v * 16 + h;
          }
          sb.append((char) v);
          i += 4;
          break;
        default:
          return null;
      }
    }
    return sb.toString();
  }
}
