/**
 * Chat sessions over llama-client: {@link io.github.llamaclient.session.SessionManager} keeps
 * {@link io.github.llamaclient.session.ChatSession}s by id, sends each turn with the session's
 * history, and commits the user's message and the reply together when the reply completes.
 *
 * <p>Everything here is non-null unless annotated {@code @Nullable}. Exceptions are unchecked and
 * extend {@link io.github.llamaclient.LlamaException}.
 */
@NullMarked
package io.github.llamaclient.session;

import org.jspecify.annotations.NullMarked;
