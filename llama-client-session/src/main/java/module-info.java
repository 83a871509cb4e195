/**
 * llama-client sessions: chat histories kept by session id over {@link
 * io.github.llamaclient.LlamaClient}, with one turn at a time per session, history budgets, slot
 * affinity and persistence.
 *
 * <p>Start at {@link io.github.llamaclient.session.SessionManager}. Maven coordinates: {@code
 * io.github.llamaclient:llama-client-session}.
 */
@org.jspecify.annotations.NullMarked
module io.github.llamaclient.session {
  requires transitive io.github.llamaclient;
  requires com.fasterxml.jackson.databind;
  // static, not transitive: JSpecify is an optional Maven dependency, so a user's modular build
  // does not have it (see core's module-info.java and JpmsBlackBoxTest in the examples module)
  requires static org.jspecify;

  exports io.github.llamaclient.session;
}
