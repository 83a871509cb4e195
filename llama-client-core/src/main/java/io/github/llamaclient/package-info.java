/**
 * The llama-client API: {@link io.github.llamaclient.LlamaClient} and the request, event, result
 * and exception types it uses.
 *
 * <p>Everything here is non-null unless annotated {@code @Nullable}. All exceptions thrown by the
 * client are unchecked and extend {@link io.github.llamaclient.LlamaException}.
 */
@NullMarked
package io.github.llamaclient;

import org.jspecify.annotations.NullMarked;
