package io.github.llamaclient;

import java.util.concurrent.Flow;
import org.reactivestreams.tck.flow.FlowPublisherVerification;
import org.testng.annotations.AfterClass;
import org.testng.SkipException;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

/**
 * The Reactive Streams TCK against {@link StreamingApi#publisher(Object)}: N elements
 * are N-1 content events and the final {@link ChatEvent.Done}, so a publisher of 0 elements does
 * not exist (the TCK skips the rules that need one).
 */
@SuppressWarnings("exports") // public for TestNG, in a package the module exports
public class EventPublisherTckTest extends FlowPublisherVerification<ChatEvent> {
  private TckServer server;
  private LlamaClient client;
  private LlamaClient failing;
  private final TckEnvironment environment;

  public EventPublisherTckTest() {
    this(new TckEnvironment(
            GeneratePublisherTckTest.TIMEOUT_MS, GeneratePublisherTckTest.NO_SIGNALS_MS, GeneratePublisherTckTest.POLL_MS),
        // the TCK's own rule 3.13 check waits this long before it collects (ours is checkRule313)
        5000);
  }

  private EventPublisherTckTest(TckEnvironment environment, long publisherReferenceGcTimeoutMillis) {
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
  public Flow.Publisher<ChatEvent> createFlowPublisher(long elements) {
    if (elements == 0) {
      return null;
    }
    return client.chat().publisher(TckServer.request(elements - 1));
  }

  @Override
  public Flow.Publisher<ChatEvent> createFailedFlowPublisher() {
    return failing.chat().publisher(TckServer.request(1));
  }

  // The TCK 1.0.4 flow adapter fails with NullPointerException instead of skipping when
  // createFlowPublisher(0) returns null; these three need a publisher of 0 elements.

  @Override
  @Test
  public void optional_spec105_emptyStreamMustTerminateBySignallingOnComplete() {
    throw new SkipException("an event publisher always ends with ChatEvent.Done: none is empty");
  }

  @Override
  @Test
  public void required_spec109_mustIssueOnSubscribeForNonNullSubscriber() {
    throw new SkipException("needs an empty publisher; checked by GeneratePublisherTckTest (same engine)");
  }

  @Override
  @Test
  public void required_spec109_subscribeThrowNPEOnNullSubscriber() {
    Flow.Publisher<ChatEvent> p = createFlowPublisher(1);
    try {
      p.subscribe(null);
    } catch (NullPointerException expected) {
      return;
    }
    throw new AssertionError("subscribe(null) must throw NullPointerException (rule 1.9)");
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
