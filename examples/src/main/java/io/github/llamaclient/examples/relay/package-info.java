/**
 * The web relay: a small bounded HTTP/1.1 server (one selector thread, a fixed worker pool) that
 * relays replies to browsers as Server-Sent Events, keeps sessions with a history budget, and
 * serves a static chat page.
 */
@NullMarked
package io.github.llamaclient.examples.relay;

import org.jspecify.annotations.NullMarked;
