package io.github.llamaclient.internal.http1;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;

/**
 * A connected {@link SocketChannel} that needs no socket: each {@code read} returns the next piece
 * of a script (an empty piece is a non-blocking read that finds nothing), then the end of the
 * stream. Writes are taken whole. For driving {@link Http1Socket} through exact read boundaries.
 */
final class ScriptedChannel extends SocketChannel {
  private final ArrayDeque<byte[]> reads;
  private byte[] current = new byte[0];
  private int at;

  ScriptedChannel(List<byte[]> reads) {
    super(SelectorProvider.provider());
    this.reads = new ArrayDeque<>(reads);
  }

  @Override
  public int read(ByteBuffer dst) {
    if (at == current.length) {
      byte[] next = reads.poll();
      if (next == null) {
        return -1;
      }
      current = next;
      at = 0;
      if (next.length == 0) {
        return 0; // nothing now
      }
    }
    int n = Math.min(dst.remaining(), current.length - at);
    dst.put(current, at, n);
    at += n;
    return n;
  }

  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) {
    throw new UnsupportedOperationException();
  }

  @Override
  public int write(ByteBuffer src) {
    int n = src.remaining();
    src.position(src.limit());
    return n;
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) {
    long n = 0;
    for (int i = offset; i < offset + length; i++) {
      n += write(srcs[i]);
    }
    return n;
  }

  @Override
  public SocketChannel bind(SocketAddress local) {
    return this;
  }

  @Override
  public <T> SocketChannel setOption(SocketOption<T> name, T value) {
    return this;
  }

  @Override
  public <T> T getOption(SocketOption<T> name) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Set<SocketOption<?>> supportedOptions() {
    return Set.of();
  }

  @Override
  public SocketChannel shutdownInput() {
    return this;
  }

  @Override
  public SocketChannel shutdownOutput() {
    return this;
  }

  @Override
  public Socket socket() {
    throw new UnsupportedOperationException();
  }

  @Override
  public boolean isConnected() {
    return true;
  }

  @Override
  public boolean isConnectionPending() {
    return false;
  }

  @Override
  public boolean connect(SocketAddress remote) {
    return true;
  }

  @Override
  public boolean finishConnect() {
    return true;
  }

  @Override
  public SocketAddress getRemoteAddress() {
    return null;
  }

  @Override
  public SocketAddress getLocalAddress() {
    return null;
  }

  @Override
  protected void implCloseSelectableChannel() throws IOException {}

  @Override
  protected void implConfigureBlocking(boolean block) {}
}
