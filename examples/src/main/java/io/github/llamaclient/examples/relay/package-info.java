/** The web relay: a JDK {@code com.sun.net.httpserver} server that relays replies to browsers as Server-Sent Events, with a static chat page. */
@NullMarked
package io.github.llamaclient.examples.relay;

import org.jspecify.annotations.NullMarked;
