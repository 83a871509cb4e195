package io.github.llamaclient.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A scripted {@code /v1/chat/completions} stream, written in the chunk shapes a real llama-server
 * sends (see the recordings): a role chunk, one chunk per token (content, reasoning or a tool-call
 * delta), the finish chunk, an optional usage chunk, {@code timings} on the last chunk, and {@code
 * data: [DONE]}.
 *
 * <pre>{@code
 * StubReply reply = StubReply.chatStream()
 *     .every(Duration.ofMillis(20))          // the gap between two tokens when paced as recorded
 *     .reasoning("Let me", " think.")
 *     .content("Hello", ",", " world")
 *     .finish("stop")
 *     .usage(12, 5)
 *     .build();
 * }</pre>
 *
 * <p>Not thread-safe; build on one thread. {@link #build()} may be called more than once.
 */
public final class ChatStreamScript {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private record Event(ObjectNode chunk, long gapNanos) {}

  private final List<Event> events = new ArrayList<>();
  private String model = "stub.gguf";
  private final String id = "chatcmpl-llamaserverstub000000000000";
  private long gapNanos;
  private long pauseNanos;
  private boolean roleSent;
  private int tokens;
  private int toolCalls;
  private @Nullable String finish;
  private int @Nullable [] usage;
  private double @Nullable [] timings;

  ChatStreamScript() {}

  /**
   * The {@code model} every chunk names.
   *
   * @param model the model name
   * @return this script
   */
  public ChatStreamScript model(String model) {
    this.model = Objects.requireNonNull(model, "model");
    return this;
  }

  /**
   * The gap before each later event, on the recorded timeline ({@link Pacing#asRecorded()} plays
   * it; the default, {@link Pacing#fastest()}, ignores it).
   *
   * @param gap the gap, not negative
   * @return this script
   * @throws IllegalArgumentException if {@code gap} is negative
   */
  public ChatStreamScript every(Duration gap) {
    this.gapNanos = nonNegative(gap);
    return this;
  }

  /**
   * An extra gap before the next event only (a think pause, a slow tool call).
   *
   * @param pause the pause, not negative
   * @return this script
   * @throws IllegalArgumentException if {@code pause} is negative
   */
  public ChatStreamScript pause(Duration pause) {
    this.pauseNanos += nonNegative(pause);
    return this;
  }

  /**
   * A prompt-progress event (sent when the request asks for {@code return_progress}): a role chunk
   * carrying {@code prompt_progress}.
   *
   * @param total the prompt's tokens
   * @param cache the tokens found in the cache
   * @param processed the tokens processed so far
   * @param timeMs the milliseconds spent so far
   * @return this script
   */
  public ChatStreamScript progress(int total, int cache, int processed, long timeMs) {
    ObjectNode chunk = chunk(role());
    chunk.putObject("prompt_progress").put("total", total).put("cache", cache).put("processed", processed).put("time_ms", timeMs);
    add(chunk);
    return this;
  }

  /**
   * Answer text, one event per token.
   *
   * @param tokens the tokens
   * @return this script
   */
  public ChatStreamScript content(String... tokens) {
    for (String t : tokens) {
      token(delta().put("content", t));
    }
    return this;
  }

  /**
   * Reasoning ({@code reasoning_content}), one event per token.
   *
   * @param tokens the tokens
   * @return this script
   */
  public ChatStreamScript reasoning(String... tokens) {
    for (String t : tokens) {
      token(delta().put("reasoning_content", t));
    }
    return this;
  }

  /**
   * A tool call: its first delta carries the id, type, name and the first fragment of the
   * arguments; each later one a further fragment. Calls are numbered from 0 in script order.
   *
   * @param id the call id
   * @param name the function name
   * @param argumentFragments the arguments JSON, in pieces (at least one)
   * @return this script
   * @throws IllegalArgumentException if no fragment is given
   */
  public ChatStreamScript toolCall(String id, String name, String... argumentFragments) {
    if (argumentFragments.length == 0) {
      throw new IllegalArgumentException("a tool call needs at least one fragment of arguments, such as \"{}\"");
    }
    int index = toolCalls++;
    for (int i = 0; i < argumentFragments.length; i++) {
      ObjectNode delta = delta();
      ObjectNode call = delta.putArray("tool_calls").addObject().put("index", index);
      if (i == 0) {
        call.put("id", id).put("type", "function");
        call.putObject("function").put("name", name).put("arguments", argumentFragments[i]);
      } else {
        call.putObject("function").put("arguments", argumentFragments[i]);
      }
      token(delta);
    }
    return this;
  }

  /**
   * The finish reason ({@code stop}, {@code length}, {@code tool_calls}); {@code stop} if not set.
   *
   * @param reason the reason
   * @return this script
   */
  public ChatStreamScript finish(String reason) {
    this.finish = Objects.requireNonNull(reason, "reason");
    return this;
  }

  /**
   * A usage chunk after the finish chunk (what {@code stream_options.include_usage} asks for).
   *
   * @param promptTokens the prompt tokens
   * @param completionTokens the generated tokens
   * @return this script
   */
  public ChatStreamScript usage(int promptTokens, int completionTokens) {
    this.usage = new int[] {promptTokens, completionTokens};
    return this;
  }

  /**
   * The {@code timings} of the last chunk; by default one millisecond per prompt and per
   * generated token.
   *
   * @param promptTokens {@code prompt_n}
   * @param promptMs {@code prompt_ms}
   * @param predictedTokens {@code predicted_n}
   * @param predictedMs {@code predicted_ms}
   * @return this script
   */
  public ChatStreamScript timings(int promptTokens, double promptMs, int predictedTokens, double predictedMs) {
    this.timings = new double[] {promptTokens, promptMs, predictedTokens, predictedMs};
    return this;
  }

  /**
   * The reply: an event stream, one body piece per event, on the timeline {@link #every} and
   * {@link #pause} gave.
   *
   * @return the reply
   */
  public StubReply build() {
    List<Event> all = new ArrayList<>(events);
    long gap = gapNanos;
    ObjectNode finishChunk = chunk(MAPPER.createObjectNode());
    ((ObjectNode) finishChunk.get("choices").get(0)).put("finish_reason", finish == null ? "stop" : finish);
    ObjectNode last = finishChunk;
    all.add(new Event(finishChunk, gap + pauseNanos));
    int[] u = usage;
    if (u != null) {
      ObjectNode usageChunk = chunk(MAPPER.createObjectNode());
      usageChunk.putArray("choices");
      usageChunk
          .putObject("usage")
          .put("completion_tokens", u[1])
          .put("prompt_tokens", u[0])
          .put("total_tokens", u[0] + u[1])
          .putObject("prompt_tokens_details")
          .put("cached_tokens", 0);
      all.add(new Event(usageChunk, 0));
      last = usageChunk;
    }
    double[] t = timings != null ? timings : new double[] {1, 1.0, tokens, tokens};
    last.putObject("timings")
        .put("cache_n", 0)
        .put("prompt_n", (int) t[0])
        .put("prompt_ms", t[1])
        .put("prompt_per_token_ms", t[0] == 0 ? 0 : t[1] / t[0])
        .put("prompt_per_second", t[1] == 0 ? 0 : 1000 * t[0] / t[1])
        .put("predicted_n", (int) t[2])
        .put("predicted_ms", t[3])
        .put("predicted_per_token_ms", t[2] == 0 ? 0 : t[3] / t[2])
        .put("predicted_per_second", t[3] == 0 ? 0 : 1000 * t[2] / t[3]);

    ByteArrayOutputStream body = new ByteArrayOutputStream();
    List<StubReply.Piece> pieces = new ArrayList<>();
    long at = 0;
    for (int i = 0; i < all.size(); i++) {
      Event e = all.get(i);
      at += i == 0 ? 0 : e.gapNanos();
      byte[] bytes = ("data: " + e.chunk() + "\n\n").getBytes(StandardCharsets.UTF_8);
      body.write(bytes, 0, bytes.length);
      pieces.add(new StubReply.Piece(at, bytes.length));
    }
    byte[] done = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
    body.write(done, 0, done.length);
    pieces.add(new StubReply.Piece(at, done.length));
    return StubReply.built(200, StubReply.serverHeaders("text/event-stream"), body.toByteArray(), pieces);
  }

  private void token(ObjectNode delta) {
    if (!roleSent) {
      add(chunk(role()));
    }
    tokens++;
    add(chunk(delta));
  }

  private void add(ObjectNode chunk) {
    roleSent = true;
    events.add(new Event(chunk, gapNanos + pauseNanos));
    pauseNanos = 0;
  }

  private ObjectNode chunk(ObjectNode delta) {
    ObjectNode chunk = MAPPER.createObjectNode();
    ArrayNode choices = chunk.putArray("choices");
    ObjectNode choice = choices.addObject();
    choice.putNull("finish_reason");
    choice.put("index", 0);
    choice.set("delta", delta);
    chunk.put("created", 1_700_000_000L);
    chunk.put("id", id);
    chunk.put("model", model);
    chunk.put("system_fingerprint", "b0-stub");
    chunk.put("object", "chat.completion.chunk");
    return chunk;
  }

  private static ObjectNode role() {
    ObjectNode delta = MAPPER.createObjectNode().put("role", "assistant");
    delta.putNull("content");
    return delta;
  }

  private static ObjectNode delta() {
    return MAPPER.createObjectNode();
  }

  private static long nonNegative(Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException("a gap must not be negative, was " + d);
    }
    return d.toNanos();
  }
}
