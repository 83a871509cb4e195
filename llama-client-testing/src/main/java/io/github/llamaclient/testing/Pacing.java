package io.github.llamaclient.testing;

import java.time.Duration;
import java.util.Objects;

/**
 * When a {@link StubReply}'s body pieces are written, measured from the moment the stub has read
 * the request. The faces of time a test may want: {@link #fastest()} (the default), {@link
 * #asRecorded()}, {@link #scaled(double)}, and {@link #every(Duration)} (a given rate).
 *
 * <p>Immutable; {@link StubReply#paced(Pacing)} applies it. Fault delays ({@link
 * StubReply#slowFirstToken(Duration)}) come on top.
 */
public final class Pacing {
  private enum Kind {
    FASTEST,
    SCALED,
    EVERY
  }

  private static final Pacing FASTEST = new Pacing(Kind.FASTEST, 0, Duration.ZERO);
  private static final Pacing AS_RECORDED = new Pacing(Kind.SCALED, 1, Duration.ZERO);

  private final Kind kind;
  private final double factor;
  private final Duration interval;

  private Pacing(Kind kind, double factor, Duration interval) {
    this.kind = kind;
    this.factor = factor;
    this.interval = interval;
  }

  /**
   * Everything at once, as fast as the connection takes it (each piece still its own write).
   *
   * @return the pacing
   */
  public static Pacing fastest() {
    return FASTEST;
  }

  /**
   * Each piece at its recorded time (or, for a scripted stream, the times the script gave).
   *
   * @return the pacing
   */
  public static Pacing asRecorded() {
    return AS_RECORDED;
  }

  /**
   * The recorded times multiplied by {@code factor}: 0.5 plays twice as fast, 2 half as fast.
   *
   * @param factor the factor, positive
   * @return the pacing
   * @throws IllegalArgumentException if {@code factor} is not positive and finite
   */
  public static Pacing scaled(double factor) {
    if (!(factor > 0) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException("factor must be positive, was " + factor);
    }
    return new Pacing(Kind.SCALED, factor, Duration.ZERO);
  }

  /**
   * A given rate: the head and first piece at once, then one piece every {@code interval} (a
   * scripted stream writes one event per piece, so this is one token per interval).
   *
   * @param interval the time between two pieces, not negative
   * @return the pacing
   * @throws IllegalArgumentException if {@code interval} is negative
   */
  public static Pacing every(Duration interval) {
    Objects.requireNonNull(interval, "interval");
    if (interval.isNegative()) {
      throw new IllegalArgumentException("interval must not be negative, was " + interval);
    }
    return new Pacing(Kind.EVERY, 0, interval);
  }

  /** The time of piece {@code index} (or of the head, -1) given its recorded time. */
  long at(int index, long recordedNanos) {
    switch (kind) {
      case FASTEST:
        return 0;
      case EVERY:
        return index <= 0 ? 0 : index * interval.toNanos();
      default:
        return Math.round(recordedNanos * factor);
    }
  }

  @Override
  public String toString() {
    switch (kind) {
      case FASTEST:
        return "Pacing.fastest()";
      case EVERY:
        return "Pacing.every(" + interval + ")";
      default:
        return factor == 1 ? "Pacing.asRecorded()" : "Pacing.scaled(" + factor + ")";
    }
  }
}
