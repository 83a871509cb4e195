package io.github.llamaclient.spring;

import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.Timings;
import io.github.llamaclient.Usage;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.net.URI;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The Micrometer {@link StreamObserver}: OpenTelemetry GenAI names where the conventions have one
 * ({@code gen_ai.client.operation.duration}, {@code gen_ai.client.token.usage}, {@code
 * gen_ai.client.operation.time_to_first_chunk}), {@code llama.client.*} for the rest. Time comes
 * from the registry's {@link Clock}, so a test's mock clock drives it.
 */
final class MicrometerStreamObserver implements StreamObserver {
  static final String DURATION = "gen_ai.client.operation.duration";
  static final String TOKEN_USAGE = "gen_ai.client.token.usage";
  static final String FIRST_CHUNK = "gen_ai.client.operation.time_to_first_chunk";
  static final String ACTIVE = "llama.client.streams.active";
  static final String TOKENS_PER_SECOND = "llama.client.output.tokens_per_second";
  static final String ERRORS = "llama.client.errors";
  static final String CANCELLATIONS = "llama.client.cancellations";
  static final String REFUSED = "llama.web.refused";

  private final MeterRegistry registry;
  private final Clock clock;
  private final Tags tags;
  private final AtomicInteger active = new AtomicInteger();
  private final Timer firstChunk;
  private final DistributionSummary inputTokens;
  private final DistributionSummary outputTokens;
  private final DistributionSummary tokensPerSecond;
  private final Counter cancellations;

  MicrometerStreamObserver(MeterRegistry registry, URI server) {
    this.registry = registry;
    this.clock = registry.config().clock();
    this.tags =
        Tags.of(
            "gen_ai.operation.name", "chat",
            "gen_ai.provider.name", "llama.cpp",
            "server.address", String.valueOf(server.getHost()),
            "server.port", String.valueOf(port(server)));
    registry.gauge(ACTIVE, tags, active);
    this.firstChunk =
        Timer.builder(FIRST_CHUNK).description("Time from the request to the first chunk of a streamed reply").tags(tags).register(registry);
    this.inputTokens = tokens("input");
    this.outputTokens = tokens("output");
    this.tokensPerSecond =
        DistributionSummary.builder(TOKENS_PER_SECOND)
            .description("Generation speed of each completed reply (the server's figure when it sent timings)")
            .baseUnit("{token}/s")
            .tags(tags)
            .register(registry);
    this.cancellations =
        Counter.builder(CANCELLATIONS).description("Streams cancelled before their end (a client went away)").tags(tags).register(registry);
  }

  @Override
  public Flow.Publisher<ChatEvent> observe(Flow.Publisher<ChatEvent> reply) {
    return new ObservedPublisher(reply, Stream::new);
  }

  @Override
  public void refused(String reason) {
    Counter.builder(REFUSED).description("Streams refused by the rate limiter").tags(tags).tag("reason", reason).register(registry).increment();
  }

  private DistributionSummary tokens(String type) {
    return DistributionSummary.builder(TOKEN_USAGE)
        .description("Tokens used per reply, input (prompt) and output (completion)")
        .baseUnit("{token}")
        .tags(tags)
        .tag("gen_ai.token.type", type)
        .register(registry);
  }

  private void duration(long startNanos, String errorType) {
    Timer.builder(DURATION)
        .description("Duration of a streamed reply, from the request to its end")
        .tags(tags)
        .tag("error.type", errorType)
        .register(registry)
        .record(clock.monotonicTime() - startNanos, TimeUnit.NANOSECONDS);
  }

  private static int port(URI uri) {
    if (uri.getPort() >= 0) {
      return uri.getPort();
    }
    return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  /** One stream's measurements. */
  private final class Stream implements ObservedPublisher.Listener {
    private long start;
    private long first = -1;
    private int chunks;
    private @Nullable ChatResult result;

    @Override
    public void started() {
      start = clock.monotonicTime();
      active.incrementAndGet();
    }

    @Override
    public void event(ChatEvent e) {
      if (e instanceof ChatEvent.Content || e instanceof ChatEvent.Reasoning || e instanceof ChatEvent.ToolCallArguments) {
        long now = clock.monotonicTime();
        if (first < 0) {
          first = now;
          firstChunk.record(now - start, TimeUnit.NANOSECONDS);
        }
        chunks++;
      } else if (e instanceof ChatEvent.Done) {
        result = ((ChatEvent.Done) e).result();
      }
    }

    @Override
    public void completed() {
      active.decrementAndGet();
      duration(start, "none");
      ChatResult r = result;
      Usage u = r == null ? null : r.usage();
      Timings t = r == null ? null : r.timings();
      if (u != null) {
        inputTokens.record(u.promptTokens());
        outputTokens.record(u.completionTokens());
      } else if (t != null) {
        inputTokens.record(t.promptN() + Math.max(0, t.cacheN()));
        outputTokens.record(t.predictedN());
      }
      if (t != null && t.predictedPerSecond() > 0) {
        tokensPerSecond.record(t.predictedPerSecond());
      } else if (chunks > 1) {
        long span = clock.monotonicTime() - first;
        if (span > 0) {
          tokensPerSecond.record((chunks - 1) * 1e9 / span);
        }
      }
    }

    @Override
    public void failed(Throwable error) {
      active.decrementAndGet();
      String type = error.getClass().getSimpleName();
      duration(start, type);
      Counter.builder(ERRORS).description("Streams that failed, by exception type").tags(tags).tag("error.type", type).register(registry).increment();
    }

    @Override
    public void cancelled() {
      active.decrementAndGet();
      duration(start, "cancelled");
      cancellations.increment();
    }
  }
}
