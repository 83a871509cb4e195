/**
 * Delivery to the faces. Now: {@link io.github.llamaclient.internal.flow.StreamCleaner}, which
 * closes the streams a caller dropped without closing them. Not exported, except to the session
 * module, whose pulled turns use the same cleaner.
 */
@NullMarked
package io.github.llamaclient.internal.flow;

import org.jspecify.annotations.NullMarked;
