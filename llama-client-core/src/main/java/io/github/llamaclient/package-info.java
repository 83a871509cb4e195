/**
 * The llama-client API: {@link io.github.llamaclient.LlamaClient} and the request, event, result
 * and exception types it uses.
 *
 * <p>Everything here is non-null unless annotated {@code @Nullable}. All exceptions thrown by the
 * client are unchecked and extend {@link io.github.llamaclient.LlamaException}.
 *
 * <p><b>How the types may grow in 0.x.</b> The results and messages ({@link
 * io.github.llamaclient.ChatResult}, {@link io.github.llamaclient.CompletionResult}, {@link
 * io.github.llamaclient.ChatMessage}) are final classes with builders and no public constructor:
 * a new field arrives as a new accessor and a new builder method, and code that reads or builds
 * them keeps compiling. The smaller values ({@link io.github.llamaclient.Usage}, {@link
 * io.github.llamaclient.Timings}, {@link io.github.llamaclient.ToolCall}, {@link
 * io.github.llamaclient.TokenLogprob}, the {@link io.github.llamaclient.ChatEvent} records and the
 * like) are records: read their components freely, but their canonical constructors are not
 * stable API in 0.x: a minor release may add a component, and so change the constructor (CHANGELOG
 * then says so). Prefer the values the client gives you; construct them yourself only where you
 * must (tests, a history you restore).
 */
@NullMarked
package io.github.llamaclient;

import org.jspecify.annotations.NullMarked;
