package io.github.llamaclient.session;

/**
 * Whether and how much a {@link SessionManager} keeps of each reply's stream ({@link SavedStream}):
 * {@link #off()} (the default), {@link #on()} (with the default limits), or {@link #limits(int,
 * int)}. The limits bound one turn's saved stream: at most {@code maxEvents} events and {@code
 * maxChars} characters of event text (content, reasoning, tool-call names and argument fragments).
 * An event that would pass either is not saved, nor is any after it: the stream is kept up to there,
 * marked {@linkplain SavedStream#truncated() truncated}, with the reply's final {@code Done} still
 * at its end. Nothing about the reply itself changes; only what can be replayed.
 *
 * <p>Immutable.
 *
 * @param enabled whether streams are saved
 * @param maxEvents the most events saved per turn, the final {@code Done} not counted
 * @param maxChars the most characters of event text saved per turn
 */
public record StreamSaving(boolean enabled, int maxEvents, int maxChars) {
  /** The default most events per turn: 20,000 (a long reply is one event per token). */
  public static final int DEFAULT_MAX_EVENTS = 20_000;

  /** The default most characters per turn: 1,000,000 (about 2 MB in a session file). */
  public static final int DEFAULT_MAX_CHARS = 1_000_000;

  private static final StreamSaving OFF = new StreamSaving(false, 0, 0);
  private static final StreamSaving ON = new StreamSaving(true, DEFAULT_MAX_EVENTS, DEFAULT_MAX_CHARS);

  /**
   * Checks the limits.
   *
   * @param enabled whether streams are saved
   * @param maxEvents 1 or more when enabled
   * @param maxChars 1 or more when enabled
   * @throws IllegalArgumentException if enabled and a limit is below 1
   */
  public StreamSaving {
    if (enabled && maxEvents < 1) {
      throw new IllegalArgumentException("maxEvents must be 1 or more, was " + maxEvents);
    }
    if (enabled && maxChars < 1) {
      throw new IllegalArgumentException("maxChars must be 1 or more, was " + maxChars);
    }
  }

  /**
   * Streams are not saved (the default): the history keeps each reply's text only.
   *
   * @return the setting
   */
  public static StreamSaving off() {
    return OFF;
  }

  /**
   * Streams are saved, up to {@link #DEFAULT_MAX_EVENTS} events and {@link #DEFAULT_MAX_CHARS}
   * characters per turn.
   *
   * @return the setting
   */
  public static StreamSaving on() {
    return ON;
  }

  /**
   * Streams are saved up to these limits per turn.
   *
   * @param maxEvents the most events, 1 or more
   * @param maxChars the most characters of event text, 1 or more
   * @return the setting
   * @throws IllegalArgumentException if a limit is below 1
   */
  public static StreamSaving limits(int maxEvents, int maxChars) {
    return new StreamSaving(true, maxEvents, maxChars);
  }
}
