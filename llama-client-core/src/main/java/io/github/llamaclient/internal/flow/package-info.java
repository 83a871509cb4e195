/** Engine layer (flow); not exported, not API. See {@code io.github.llamaclient.internal.exchange}. */
@NullMarked
package io.github.llamaclient.internal.flow;

import org.jspecify.annotations.NullMarked;
