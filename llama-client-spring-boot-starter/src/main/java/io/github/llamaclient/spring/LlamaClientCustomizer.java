package io.github.llamaclient.spring;

import io.github.llamaclient.LlamaClientBuilder;

/**
 * Changes the builder of the auto-configured {@link io.github.llamaclient.LlamaClient} after the
 * {@code llama.*} properties were applied, for what has no property (a wire listener, a callback
 * executor, default request fields). Every customizer bean is applied, in {@code @Order}.
 */
@FunctionalInterface
public interface LlamaClientCustomizer {

  /**
   * Changes the builder; called once, on the thread that creates the client bean.
   *
   * @param builder the builder, preset from the properties
   */
  void customize(LlamaClientBuilder builder);
}
