package runner;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.PrintWriter;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/** Stands in for Maven Surefire: runs one test class, prints a summary, exits 1 on a failure. */
public final class RunTests {
  private RunTests() {}

  public static void main(String[] args) throws Exception {
    Class<?> testClass = Class.forName(args[0]);
    Class<?> stub = Class.forName("io.github.llamaclient.testing.LlamaServerStub");
    System.out.println("MODULE test " + testClass.getModule().getName() + " stub " + stub.getModule().getName());
    Launcher launcher = LauncherFactory.create();
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass)).build(), listener);
    TestExecutionSummary summary = listener.getSummary();
    summary.printFailuresTo(new PrintWriter(System.out, true), 20);
    System.out.println("TESTS found " + summary.getTestsFoundCount() + " succeeded " + summary.getTestsSucceededCount()
        + " failed " + summary.getTotalFailureCount());
    System.exit(summary.getTotalFailureCount() == 0 && summary.getTestsFoundCount() > 0 ? 0 : 1);
  }
}
