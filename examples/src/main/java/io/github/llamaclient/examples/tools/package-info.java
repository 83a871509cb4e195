/** The tool loop: local Java functions offered to the model as tools, called until the model answers. */
@NullMarked
package io.github.llamaclient.examples.tools;

import org.jspecify.annotations.NullMarked;
