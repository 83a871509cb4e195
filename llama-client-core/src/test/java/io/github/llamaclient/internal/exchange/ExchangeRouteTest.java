package io.github.llamaclient.internal.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamaclient.LlamaException;
import io.github.llamaclient.testing.MockTransport;
import io.github.llamaclient.testing.MockTransport.MockCall;
import io.github.llamaclient.testing.MockTransport.Mode;
import java.net.ConnectException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A routed exchange (several servers): a request that could not connect goes to the next server
 * once per failed attempt, however often the transport reports that attempt's failure, and a late
 * report of an attempt already moved elsewhere moves nothing.
 */
class ExchangeRouteTest extends ExchangeFixture {

  /** Two servers; records every call. */
  private static final class TwoServers implements Route {
    final List<URI> firsts = new ArrayList<>();
    final List<String> elsewhere = new ArrayList<>();
    int next;

    @Override
    public synchronized Request first(Request planned) {
      firsts.add(planned.uri());
      return planned.at(URI.create("http://127.0.0.1:1001"), "/v1/chat/completions");
    }

    @Override
    public synchronized @Nullable Request elsewhere(Request failed, LlamaException why) {
      elsewhere.add(failed.uri().getAuthority());
      next++;
      return next == 1 ? failed.at(URI.create("http://127.0.0.1:1002"), "/v1/chat/completions") : null;
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aFailureReportedTwiceMovesTheRequestOnce(Mode mode) throws Exception {
    MockTransport t = new MockTransport(mode);
    TestSink<Exchange.Collected> sink = new TestSink<>();
    Exchange<Exchange.Collected> x = collecting(t, post(false, false), sink);
    TwoServers route = new TwoServers();
    x.route(route);
    x.start();
    MockCall first = t.call(0);
    // the same attempt's failure, reported twice (as the JDK's future and its body subscriber may)
    first.fail(new ConnectException("refused"), false).fail(new ConnectException("refused again"), false);
    pump(x, t);
    assertThat(route.elsewhere).as("moved once, from the first server").containsExactly("127.0.0.1:1001");
    MockCall second = t.call(1);
    assertThat(second.request().uri().getAuthority()).isEqualTo("127.0.0.1:1002");
    first.fail(new ConnectException("late"), false); // the first attempt, late: moves nothing
    second.head(200, "Content-Type", JSON).body("{}").end();
    pump(x, t);
    assertThat(route.elsewhere).hasSize(1);
    assertThat(sink.failure).isNull();
    assertThat(sink.terminals.get()).isEqualTo(1);
    assertThat(t.attempts()).isEqualTo(2);
  }
}
