package io.github.llamaclient.session;

import java.util.Optional;

/**
 * A {@link SessionStore} that several processes use at once (for example a database behind a web
 * backend that runs as several instances). The one-turn-at-a-time rule then has to hold across
 * processes, and a process must not commit a turn over a newer state that another process wrote:
 *
 * <ul>
 *   <li>before a turn (and any other change), the {@link SessionManager} takes the session's
 *       {@linkplain #tryLease(String) lease}, after its own in-process permit; while another
 *       process holds it, the manager behaves as {@link WhenBusy} says ({@code FAIL}: {@link
 *       SessionBusyException}; {@code WAIT}: it tries again until its wait timeout, then {@link
 *       SessionWaitTimeoutException});
 *   <li>under the lease it reads the session afresh ({@link Lease#load()}) instead of trusting its
 *       memory, and commits with {@link Lease#save(SessionState)}, which writes only if nobody
 *       wrote the session since that read and the lease is still held; otherwise the turn fails
 *       with {@link SessionConflictException} and the history stays as the other process left it.
 * </ul>
 *
 * <p>A lease ends when it is {@linkplain Lease#close() closed}, or when it expires because its
 * process died: a store renews the leases it holds, so a lease outlives a slow turn but not its
 * process. Implementations must be thread-safe.
 */
public interface SharedSessionStore extends SessionStore {

  /**
   * Takes the session's lease if no other holder has a live one. Does not wait.
   *
   * @param id the session id (the session need not exist yet)
   * @return the lease, or empty if another holder has it
   * @throws SessionStoreException if the store cannot be reached
   */
  Optional<Lease> tryLease(String id);

  /**
   * The right to run one turn of one session, exclusive across every process that shares the
   * store. Used by one thread at a time; closed exactly once by its holder.
   */
  interface Lease extends AutoCloseable {

    /**
     * The session id.
     *
     * @return the id
     */
    String id();

    /**
     * Reads the session as the store has it now, and remembers which version was read for {@link
     * #save(SessionState)}.
     *
     * @return the session, or empty if the store has none with this id
     * @throws SessionStoreException if it cannot be read, or the lease was lost
     */
    Optional<SessionState> load();

    /**
     * Writes the session if nobody wrote it since the last {@link #load()} (or {@link #save}) and
     * the lease is still held; the saved state is then the one later saves compare with.
     *
     * @param state the new state, of this lease's session
     * @throws SessionConflictException if another process wrote or deleted the session since, or
     *     the lease expired and was taken: nothing was written
     * @throws SessionStoreException if it cannot be written; the earlier state is then intact
     */
    void save(SessionState state);

    /**
     * Gives the lease back, so another process can take it at once. Failures are not thrown: an
     * unreleased lease expires by itself.
     */
    @Override
    void close();
  }
}
