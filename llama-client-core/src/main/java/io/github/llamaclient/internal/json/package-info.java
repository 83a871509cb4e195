/** Engine layer (json); not exported, not API. See {@code io.github.llamaclient.internal.exchange}. */
@NullMarked
package io.github.llamaclient.internal.json;

import org.jspecify.annotations.NullMarked;
