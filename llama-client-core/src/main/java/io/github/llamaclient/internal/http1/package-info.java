/** Engine layer (http1); not exported, not API. See {@code io.github.llamaclient.internal.exchange}. */
@NullMarked
package io.github.llamaclient.internal.http1;

import org.jspecify.annotations.NullMarked;
