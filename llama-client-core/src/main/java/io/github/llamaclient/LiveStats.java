package io.github.llamaclient;

import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Live figures of one streamed reply that a UI can show while it streams: tokens so far and
 * tokens per second. Feed it the reply's events ({@link ChatStream#stats()} does so as you
 * iterate; with the other faces pass it as, or call it from, the event callback).
 *
 * <p>Exact or estimated: when the request set {@link ChatRequest.Builder#timingsPerToken(boolean)},
 * llama-server sends its own count and speed with every token ({@link ChatEvent.TokenTimings}) and
 * these figures are the server's ({@link #isExact()} is true). Otherwise every piece of text
 * (content, reasoning, tool arguments) counts as one token, which is close for llama-server (it
 * sends one delta per token, except for text held back at a possible stop string or tool tag, or an
 * incomplete UTF-8 sequence), and the speed is measured on this side between the first and the
 * latest piece. When the {@link ChatEvent.Done} event arrives with timings, the figures become the
 * server's final ones.
 *
 * <p>Thread-safe: one thread feeds it, any thread may read it.
 */
public final class LiveStats implements Consumer<ChatEvent> {
  private final LongSupplier clock;
  private boolean exact;
  private int serverTokens;
  private double serverRate = Double.NaN;
  private int pieces;
  private long firstNanos;
  private long lastNanos;
  private boolean done;

  /** Creates empty figures, measured with {@link System#nanoTime()}. */
  public LiveStats() {
    this(System::nanoTime);
  }

  LiveStats(LongSupplier clock) {
    this.clock = clock;
  }

  /**
   * Counts one event.
   *
   * @param event the next event of the reply
   */
  @Override
  public synchronized void accept(ChatEvent event) {
    if (event instanceof ChatEvent.TokenTimings) {
      Timings t = ((ChatEvent.TokenTimings) event).timings();
      exact = true;
      serverTokens = t.predictedN();
      serverRate = t.predictedPerSecond();
    } else if (event instanceof ChatEvent.Content
        || event instanceof ChatEvent.Reasoning
        || event instanceof ChatEvent.ToolCallArguments) {
      long now = clock.getAsLong();
      if (pieces == 0) {
        firstNanos = now;
      }
      lastNanos = now;
      pieces++;
    } else if (event instanceof ChatEvent.Done) {
      done = true;
      Timings t = ((ChatEvent.Done) event).result().timings();
      if (t != null) {
        exact = true;
        serverTokens = t.predictedN();
        serverRate = t.predictedPerSecond();
      }
    }
  }

  /**
   * Tokens generated so far: the server's count when exact, else the number of text pieces.
   *
   * @return the count
   */
  public synchronized int tokens() {
    return exact ? serverTokens : pieces;
  }

  /**
   * Generation speed so far: the server's {@code predicted_per_second} when exact, else pieces per
   * second between the first and the latest piece.
   *
   * @return tokens per second, or {@link Double#NaN} before two pieces (or the server's first
   *     figure) arrived
   */
  public synchronized double tokensPerSecond() {
    if (exact) {
      return serverRate;
    }
    if (pieces < 2 || lastNanos <= firstNanos) {
      return Double.NaN;
    }
    return (pieces - 1) * 1e9 / (lastNanos - firstNanos);
  }

  /**
   * Whether the figures are the server's (timings per token, or the final timings) rather than an
   * estimate from text pieces.
   *
   * @return true if exact
   */
  public synchronized boolean isExact() {
    return exact;
  }

  /**
   * Whether the reply's {@link ChatEvent.Done} was counted.
   *
   * @return true at the end
   */
  public synchronized boolean isDone() {
    return done;
  }

  @Override
  public synchronized String toString() {
    return "LiveStats[" + tokens() + " tokens, " + String.format(java.util.Locale.ROOT, "%.1f", tokensPerSecond())
        + " tokens/s" + (exact ? "" : " (estimated)") + "]";
  }
}
