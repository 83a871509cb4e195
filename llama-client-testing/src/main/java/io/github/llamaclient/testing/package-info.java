/**
 * Testing code that consumes llama-server streams: {@link
 * io.github.llamaclient.testing.LlamaServerStub} (a loopback stand-in that serves {@link
 * io.github.llamaclient.testing.Recording}s and scripted streams, with faults and pacing), {@link
 * io.github.llamaclient.testing.Recorder} (records real exchanges through the client's wire hook)
 * and {@link io.github.llamaclient.testing.LlamaServerStubExtension} (JUnit 5). See {@code
 * docs/testing.md}.
 */
@NullMarked
package io.github.llamaclient.testing;

import org.jspecify.annotations.NullMarked;
