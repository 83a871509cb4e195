package io.github.llamaclient.internal.exchange;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The seam between the {@link Exchange} state machine and the bytes: one HTTP attempt at a time.
 * A transport moves bytes and reports facts; it decides nothing about retries, timeouts or errors
 * (the exchange does, the same way for every transport).
 *
 * <p>Two ways to be driven: a <em>pulled</em> transport does its I/O only inside {@link
 * Call#step()}, on the consuming thread; a <em>pushed</em> one reads on its own threads and calls
 * the {@link Receiver} there, asking for more only after {@link Call#demand()}.
 */
public interface Transport {
  /**
   * Whether calls are driven by {@link Call#step()} on the consuming thread.
   *
   * @return true for a pulled transport
   */
  boolean pulled();

  /**
   * Prepares one attempt. A pushed transport sends at {@link Call#begin()}; a pulled one at its
   * first {@link Call#step()}. Every outcome reaches {@code receiver}, exactly one of {@link Receiver#end()} and
   * {@link Receiver#failed(Exception, boolean)} at most once, and nothing after {@link
   * Call#abort()} returns.
   *
   * @param request the request
   * @param receiver where the response goes
   * @param mayReuse whether a kept-alive connection may be used (not for a resend)
   * @return the attempt
   */
  Call open(Request request, Receiver receiver, boolean mayReuse);

  /** Closes idle connections and anything else the transport owns; idempotent. */
  void close();

  /** One attempt. */
  interface Call {
    /** Pushed transports: sends the request (the receiver may be called before this returns). */
    default void begin() {}

    /**
     * Pulled transports: one blocking I/O step on the calling thread (connect and send, or read the
     * head, or read once and hand on what arrived).
     *
     * @return false when the call has nothing more to do (ended, failed or aborted)
     * @throws InterruptedException when the thread was interrupted; the connection is closed
     */
    boolean step() throws InterruptedException;

    /**
     * Pulled transports: whether the consuming thread is blocked in this call's socket I/O right
     * now (not decoding what it read). The response and idle limits count only then.
     *
     * @return true while blocked in a connect, write or read
     */
    default boolean blockedInIo() {
      return true;
    }

    /**
     * What the call waits for before it may even connect (a place under the client's limit on
     * connects in progress, {@link ConnectGate}), for the error if the response limit ends the
     * wait; null when it is not waiting there.
     *
     * @return the wait, or null
     */
    default @Nullable String waitingFor() {
      return null;
    }

    /** Pushed transports: the receiver wants more body bytes now (one more read). */
    void demand();

    /**
     * Ends the attempt: a connection whose response was read to its end and that may be kept alive
     * ({@code reusable}) goes back to the pool; any other is closed. From any thread; idempotent;
     * ends blocked I/O at once.
     *
     * @param reusable whether the exchange ended cleanly with the whole body read
     */
    void release(boolean reusable);

    /** Closes the connection now, from any thread; the same as {@code release(false)}. */
    default void abort() {
      release(false);
    }
  }

  /** Receives one attempt's response, on the thread doing the I/O, serially. */
  interface Receiver {
    /**
     * The response head (after any 1xx).
     *
     * @param status the status, 100 to 599
     * @param headers the headers, names in lower case
     */
    void head(int status, Map<String, List<String>> headers);

    /**
     * Body bytes (de-chunked); valid only during the call.
     *
     * @param buf the bytes
     * @param off where they start
     * @param len how many
     */
    void body(byte[] buf, int off, int len);

    /** Pushed transports: the bytes of one read were handed on; the receiver may ask for more. */
    default void delivered() {}

    /** The body ended as its framing says. */
    void end();

    /**
     * The attempt failed.
     *
     * @param failure what happened; {@link java.net.ConnectException} and the like while
     *     connecting, {@link io.github.llamaclient.LlamaException} subtypes for protocol errors
     *     wrapped as their cause
     * @param staleConnection whether the facts say the server had dropped a reused keep-alive
     *     connection: it was reused and not a byte of a response arrived on it
     */
    void failed(Exception failure, boolean staleConnection);
  }
}
