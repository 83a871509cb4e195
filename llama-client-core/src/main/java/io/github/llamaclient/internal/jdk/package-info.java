/** Engine layer (jdk); not exported, not API. See {@code io.github.llamaclient.internal.exchange}. */
@NullMarked
package io.github.llamaclient.internal.jdk;

import org.jspecify.annotations.NullMarked;
