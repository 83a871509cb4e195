package io.github.llamaclient.internal.json;

import io.github.llamaclient.*;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.testing.Transcript;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Jackson-free fast path must agree with the Jackson path, or decline. */
class ChunkFastPathTest {

  private static final String TAIL =
      ",\"created\":1795639243,\"id\":\"chatcmpl-x\",\"model\":\"tiny.gguf\",\"system_fingerprint\":\"b0-unknown\",\"object\":\"chat.completion.chunk\"}";

  private static String chunk(String field, String rawJsonString) {
    return "{\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"" + field + "\":\"" + rawJsonString + "\"}}]" + TAIL;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** What Jackson makes of the data: decoded by a fresh decoder, whose id/model are unset (so no fast path). */
  private static List<ChatEvent> viaJackson(byte[] data) {
    List<ChatEvent> out = new ArrayList<>();
    new ChatChunkDecoder(Long.MAX_VALUE).decode(data, 0, data.length, out::add);
    return out;
  }

  @Test
  void everyRecordedChunkDecodesAsJacksonDoes() throws IOException {
    int fast = 0;
    int total = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(Transcript.directory(), "chat-stream-*.json")) {
      for (Path f : files) {
        String name = f.getFileName().toString().replace(".json", "");
        String body = new String(Transcript.load(name).body(), StandardCharsets.UTF_8);
        for (String event : body.split("\n\n")) {
          if (!event.startsWith("data: ") || event.equals("data: [DONE]")) {
            continue;
          }
          byte[] data = bytes(event.substring(6));
          total++;
          ChunkFastPath p = new ChunkFastPath();
          if (p.scan(data, 0, data.length)) {
            fast++;
            List<ChatEvent> expected = viaJackson(data);
            List<ChatEvent> actual = new ArrayList<>();
            if (!p.text.isEmpty()) {
              actual.add(p.reasoning ? new ChatEvent.Reasoning(p.text) : new ChatEvent.Content(p.text));
            }
            assertThat(actual).as(name + ": " + event).isEqualTo(expected);
          }
        }
      }
    }
    assertThat(total).isGreaterThan(2000);
    assertThat(fast).as("most recorded chunks take the fast path").isGreaterThan(total * 3 / 4);
  }

  @ParameterizedTest
  @ValueSource(strings = {"plain", "a\\\"b", "\\\\", "\\/", "\\b\\f\\n\\r\\t", "\\u00e9\\u20ac", "\\ud83d\\ude00", "x\\n", ""})
  void escapesDecodeAsJacksonDoes(String raw) {
    for (String field : List.of("content", "reasoning_content")) {
      byte[] data = bytes(chunk(field, raw));
      ChunkFastPath p = new ChunkFastPath();
      assertThat(p.scan(data, 0, data.length)).isTrue();
      List<ChatEvent> expected = viaJackson(data);
      List<ChatEvent> actual = new ArrayList<>();
      if (!p.text.isEmpty()) {
        actual.add(p.reasoning ? new ChatEvent.Reasoning(p.text) : new ChatEvent.Content(p.text));
      }
      assertThat(actual).isEqualTo(expected);
      // and a second time, through the shared cache
      assertThat(new ChunkFastPath().scan(data, 0, data.length)).isTrue();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
      // non-ASCII text, bad escapes, control characters: Jackson decides
      "{\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\"caf\u00e9\"}}]" + TAIL,
      "{\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\"a\\qb\"}}]" + TAIL,
      "{\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\"a\\u12\"}}]" + TAIL,
      "{\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\"a\tb\"}}]" + TAIL,
      // other fields, other order, whitespace, trailing bytes, truncation
      "{\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\"a\"}}],\"timings\":{\"predicted_n\":1}}",
      "{\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\"a\"}}],\"usage\":null}",
      "{\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\"a\",\"role\":\"assistant\"}}]" + TAIL,
      "{\"choices\":[{\"finish_reason\":null,\"index\":1,\"delta\":{\"content\":\"a\"}}]" + TAIL,
      "{\"choices\":[{\"finish_reason\":\"stop\",\"index\":0,\"delta\":{\"content\":\"a\"}}]" + TAIL,
      "{\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\"a\"}}], \"id\":\"x\"}",
      "{\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\"a\"}}]}x",
      "{\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\"a\"}}],\"created\":01}",
      "{\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\"a\"}}],\"created\":1",
      "{\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\"a",
      "{\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\"a\\"
  })
  void declinesAnythingElse(String data) {
    byte[] b = bytes(data);
    assertThat(new ChunkFastPath().scan(b, 0, b.length)).isFalse();
  }

  @Test
  void aNumberLongerThanJacksonAllowsIsLeftToJackson() {
    // a difference from ChunkFastPathFuzzTest's oracle (seed number-over-1000-digits): Jackson
    // refuses a number of more than 1,000 digits (StreamReadConstraints), so must the fast path
    byte[] data =
        bytes("{\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\"a\"}}],\"created\":"
            + "1".repeat(1001) + "}");
    List<ChatEvent> jackson = new ArrayList<>();
    boolean jacksonFailed = false;
    try {
      new ChatChunkDecoder(Long.MAX_VALUE).decode(data, 0, data.length, jackson::add);
    } catch (LlamaProtocolException e) {
      jacksonFailed = true;
    }
    assertThat(jacksonFailed).as("Jackson's verdict on the chunk").isTrue();
    assertThat(new ChunkFastPath().scan(data, 0, data.length)).isFalse();
  }
}
