package io.github.llamaclient;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Request defaults set on the client; a request's own value wins. */
record ClientDefaults(
    @Nullable String model,
    @Nullable Integer maxTokens,
    @Nullable Double temperature,
    Map<String, @Nullable Object> parameters) {
  static final ClientDefaults NONE = new ClientDefaults(null, null, null, Map.of());
}
