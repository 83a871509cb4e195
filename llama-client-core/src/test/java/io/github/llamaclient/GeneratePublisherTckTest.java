package io.github.llamaclient;

import java.util.concurrent.Flow;
import org.reactivestreams.tck.flow.FlowPublisherVerification;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

/**
 * The Reactive Streams TCK (TestNG, run on the JUnit Platform by the TestNG engine) against
 * {@link StreamingApi#textPublisher(Object)}: each element is one piece of answer text of
 * a replayed stream.
 */
@SuppressWarnings("exports") // public for TestNG, in a package the module exports
public class GeneratePublisherTckTest extends FlowPublisherVerification<String> {
  // the longest a signal the TCK expects may take (it goes on as soon as the signal comes): room for
  // a machine whose cores are busy with other work; the time it waits for signals that must NOT come
  // is NO_SIGNALS_MS
  static final long TIMEOUT_MS = 10_000;
  static final long NO_SIGNALS_MS = 100;
  static final long POLL_MS = 20;

  private TckServer server;
  private LlamaClient client;
  private LlamaClient failing;
  private final TckEnvironment environment;

  public GeneratePublisherTckTest() {
    this(new TckEnvironment(TIMEOUT_MS, NO_SIGNALS_MS, POLL_MS),
        // the TCK's own rule 3.13 check waits this long before it collects (ours is checkRule313)
        5000);
  }

  private GeneratePublisherTckTest(TckEnvironment environment, long publisherReferenceGcTimeoutMillis) {
    super(environment, publisherReferenceGcTimeoutMillis);
    this.environment = environment;
  }

  @BeforeClass
  public void start() {
    server = new TckServer();
    client = LlamaClient.builder().baseUrl(server.server.url("/").uri()).build();
    failing = LlamaClient.builder().baseUrl(server.server.url("/fail").uri()).build();
  }

  @AfterClass
  public void stop() {
    client.close();
    failing.close();
    server.close();
  }

  @Override
  public Flow.Publisher<String> createFlowPublisher(long elements) {
    return client.chat().textPublisher(TckServer.request(elements));
  }

  @Override
  public Flow.Publisher<String> createFailedFlowPublisher() {
    return failing.chat().textPublisher(TckServer.request(1));
  }

  /** See {@link TckEnvironment#checkRule313}: the TCK's check, with time for the reference to clear under load. */
  @Override
  @Test
  public void required_spec313_cancelMustMakeThePublisherEventuallyDropAllReferencesToTheSubscriber() throws Throwable {
    activePublisherTest(3, false, environment::checkRule313);
  }

  @Override
  public long maxElementsFromPublisher() {
    return 1024;
  }
}
