package io.github.llamaclient.examples.mqtt;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns pieces of a reply into numbered chunk payloads, {@code {"type":"chunk","seq":N,"content":
 * "..."}}, each at most {@code maxBytes} bytes of UTF-8 JSON: a piece too long for one message is
 * split between code points, never inside one. Numbers start at 0 and continue over the final
 * message, so a receiver can order and check for gaps. Not thread-safe: one per reply.
 */
final class ChunkWriter {
  static final int MIN_MESSAGE_BYTES = 128;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonStringEncoder ESCAPE = JsonStringEncoder.getInstance();

  private final int maxBytes;
  private int seq;

  ChunkWriter(int maxBytes) {
    if (maxBytes < MIN_MESSAGE_BYTES) {
      throw new IllegalArgumentException("the maximum message size must be at least " + MIN_MESSAGE_BYTES + " bytes, was " + maxBytes);
    }
    this.maxBytes = maxBytes;
  }

  /** The payloads for one piece of text: one, or several if it does not fit. */
  List<byte[]> chunks(String piece) {
    List<byte[]> out = new ArrayList<>();
    int start = 0;
    while (start < piece.length()) {
      int budget = maxBytes - envelope(seq);
      int end = start;
      int used = 0;
      while (end < piece.length()) {
        int cp = piece.codePointAt(end);
        int size = ESCAPE.quoteAsUTF8(new String(Character.toChars(cp))).length;
        if (used + size > budget) {
          break;
        }
        used += size;
        end += Character.charCount(cp);
      }
      byte[] payload = payload(seq, piece.substring(start, end));
      while (payload.length > maxBytes && end > start + 1) { // the estimate was short: give back
        end -= Character.isLowSurrogate(piece.charAt(end - 1)) && end - 2 > start ? 2 : 1;
        payload = payload(seq, piece.substring(start, end));
      }
      seq++;
      out.add(payload);
      start = end;
    }
    return out;
  }

  /** The next sequence number: the final message takes it. */
  int nextSeq() {
    return seq++;
  }

  /** How many numbers were given out. */
  int count() {
    return seq;
  }

  private static byte[] payload(int seq, String content) {
    ObjectNode n = JSON.createObjectNode().put("type", "chunk").put("seq", seq).put("content", content);
    try {
      return JSON.writeValueAsBytes(n);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The size of a chunk with empty content. */
  private static int envelope(int seq) {
    return payload(seq, "").length;
  }
}
