/**
 * The engine's core: one {@link io.github.llamaclient.internal.exchange.Exchange} state machine
 * per request, the {@link io.github.llamaclient.internal.exchange.Transport} seam with its two
 * implementations (our HTTP/1.1 reader and {@code java.net.http}), and the policies every transport
 * shares (timeouts on an injectable {@link io.github.llamaclient.internal.exchange.Clock}, the one
 * retry rule). Not exported: not API.
 */
@NullMarked
package io.github.llamaclient.internal.exchange;

import org.jspecify.annotations.NullMarked;
