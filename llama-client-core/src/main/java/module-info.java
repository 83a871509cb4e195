/**
 * llama-client core: a streaming client for llama.cpp's {@code llama-server}.
 *
 * <p>Start at {@link io.github.llamaclient.LlamaClient}. Maven coordinates: {@code
 * io.github.llamaclient:llama-client-core} (the group is the module name).
 */
@org.jspecify.annotations.NullMarked
@SuppressWarnings("module") // the qualified export names the session module, not built with this one
module io.github.llamaclient {
  requires transitive java.net.http;
  requires com.fasterxml.jackson.databind;
  // static, not transitive: JSpecify is an optional Maven dependency, so a user's modular build
  // does not have it, and "requires static transitive" would make javac fail there with "module
  // not found: org.jspecify" (JpmsBlackBoxTest in the examples module compiles such a user).
  requires static org.jspecify;

  exports io.github.llamaclient;
  // the session module's pulled turns close themselves when dropped, with the same cleaner
  exports io.github.llamaclient.internal.flow to io.github.llamaclient.session;
}
