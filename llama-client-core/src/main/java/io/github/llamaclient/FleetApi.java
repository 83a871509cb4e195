package io.github.llamaclient;

import java.util.List;

/**
 * The servers of a client ({@link LlamaClient#fleet()}): what it knows of each, and a probe on
 * demand. With one server ({@link LlamaClientBuilder#baseUrl(java.net.URI)}) the list has that one,
 * known only once {@link #probe()} ran; with several ({@link LlamaClientBuilder#servers(List)}) a
 * daemon thread keeps it current. Thread-safe.
 */
public final class FleetApi {
  private final ClientContext context;

  FleetApi(ClientContext context) {
    this.context = context;
  }

  /**
   * Each server, in the order given, with its state, slots and this client's requests there.
   *
   * @return a snapshot
   */
  public List<ServerStatus> servers() {
    return context.fleet().servers();
  }

  /**
   * Probes every server now ({@code /health}, then {@code /slots} or {@code /props}) and waits for
   * the answers: a server that is back takes requests again at once, without waiting for the next
   * background probe.
   *
   * @return the servers after the probe
   * @throws StreamCancelledException if the calling thread is interrupted
   */
  public List<ServerStatus> probe() {
    context.fleet().probeAll();
    return servers();
  }
}
