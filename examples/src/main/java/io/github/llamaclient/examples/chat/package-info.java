/** The terminal chat: an interactive chat with llama-server in a terminal ({@link io.github.llamaclient.examples.chat.TerminalChat}). */
@NullMarked
package io.github.llamaclient.examples.chat;

import org.jspecify.annotations.NullMarked;
