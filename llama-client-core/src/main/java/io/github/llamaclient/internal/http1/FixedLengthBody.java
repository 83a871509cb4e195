package io.github.llamaclient.internal.http1;

/** A body of a known length (Content-Length, or none at all). */
public final class FixedLengthBody implements BodyDecoder {
  private long remaining;

  /** A body of {@code length} bytes (0 for none). */
  public FixedLengthBody(long length) {
    if (length < 0) {
      throw new IllegalArgumentException("length must not be negative, was " + length);
    }
    this.remaining = length;
  }

  @Override
  public int decode(byte[] buf, int off, int limit, BodySink out) {
    int n = (int) Math.min(limit - off, remaining);
    if (n > 0) {
      remaining -= n;
      out.data(buf, off, n);
    }
    return off + n;
  }

  @Override
  public boolean done() {
    return remaining == 0;
  }

  @Override
  public boolean endOfInput() {
    return remaining == 0;
  }

  /** Body bytes still to come. */
  public long remaining() {
    return remaining;
  }
}
