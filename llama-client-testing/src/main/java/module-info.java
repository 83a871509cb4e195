/**
 * llama-client testing: a llama-server stand-in for users' tests ({@link
 * io.github.llamaclient.testing.LlamaServerStub}), recordings and the {@link
 * io.github.llamaclient.testing.Recorder} that makes them, and a JUnit 5 extension. Add it at test
 * scope.
 */
@org.jspecify.annotations.NullMarked
module io.github.llamaclient.testing {
  // the stub is used with a LlamaClient, and the extension's types are JUnit's: a test module that
  // requires this one reads both
  requires transitive io.github.llamaclient;
  requires transitive org.junit.jupiter.api;
  requires com.fasterxml.jackson.databind;
  requires static org.jspecify;

  exports io.github.llamaclient.testing;
}
