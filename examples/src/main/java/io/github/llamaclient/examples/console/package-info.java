/** The smallest program: stream one reply to standard output. */
@NullMarked
package io.github.llamaclient.examples.console;

import org.jspecify.annotations.NullMarked;
