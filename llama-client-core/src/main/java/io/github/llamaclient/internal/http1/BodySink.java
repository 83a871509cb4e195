package io.github.llamaclient.internal.http1;

/** Receives decoded body bytes. */
@FunctionalInterface
public interface BodySink {
  /**
   * Takes body bytes; {@code buf} is only valid during the call (it is the connection's read
   * buffer). Called on the thread that reads the connection.
   */
  void data(byte[] buf, int off, int len);
}
