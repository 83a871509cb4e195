package io.github.llamaclient.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/** Runs sample test classes through the JUnit launcher and checks what the extension did. */
class LlamaServerStubExtensionTest {
  static final List<Object> SEEN = new CopyOnWriteArrayList<>();

  /** A user's test class (nested: surefire does not run it by itself). */
  @ExtendWith(LlamaServerStubExtension.class)
  static class Sample {
    private LlamaServerStub beforeEach;

    @BeforeEach
    void setUp(LlamaServerStub stub) {
      beforeEach = stub;
    }

    @Test
    void first(LlamaServerStub stub, ManualClock clock) {
      SEEN.add(stub);
      SEEN.add(clock);
      assertThat(stub).isSameAs(beforeEach);
      assertThat(stub.clock()).isSameAs(clock);
      assertThat(reachable(stub)).isTrue();
    }

    @Test
    void second(LlamaServerStub stub) {
      SEEN.add(stub);
      assertThat(stub.clock()).isSameAs(StubClock.system());
    }
  }

  @Test
  void injectsAStubPerTestAndClosesItAfterwards() {
    SEEN.clear();
    TestExecutionSummary summary = run(Sample.class);

    assertThat(summary.getFailures()).extracting(f -> f.getException().toString()).isEmpty();
    assertThat(summary.getTestsSucceededCount()).isEqualTo(2);
    List<LlamaServerStub> stubs = SEEN.stream().filter(LlamaServerStub.class::isInstance).map(LlamaServerStub.class::cast).toList();
    assertThat(stubs).hasSize(2).doesNotHaveDuplicates();
    assertThat(stubs).allSatisfy(s -> assertThat(reachable(s)).as(s + " closed after its test").isFalse());
  }

  private static TestExecutionSummary run(Class<?> testClass) {
    Launcher launcher = LauncherFactory.create();
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass)).build(), listener);
    return listener.getSummary();
  }

  static boolean reachable(LlamaServerStub stub) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(stub.url().getHost(), stub.url().getPort()), 2000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
