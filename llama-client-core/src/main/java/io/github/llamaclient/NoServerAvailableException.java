package io.github.llamaclient;

import java.util.List;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * No server of a client's several could take a request: every one is down or loading, or the
 * request could not connect to any that was left. The message names each server with its state.
 */
public final class NoServerAvailableException extends LlamaException {
  private static final long serialVersionUID = 1L;

  private final transient List<ServerStatus> servers;

  /**
   * Creates the exception.
   *
   * @param servers each server with its state, as the client saw them when it gave up
   * @param cause the last server's connect failure, or null when none was tried
   */
  public NoServerAvailableException(List<ServerStatus> servers, @Nullable Throwable cause) {
    super(
        "no llama-server can take the request: "
            + servers.stream().map(ServerStatus::toString).collect(Collectors.joining("; ")),
        cause);
    this.servers = List.copyOf(servers);
  }

  /**
   * Each server with its state when the client gave up.
   *
   * @return the servers
   */
  public List<ServerStatus> servers() {
    return servers;
  }
}
