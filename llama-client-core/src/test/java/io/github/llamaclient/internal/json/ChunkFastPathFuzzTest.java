package io.github.llamaclient.internal.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.LlamaException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The Jackson-free {@link ChunkFastPath} against Jackson, on arbitrary event data: whenever the fast
 * path accepts a chunk, its text and reasoning flag are what {@link ChatChunkDecoder}'s Jackson path
 * makes of the same bytes; and a decoder that takes the fast path (it knows the stream's id and
 * model) emits the same events, or fails the same way, as one that cannot.
 *
 * <p>Every build runs the seeds in {@code ChunkFastPathFuzzTestInputs/agreesWithJackson/} (the
 * {@code data:} lines of the recorded chat streams); with {@code JAZZER_FUZZ=1} Jazzer mutates them
 * ({@code .ci/fuzz.sh}). A difference found is a fast-path bug: its input stays as a seed and as a
 * named test in {@link ChunkFastPathTest}.
 */
class ChunkFastPathFuzzTest {

  /** The first chunk of a recorded stream: it tells the decoder the id and model, and emits nothing. */
  private static final byte[] FIRST =
      ("{\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null}}],"
              + "\"created\":1795639243,\"id\":\"chatcmpl-x\",\"model\":\"tiny.gguf\","
              + "\"system_fingerprint\":\"b0-unknown\",\"object\":\"chat.completion.chunk\"}")
          .getBytes(StandardCharsets.UTF_8);

  @DictionaryEntries({
    "{\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"",
    "content\":\"",
    "reasoning_content\":\"",
    "\"}}]",
    ",\"created\":",
    ",\"id\":\"",
    ",\"model\":\"",
    ",\"system_fingerprint\":\"",
    ",\"object\":\"",
    "\\u",
    "\\ud83d",
    "\\\"",
    "\\\\",
    "-0",
  })
  @FuzzTest(maxDuration = "20s")
  void agreesWithJackson(byte[] data) {
    Outcome jackson = decode(new ChatChunkDecoder(Long.MAX_VALUE), data); // no id yet: Jackson only

    ChunkFastPath fast = new ChunkFastPath();
    for (int pass = 0; pass < 2; pass++) { // the second pass compares with the remembered tail
      if (fast.scan(data, 0, data.length)) {
        List<ChatEvent> expected = new ArrayList<>();
        if (!fast.text.isEmpty()) {
          expected.add(fast.reasoning ? new ChatEvent.Reasoning(fast.text) : new ChatEvent.Content(fast.text));
        }
        assertThat(jackson.failure()).as("the fast path accepted what Jackson rejects").isNull();
        assertThat(expected).as("pass %d", pass).isEqualTo(jackson.events());
        ChatEvent.Content shared = fast.content;
        if (shared != null) {
          assertThat(shared.text()).isEqualTo(fast.text);
        }
      }
    }

    ChatChunkDecoder warm = new ChatChunkDecoder(Long.MAX_VALUE);
    List<ChatEvent> none = new ArrayList<>();
    warm.decode(FIRST, 0, FIRST.length, none::add);
    assertThat(none).isEmpty();
    Outcome viaFastPath = decode(warm, data);
    assertThat(viaFastPath.events()).isEqualTo(jackson.events());
    assertThat(viaFastPath.failure() == null ? null : viaFastPath.failure().getClass())
        .isEqualTo(jackson.failure() == null ? null : jackson.failure().getClass());
  }

  /**
   * The events one decode emitted, and its typed failure if any (other exceptions propagate).
   *
   * <p>A plain class, not a record: in fuzzing mode, Jazzer's instrumentation of a nested record
   * broke it (a JVM crash, then {@code NoSuchFieldError} in its constructor).
   */
  static final class Outcome {
    private final List<ChatEvent> events;
    private final @Nullable LlamaException failure;

    Outcome(List<ChatEvent> events, @Nullable LlamaException failure) {
      this.events = events;
      this.failure = failure;
    }

    List<ChatEvent> events() {
      return events;
    }

    @Nullable LlamaException failure() {
      return failure;
    }
  }

  private static Outcome decode(ChatChunkDecoder decoder, byte[] data) {
    List<ChatEvent> events = new ArrayList<>();
    try {
      decoder.decode(data, 0, data.length, events::add);
      return new Outcome(events, null);
    } catch (LlamaException e) {
      return new Outcome(events, e);
    }
  }
}
