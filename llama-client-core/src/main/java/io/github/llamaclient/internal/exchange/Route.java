package io.github.llamaclient.internal.exchange;

import io.github.llamaclient.LlamaException;
import org.jspecify.annotations.Nullable;

/**
 * Where one exchange goes when the client talks to several servers: the target is picked when the
 * exchange starts, and another one only when no connection could be made to the picked one (the
 * request never left, so it is never sent twice). One route per exchange; the exchange calls it on
 * its producer side, one call at a time.
 */
public interface Route {

  /**
   * Picks the server for the first attempt.
   *
   * @param planned the request as the facet built it
   * @return the request aimed at the picked server
   * @throws LlamaException if no server can take it (the exchange fails with it)
   */
  Request first(Request planned);

  /**
   * Picks another server after no connection could be made to the last one.
   *
   * @param failed the request that could not be sent
   * @param why the connect failure
   * @return the request aimed at another server, or null to fail with {@code why}
   * @throws LlamaException to fail with it instead (no server is left)
   */
  @Nullable Request elsewhere(Request failed, LlamaException why);
}
