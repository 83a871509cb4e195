/** Engine layer (sse); not exported, not API. See {@code io.github.llamaclient.internal.exchange}. */
@NullMarked
package io.github.llamaclient.internal.sse;

import org.jspecify.annotations.NullMarked;
