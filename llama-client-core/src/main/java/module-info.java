/**
 * llama-client core: a streaming client for llama.cpp's {@code llama-server}.
 *
 * <p>Start at {@link io.github.llamaclient.LlamaClient}.
 */
@org.jspecify.annotations.NullMarked
module io.github.llamaclient {
  requires transitive java.net.http;
  requires com.fasterxml.jackson.databind;
  requires static transitive org.jspecify;

  exports io.github.llamaclient;
}
