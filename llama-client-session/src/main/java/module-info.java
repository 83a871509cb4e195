/**
 * llama-client sessions: chat histories kept by session id over {@link
 * io.github.llamaclient.LlamaClient}, with one turn at a time per session, history budgets, slot
 * affinity and persistence.
 *
 * <p>Start at {@link io.github.llamaclient.session.SessionManager}.
 */
@org.jspecify.annotations.NullMarked
module io.github.llamaclient.session {
  requires transitive io.github.llamaclient;
  requires com.fasterxml.jackson.databind;
  requires static transitive org.jspecify;

  exports io.github.llamaclient.session;
}
