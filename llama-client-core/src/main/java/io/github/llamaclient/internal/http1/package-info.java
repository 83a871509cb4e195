/**
 * The HTTP/1.1 transport for plain {@code http:} URLs: a strict RFC 9112 codec that knows nothing
 * of sockets ({@link io.github.llamaclient.internal.http1.HeadReader}, one {@link
 * io.github.llamaclient.internal.http1.BodyDecoder} per body framing, the keep-alive rules in
 * {@link io.github.llamaclient.internal.http1.KeepAlive}), the connection that feeds it ({@link
 * io.github.llamaclient.internal.http1.Http1Socket}) and the pool of idle connections ({@link
 * io.github.llamaclient.internal.http1.Http1Pool}). Not exported: public only for the API package.
 */
@NullMarked
package io.github.llamaclient.internal.http1;

import org.jspecify.annotations.NullMarked;
