package io.github.llamaclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * A loopback listener whose accept queue is full: Linux drops further SYNs (the client
 * retransmits), so a connect to it neither succeeds nor is refused until its own timeout, or until
 * it is closed. The queue is filled with plain sockets until one of them cannot connect either.
 */
public final class FullAcceptQueue implements AutoCloseable {
  private final ServerSocket server;
  private final List<Socket> fillers = new ArrayList<>();

  public FullAcceptQueue() throws IOException {
    server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    boolean filled = false;
    for (int i = 0; i < 50 && !filled; i++) {
      Socket s = new Socket();
      fillers.add(s);
      try {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), 200);
      } catch (SocketTimeoutException e) {
        filled = true;
      }
    }
    assertThat(filled).as("the accept queue filled up (Linux drops SYNs then)").isTrue();
  }

  /** The port it listens on. */
  public int port() {
    return server.getLocalPort();
  }

  @Override
  public void close() throws IOException {
    for (Socket s : fillers) {
      s.close();
    }
    server.close();
  }
}
