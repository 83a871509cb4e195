package io.github.llamaclient.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamaclient.ChatEvent;
import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.ChatStream;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.StreamHandle;
import io.github.llamaclient.StreamListener;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/** The clients under test, each reduced to "stream one reply, hand each text delta to a recorder". */
final class Faces {
  private Faces() {}

  /** Receives the text deltas of one stream; stamps when each was seen. */
  static final class Recorder {
    final long[] seen;
    int count;
    long chars;

    /** Counts the recorders that saw their first delta (the scale run's "open"), or null. */
    java.util.concurrent.atomic.@org.jspecify.annotations.Nullable AtomicInteger opened;

    Recorder(int capacity) {
      this.seen = new long[capacity];
    }

    void delta(String s) {
      if (count == 0 && opened != null) {
        opened.incrementAndGet();
      }
      long t = System.nanoTime();
      if (count < seen.length) {
        seen[count] = t;
      }
      count++;
      chars += s.length();
    }
  }

  /** One way of consuming a stream. */
  abstract static class Face implements AutoCloseable {
    final String name;

    Face(String name) {
      this.name = name;
    }

    /** Streams one reply to its end. */
    abstract void stream(Recorder r) throws Exception;

    /** Streams until {@code n} deltas were seen, then closes/cancels; returns when close was called. */
    abstract long cancelAfter(int n) throws Exception;

    @Override
    public void close() {}
  }

  static final String REQUEST_JSON = "{\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}],\"stream\":true}";

  /** The baseline from the issue: JDK HttpClient {@code ofLines()} + Jackson {@code readTree} per data line. */
  static final class Baseline extends Face {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpRequest request;

    Baseline(String baseUrl) {
      super("JDK HttpClient ofLines + Jackson readTree (baseline)");
      this.request =
          HttpRequest.newBuilder(URI.create(baseUrl + "/v1/chat/completions"))
              .header("Content-Type", "application/json")
              .header("Accept", "text/event-stream")
              .POST(HttpRequest.BodyPublishers.ofString(REQUEST_JSON, StandardCharsets.UTF_8))
              .build();
    }

    private int lines(Recorder r, int stopAfter) throws IOException, InterruptedException {
      HttpResponse<Stream<String>> response = http.send(request, HttpResponse.BodyHandlers.ofLines());
      try (Stream<String> lines = response.body()) {
        Iterator<String> it = lines.iterator();
        while (it.hasNext()) {
          String line = it.next();
          if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
            continue;
          }
          JsonNode content = mapper.readTree(line.substring(6)).path("choices").path(0).path("delta").path("content");
          if (content.isTextual() && !content.textValue().isEmpty()) {
            r.delta(content.textValue());
            if (r.count == stopAfter) {
              return r.count;
            }
          }
        }
      }
      return r.count;
    }

    @Override
    void stream(Recorder r) throws Exception {
      lines(r, -1);
    }

    @Override
    long cancelAfter(int n) throws Exception {
      Recorder r = new Recorder(0);
      HttpResponse<Stream<String>> response = http.send(request, HttpResponse.BodyHandlers.ofLines());
      Stream<String> lines = response.body();
      Iterator<String> it = lines.iterator();
      while (it.hasNext() && r.count < n) {
        String line = it.next();
        if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
          JsonNode content = mapper.readTree(line.substring(6)).path("choices").path(0).path("delta").path("content");
          if (content.isTextual() && !content.textValue().isEmpty()) {
            r.delta(content.textValue());
          }
        }
      }
      long t = System.nanoTime();
      lines.close();
      return t;
    }
  }

  /**
   * The floor from the issue: a plain {@link java.net.Socket}, the request written by hand, and a
   * hand scan of the bytes for {@code "content":"...}; no HTTP or SSE parsing, no JSON, no
   * contracts. It shows what the machine allows, not a client anyone should use.
   */
  static final class Floor extends Face {
    private static final byte[] KEY = "\"delta\":{\"content\":\"".getBytes(StandardCharsets.US_ASCII);
    private final String host;
    private final int port;
    private final byte[] request;

    Floor(String baseUrl) {
      super("plain socket + hand scan (floor, no HTTP/SSE/JSON parsing)");
      URI u = URI.create(baseUrl);
      this.host = u.getHost();
      this.port = u.getPort();
      byte[] body = REQUEST_JSON.getBytes(StandardCharsets.UTF_8);
      this.request =
          ("POST /v1/chat/completions HTTP/1.1\r\nHost: " + host + ":" + port
                  + "\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: "
                  + body.length + "\r\n\r\n" + REQUEST_JSON)
              .getBytes(StandardCharsets.UTF_8);
    }

    @Override
    void stream(Recorder r) throws IOException {
      run(r, Integer.MAX_VALUE);
    }

    @Override
    long cancelAfter(int n) throws IOException {
      return run(new Recorder(0), n);
    }

    /** Streams until the end or {@code n} deltas; returns when it closed. */
    private long run(Recorder r, int n) throws IOException {
      try (java.net.Socket s = new java.net.Socket(host, port)) {
        s.setTcpNoDelay(true);
        s.getOutputStream().write(request);
        java.io.InputStream in = s.getInputStream();
        byte[] buf = new byte[16 * 1024];
        int matched = 0; // bytes of KEY matched so far
        boolean inText = false;
        StringBuilder text = new StringBuilder();
        int len;
        while ((len = in.read(buf)) > 0) {
          for (int i = 0; i < len; i++) {
            byte b = buf[i];
            if (inText) {
              if (b == '"' ) {
                inText = false;
                if (text.length() > 0) {
                  r.delta(text.toString());
                  if (r.count >= n) {
                    return System.nanoTime();
                  }
                }
                text.setLength(0);
              } else {
                text.append((char) b);
              }
            } else if (b == KEY[matched]) {
              if (++matched == KEY.length) {
                inText = true;
                matched = 0;
              }
            } else {
              matched = b == KEY[0] ? 1 : 0;
            }
          }
        }
        return System.nanoTime();
      }
    }
  }

  abstract static class Ours extends Face {
    final LlamaClient client;
    final ChatRequest request = ChatRequest.builder().user("hi").build();

    Ours(String name, String baseUrl) {
      super(name);
      // -Dbench.pushOnVirtualThreads=true: the push faces on a virtual thread each (JDK 21+)
      // -Dbench.readOnConsumingThread=false: every face through java.net.http
      // -Dbench.pushReaderThreads=N: another number of reader threads
      // -Dbench.maxConcurrentConnects=N: another limit on connects in progress (default 32)
      io.github.llamaclient.LlamaClientBuilder b =
          LlamaClient.builder()
              .baseUrl(baseUrl)
              .pushOnVirtualThreads(Boolean.getBoolean("bench.pushOnVirtualThreads"))
              .readOnConsumingThread(!"false".equals(System.getProperty("bench.readOnConsumingThread")))
              .maxConcurrentConnects(Integer.getInteger("bench.maxConcurrentConnects", 32));
      Integer readers = Integer.getInteger("bench.pushReaderThreads");
      if (readers != null) {
        b.pushReaderThreads(readers);
      }
      this.client = b.build();
    }

    @Override
    public void close() {
      client.close();
    }
  }

  /** {@code LlamaClient.generateStream(request)}: {@code Stream<String>}. */
  static final class OursStream extends Ours {
    OursStream(String baseUrl) {
      super("llama-client Stream<String>", baseUrl);
    }

    @Override
    void stream(Recorder r) {
      try (Stream<String> s = client.generateStream(request)) {
        Iterator<String> it = s.iterator();
        while (it.hasNext()) {
          r.delta(it.next());
        }
      }
    }

    @Override
    long cancelAfter(int n) {
      Recorder r = new Recorder(0);
      Stream<String> s = client.generateStream(request);
      Iterator<String> it = s.iterator();
      while (r.count < n && it.hasNext()) {
        r.delta(it.next());
      }
      long t = System.nanoTime();
      s.close();
      return t;
    }
  }

  /** {@code client.chat().stream(request)}: typed events through {@link ChatStream}. */
  static final class OursEvents extends Ours {
    OursEvents(String baseUrl) {
      super("llama-client ChatStream (typed events)", baseUrl);
    }

    @Override
    void stream(Recorder r) {
      try (ChatStream events = client.chat().stream(request)) {
        for (ChatEvent e : events) {
          if (e instanceof ChatEvent.Content) {
            r.delta(((ChatEvent.Content) e).text());
          }
        }
      }
    }

    @Override
    long cancelAfter(int n) {
      Recorder r = new Recorder(0);
      ChatStream events = client.chat().stream(request);
      Iterator<ChatEvent> it = events.iterator();
      while (r.count < n && it.hasNext()) {
        ChatEvent e = it.next();
        if (e instanceof ChatEvent.Content) {
          r.delta(((ChatEvent.Content) e).text());
        }
      }
      long t = System.nanoTime();
      events.close();
      return t;
    }
  }

  /** {@code client.chat().textPublisher(request)}, requesting in batches of 64. */
  static final class OursPublisher extends Ours {
    OursPublisher(String baseUrl) {
      super("llama-client Publisher<String>", baseUrl);
    }

    /** Starts a stream; {@code done} counts down when it ended, {@code failed} is set on error. */
    void start(Recorder r, CountDownLatch done, java.util.concurrent.atomic.AtomicInteger failed, int cancelAt, long[] cancelTime) {
      start(r, done, failed, cancelAt, cancelTime, new AtomicReference<>());
    }

    void start(
        Recorder r,
        CountDownLatch done,
        java.util.concurrent.atomic.AtomicInteger failed,
        int cancelAt,
        long[] cancelTime,
        AtomicReference<Throwable> firstFailure) {
      client.chat().textPublisher(request).subscribe(new Flow.Subscriber<String>() {
        private Flow.Subscription s;
        private int sinceRequest;

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
          s = subscription;
          s.request(64);
        }

        @Override
        public void onNext(String item) {
          r.delta(item);
          if (r.count == cancelAt) {
            cancelTime[0] = System.nanoTime();
            s.cancel();
            done.countDown();
            return;
          }
          if (++sinceRequest == 32) {
            sinceRequest = 0;
            s.request(32);
          }
        }

        @Override
        public void onError(Throwable throwable) {
          firstFailure.compareAndSet(null, throwable);
          failed.incrementAndGet();
          done.countDown();
        }

        @Override
        public void onComplete() {
          done.countDown();
        }
      });
    }

    @Override
    void stream(Recorder r) throws Exception {
      CountDownLatch done = new CountDownLatch(1);
      java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
      start(r, done, failed, -1, new long[1]);
      if (!done.await(60, TimeUnit.SECONDS) || failed.get() > 0) {
        throw new IllegalStateException(name + " did not complete");
      }
    }

    @Override
    long cancelAfter(int n) throws Exception {
      CountDownLatch done = new CountDownLatch(1);
      long[] t = new long[1];
      start(new Recorder(0), done, new java.util.concurrent.atomic.AtomicInteger(), n, t);
      if (!done.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException(name + " did not reach " + n + " deltas");
      }
      return t[0];
    }
  }

  /** {@code LlamaClient.generateStream(request, onChunk, onComplete, onError)}. */
  static final class OursCallbacks extends Ours {
    OursCallbacks(String baseUrl) {
      super("llama-client callbacks", baseUrl);
    }

    StreamHandle<ChatResult> start(Recorder r, CountDownLatch done, java.util.concurrent.atomic.AtomicInteger failed) {
      return start(r, done, failed, new AtomicReference<>());
    }

    StreamHandle<ChatResult> start(
        Recorder r, CountDownLatch done, java.util.concurrent.atomic.AtomicInteger failed, AtomicReference<Throwable> firstFailure) {
      return client.chat().subscribe(
          request, StreamListener.of(r::delta,
          result -> done.countDown(),
          e -> {
            firstFailure.compareAndSet(null, e);
            failed.incrementAndGet();
            done.countDown();
          }));
    }

    @Override
    void stream(Recorder r) throws Exception {
      CountDownLatch done = new CountDownLatch(1);
      java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
      start(r, done, failed);
      if (!done.await(60, TimeUnit.SECONDS) || failed.get() > 0) {
        throw new IllegalStateException(name + " did not complete");
      }
    }

    @Override
    long cancelAfter(int n) throws Exception {
      AtomicReference<StreamHandle<ChatResult>> handle = new AtomicReference<>();
      CountDownLatch reached = new CountDownLatch(1);
      long[] t = new long[1];
      Recorder r = new Recorder(0);
      StreamHandle<ChatResult> h =
          client.chat().subscribe(
              request, StreamListener.of(s -> {
                r.delta(s);
                if (r.count == n) {
                  StreamHandle<ChatResult> mine;
                  while ((mine = handle.get()) == null) {
                    Thread.onSpinWait();
                  }
                  t[0] = System.nanoTime();
                  mine.cancel();
                  reached.countDown();
                }
              },
              result -> reached.countDown(),
              e -> reached.countDown()));
      handle.set(h);
      if (!reached.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException(name + " did not reach " + n + " deltas");
      }
      return t[0];
    }
  }
}
