package io.github.llamaclient;

import io.github.llamaclient.internal.json.ChatChunkDecoder;
import io.github.llamaclient.internal.json.StreamDecoder;
import io.github.llamaclient.internal.sse.SseParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.bench.Fixture;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The decode path alone: one whole recorded body, in memory, through the SSE parser and the chat
 * decoder into typed events (what {@code Exchange} does per buffer, without HTTP). One operation is
 * one recording; the harness divides by its number of events. Lives in the engine's package to
 * reach the package-private classes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DecodeBenchmark {

  /** content: the 2,000-event load recording; tool-call and reasoning: recordings of those chunk kinds. */
  @Param({"chat-stream-unknown-role-unbounded", "chat-stream-tools-two", "chat-stream-reasoning"})
  public String recording;

  private byte[] body;
  private final ObjectMapper mapper = new ObjectMapper();

  /** SSE events ({@code data:} lines) in a recording. */
  public static int eventsOf(String recording) {
    String s = new String(Fixture.bodyOf(recording), StandardCharsets.UTF_8);
    int n = 0;
    for (int i = s.indexOf("data:"); i >= 0; i = s.indexOf("data:", i + 5)) {
      n++;
    }
    return n;
  }

  @Setup
  public void setup() {
    body = Fixture.bodyOf(recording);
  }

  /** Ours: {@link SseParser} over the bytes, {@link ChatChunkDecoder} per event, then the result. */
  @Benchmark
  public ChatResult ours(Blackhole bh) {
    ChatChunkDecoder decoder = new ChatChunkDecoder(Integer.MAX_VALUE);
    StreamDecoder.Out out = bh::consume;
    boolean[] end = new boolean[1];
    SseParser parser = new SseParser((buf, off, len) -> end[0] |= decoder.decode(buf, off, len, out), 1 << 20, false);
    // fed in 16 KiB pieces, like the HTTP client's reads
    for (int off = 0; off < body.length; off += 16384) {
      parser.feed(body, off, Math.min(16384, body.length - off));
    }
    parser.finish();
    return decoder.finish(end[0]);
  }

  /** The baseline's decode: lines of a reader, {@code readTree} per data line. */
  @Benchmark
  public void baseline(Blackhole bh) throws IOException {
    BufferedReader r = new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body), StandardCharsets.UTF_8));
    String line;
    while ((line = r.readLine()) != null) {
      if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
        JsonNode n = mapper.readTree(line.substring(6));
        bh.consume(n.path("choices").path(0).path("delta"));
      }
    }
  }
}
