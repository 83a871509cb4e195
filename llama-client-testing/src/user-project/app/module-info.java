open module com.example.ticker {
  requires io.github.llamaclient;
  requires io.github.llamaclient.testing;
  requires org.junit.jupiter.api;
}
