package io.github.llamaclient.spring;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.ContextSizeExceededException;
import io.github.llamaclient.LlamaConnectException;
import io.github.llamaclient.LlamaException;
import io.github.llamaclient.LlamaHttpException;
import io.github.llamaclient.LiveStats;
import io.github.llamaclient.LlamaTimeoutException;
import io.github.llamaclient.Timings;
import io.github.llamaclient.TooManyStreamsException;
import io.github.llamaclient.Usage;
import io.github.llamaclient.session.SessionBusyException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The relay's wire format, as the seed's web backend and {@code WebRelay} send it: the JSON payload
 * of each {@code data:} line. {@code {"content": "..."}} per piece, {@code {"done": true,
 * "finish_reason", "usage", "timings"}} at the end, {@code {"error": "..."}} instead on failure, and
 * the optional {@code reasoning} and {@code progress} events when turned on. Thread-safe.
 */
final class RelayEvents {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final System.Logger LOG = System.getLogger(RelayEvents.class.getName());

  private final Set<String> optional;
  private final int progressEvery;

  /**
   * @param optional the optional events to send: {@code reasoning}, {@code progress}
   * @param progressEvery generated tokens between two generation progress events
   */
  RelayEvents(Set<String> optional, int progressEvery) {
    if (progressEvery < 1) {
      throw new IllegalArgumentException("llama.web.progress-every must be 1 or more, was " + progressEvery);
    }
    this.optional = Set.copyOf(optional);
    this.progressEvery = progressEvery;
  }

  /** The mapping of one reply (which keeps the figures of its progress events). */
  Turn turn(int maxTokens) {
    return new Turn(maxTokens);
  }

  boolean progress() {
    return optional.contains("progress");
  }

  /** The payload for an event, or null for one the browser is not sent (tool deltas, timings, done). */
  private @Nullable String payload(ChatEvent e) {
    if (e instanceof ChatEvent.Content) {
      return write(JSON.createObjectNode().put("content", ((ChatEvent.Content) e).text()));
    } else if (e instanceof ChatEvent.Reasoning && optional.contains("reasoning")) {
      return write(JSON.createObjectNode().put("reasoning", ((ChatEvent.Reasoning) e).text()));
    } else if (e instanceof ChatEvent.Progress && optional.contains("progress")) {
      ChatEvent.Progress p = (ChatEvent.Progress) e;
      ObjectNode n = JSON.createObjectNode();
      n.putObject("progress")
          .put("total", p.total())
          .put("cache", p.cache())
          .put("processed", p.processed())
          .put("time_ms", p.timeMs());
      return write(n);
    }
    return null;
  }

  /**
   * One reply's events to payloads: the event's own, and with {@code progress} on, a generation
   * progress event every {@code progressEvery} tokens: {@code {"progress": {"tokens",
   * "tokens_per_second", "max_tokens", "eta_ms"}}}, the counts exact when the server sends its
   * timings per token (the relay asks for them), else estimated from the pieces and this side's
   * clock ({@link LiveStats}). Prompt progress keeps the seed's {@code {"progress": {"total",
   * "cache", "processed", "time_ms"}}}. Not thread-safe: one thread maps a reply.
   */
  final class Turn {
    private final int maxTokens;
    private final LiveStats stats = new LiveStats();
    private int reported;

    private Turn(int maxTokens) {
      this.maxTokens = maxTokens;
    }

    /** Hands {@code out} the payloads for {@code e}, none or more, in order. */
    void map(ChatEvent e, Consumer<String> out) {
      String own = payload(e);
      if (own != null) {
        out.accept(own);
      }
      if (!progress()) {
        return;
      }
      stats.accept(e);
      boolean counted = e instanceof ChatEvent.TokenTimings || (e instanceof ChatEvent.Content && !stats.isExact());
      if (counted && stats.tokens() - reported >= progressEvery) {
        reported = stats.tokens();
        out.accept(generation());
      }
    }

    private String generation() {
      ObjectNode n = JSON.createObjectNode();
      ObjectNode p = n.putObject("progress").put("tokens", stats.tokens());
      double rate = stats.tokensPerSecond();
      if (rate > 0) {
        p.put("tokens_per_second", rate);
      }
      p.put("max_tokens", maxTokens);
      if (rate > 0) {
        p.put("eta_ms", Math.max(0, Math.round((maxTokens - stats.tokens()) * 1000 / rate)));
      }
      return write(n);
    }
  }

  /** {@code {"done": true, ...}} with what the result holds. */
  static String done(@Nullable ChatResult r) {
    ObjectNode n = JSON.createObjectNode();
    n.put("done", true);
    if (r == null) {
      return write(n);
    }
    n.put("finish_reason", r.finishReason().name().toLowerCase(Locale.ROOT));
    Usage u = r.usage();
    if (u != null) {
      n.putObject("usage")
          .put("prompt_tokens", u.promptTokens())
          .put("completion_tokens", u.completionTokens())
          .put("total_tokens", u.totalTokens());
    }
    Timings t = r.timings();
    if (t != null) {
      n.putObject("timings")
          .put("prompt_n", t.promptN())
          .put("prompt_ms", t.promptMs())
          .put("predicted_n", t.predictedN())
          .put("predicted_ms", t.predictedMs())
          .put("predicted_per_second", t.predictedPerSecond());
    }
    return write(n);
  }

  /** {@code {"error": message}}. */
  static String error(String message) {
    return write(JSON.createObjectNode().put("error", message));
  }

  /**
   * What the browser is told about a failure: what happened in a user's words and a reference to
   * the log entry (WARNING) that holds the details (upstream address, server message, stack).
   */
  static String publicMessage(Throwable e) {
    String ref = UUID.randomUUID().toString().substring(0, 8);
    LOG.log(System.Logger.Level.WARNING, "reply failed (ref " + ref + ")", e);
    String what;
    if (e instanceof ContextSizeExceededException) {
      what = "the message is too long for the model";
    } else if (e instanceof SessionBusyException) {
      what = "this conversation is still answering another message";
    } else if (e instanceof TooManyStreamsException) {
      what = "the model is busy; try again in a moment";
    } else if (e instanceof LlamaConnectException) {
      what = "the model server is not reachable";
    } else if (e instanceof LlamaTimeoutException) {
      what = "the model server did not answer in time";
    } else if (e instanceof LlamaHttpException) {
      what = "the model server refused the request (HTTP " + ((LlamaHttpException) e).statusCode() + ")";
    } else if (e instanceof LlamaException) {
      what = "the model server failed while answering";
    } else {
      what = "the relay failed";
    }
    return what + " (ref " + ref + ")";
  }

  private static String write(ObjectNode n) {
    try {
      return JSON.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e); // a tree of strings and numbers always serialises
    }
  }
}
