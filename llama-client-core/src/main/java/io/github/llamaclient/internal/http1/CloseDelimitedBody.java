package io.github.llamaclient.internal.http1;

/** A body that ends when the server closes the connection (no Content-Length, not chunked). */
public final class CloseDelimitedBody implements BodyDecoder {
  private boolean ended;

  @Override
  public int decode(byte[] buf, int off, int limit, BodySink out) {
    if (limit > off) {
      out.data(buf, off, limit - off);
    }
    return limit;
  }

  @Override
  public boolean done() {
    return ended;
  }

  @Override
  public boolean endOfInput() {
    ended = true;
    return true;
  }

  @Override
  public boolean closeDelimited() {
    return true;
  }
}
