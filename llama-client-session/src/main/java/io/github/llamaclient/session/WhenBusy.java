package io.github.llamaclient.session;

/**
 * What a turn (or any other change) does when another turn of the same session is still running.
 * Sessions never run two turns at once; different sessions always run in parallel.
 */
public enum WhenBusy {
  /**
   * Wait until the running turn ends, then go on (the default). Waiters go on in the order they
   * came. The wait is bounded by {@link SessionManager.Builder#waitTimeout(java.time.Duration)}
   * (default 2 minutes): one that runs out throws {@link SessionWaitTimeoutException}, and nothing
   * is sent. Waiting is interruptible: an interrupted wait throws {@link
   * io.github.llamaclient.StreamCancelledException} and sets the thread's interrupt flag again.
   */
  WAIT,
  /** Fail at once with {@link SessionBusyException}; nothing is sent and nothing changes. */
  FAIL
}
