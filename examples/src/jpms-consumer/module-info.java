/**
 * A user's application that depends on llama-client as a named module, compiled and run from the
 * built jars by {@code JpmsBlackBoxTest} (examples' tests). It requires the client module only:
 * {@code java.net.http} comes with it ({@code requires transitive}), Jackson must not.
 */
// tag::module[]
module io.github.llamaclient.examples.jpms {
  requires io.github.llamaclient;
}
// end::module[]
