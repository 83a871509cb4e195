package io.github.llamaclient;

import io.github.llamaclient.internal.exchange.Engine;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A client for one llama-server. Immutable and thread-safe: build one and share it.
 *
 * <pre>{@code
 * try (LlamaClient client = LlamaClient.create()) {                  // http://localhost:8080
 *   ChatRequest request = ChatRequest.builder().user("Tell me about AI.").build();
 *   try (Stream<String> text = client.generateStream(request)) {    // the answer, token by token
 *     text.forEach(System.out::print);
 *   }
 * }
 * }</pre>
 *
 * <p>The endpoints are grouped in facets, each the same object for the life of the client:
 *
 * <ul>
 *   <li>{@link #chat()}: chat replies, through every face of {@link StreamingApi} (pulled text and
 *       typed events, Reactive Streams publishers, a {@link StreamListener}, blocking and async
 *       calls), a reply that is not streamed, and a tool loop;
 *   <li>{@link #completions()}: raw completions, native {@code /completion} and OpenAI-style
 *       {@code /v1/completions} ({@link CompletionsApi#openAi()}), with the same faces, and infill;
 *   <li>{@link #tokenizer()}: tokenize, count, detokenize, apply the chat template;
 *   <li>{@link #slots()}: list slots, save, restore and erase their prompt caches;
 *   <li>{@link #server()}: health and waiting for the model, properties, metrics, models;
 *   <li>{@link #embeddings()}: embeddings and reranking.
 * </ul>
 *
 * <p>Contracts of every face: closing or cancelling closes the HTTP connection, so llama-server
 * stops generating; the connect, response-headers and idle limits are enforced and each has its
 * own {@link LlamaTimeoutException}; every failure is a {@link LlamaException} subtype that says
 * what happened; memory stays bounded ({@link LlamaClientBuilder#maxLineBytes(int)}, {@link
 * LlamaClientBuilder#maxResponseChars(int)}); the API key and the credentials of the base URL never
 * appear in {@code toString()}, exceptions or logs, not even where a message quotes what the server
 * sent back ({@code ***} stands in for them).
 *
 * <p>Close the client ({@link #close()}) to release the threads of an HTTP client it built itself;
 * a client built over your own {@link HttpClient} leaves that to you.
 */
public final class LlamaClient implements AutoCloseable {

  /** The default server address, {@code http://localhost:8080}. */
  public static final URI DEFAULT_BASE_URL = URI.create("http://localhost:8080");

  private final ClientContext context;
  private final ChatApi chat;
  private final CompletionsApi completions;
  private final TokenizerApi tokenizer;
  private final SlotsApi slots;
  private final ServerApi server;
  private final EmbeddingsApi embeddings;
  private final FleetApi fleet;
  private final ModelsApi models;

  LlamaClient(ClientContext context) {
    this.context = context;
    this.chat = new ChatApi(context);
    this.completions = new CompletionsApi(context);
    this.tokenizer = new TokenizerApi(context);
    this.slots = new SlotsApi(context);
    this.server = new ServerApi(context);
    this.embeddings = new EmbeddingsApi(context);
    this.fleet = new FleetApi(context);
    this.models = new ModelsApi(context);
  }

  /**
   * A builder for a client that creates its own {@link HttpClient} (HTTP/1.1, the builder's
   * connect timeout).
   *
   * @return a builder with the defaults: {@code http://localhost:8080}, connect timeout 5 s,
   *     response timeout 10 min, idle timeout 60 s
   */
  public static LlamaClientBuilder builder() {
    return new LlamaClientBuilder(null);
  }

  /**
   * A builder for a client over your own {@link HttpClient}. Its connect timeout, proxy, TLS and
   * executor apply. Requests are sent as HTTP/1.1 whatever the client's default version, since
   * llama-server does not speak HTTP/2 (an h2c upgrade attempt would be wasted).
   *
   * <p>Keep its redirect policy at the default, {@link HttpClient.Redirect#NEVER}: an {@code
   * HttpClient} that follows redirects sends the {@code Authorization} header (the API key, or the
   * base URL's credentials) on to whatever host a redirect names. This client itself never follows
   * one: a 3xx fails with {@link LlamaHttpException}.
   *
   * @param httpClient the client to send requests with; not closed by {@link #close()}
   * @return a builder
   * @throws NullPointerException if {@code httpClient} is null
   */
  public static LlamaClientBuilder builder(HttpClient httpClient) {
    return new LlamaClientBuilder(Objects.requireNonNull(httpClient, "httpClient"));
  }

  /**
   * A client with all defaults: {@code http://localhost:8080}, no API key.
   *
   * @return the client
   */
  public static LlamaClient create() {
    return builder().build();
  }

  /**
   * A client configured from environment variables: {@code LLAMA_SERVER_URL} (or {@code
   * LLM_SERVER_URL}), {@code LLAMA_API_KEY} (or {@code LLM_API_KEY}), {@code LLM_TIMEOUT} (seconds,
   * used as the response and idle timeouts), {@code LLM_TEMPERATURE} and {@code LLM_MAX_TOKENS}
   * (request defaults). Unset variables keep the builder's defaults.
   *
   * @return the client
   * @throws IllegalArgumentException if a variable is set to a bad value (the message names it,
   *     never the key)
   * @throws IllegalStateException if the URL has credentials and a key is set too (see {@link
   *     LlamaClientBuilder#build()})
   */
  public static LlamaClient fromEnv() {
    return builderFromEnv(System.getenv()).build();
  }

  /**
   * A builder preset from the given variables, as {@link #fromEnv()} reads them; set more on it
   * before building.
   *
   * @param env the variables, for example {@code System.getenv()}
   * @return the builder
   * @throws NullPointerException if {@code env} is null
   * @throws IllegalArgumentException if a variable is set to a bad value (the message names it,
   *     never the key)
   */
  public static LlamaClientBuilder builderFromEnv(Map<String, String> env) {
    LlamaClientBuilder b = builder();
    String url = first(env, "LLAMA_SERVER_URL", "LLM_SERVER_URL");
    if (url != null) {
      try {
        b.baseUrl(url);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("LLAMA_SERVER_URL/LLM_SERVER_URL: " + e.getMessage(), e);
      }
    }
    String key = first(env, "LLAMA_API_KEY", "LLM_API_KEY");
    if (key != null) {
      try {
        b.apiKey(key);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("LLAMA_API_KEY/LLM_API_KEY: " + e.getMessage(), e);
      }
    }
    String timeout = first(env, "LLM_TIMEOUT");
    if (timeout != null) {
      Duration d;
      try {
        d = Duration.ofMillis(Math.round(Double.parseDouble(timeout) * 1000));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("LLM_TIMEOUT must be a number of seconds, was '" + timeout + "'", e);
      }
      try {
        b.responseTimeout(d).idleTimeout(d);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("LLM_TIMEOUT: " + e.getMessage(), e);
      }
    }
    String temperature = first(env, "LLM_TEMPERATURE");
    if (temperature != null) {
      try {
        b.defaultTemperature(Double.parseDouble(temperature));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("LLM_TEMPERATURE must be a number from 0 to 100, was '" + temperature + "'", e);
      }
    }
    String maxTokens = first(env, "LLM_MAX_TOKENS");
    if (maxTokens != null) {
      try {
        b.defaultMaxTokens(Integer.parseInt(maxTokens));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("LLM_MAX_TOKENS must be a whole number, -1 or more, was '" + maxTokens + "'", e);
      }
    }
    return b;
  }

  private static @Nullable String first(Map<String, String> env, String... names) {
    for (String n : names) {
      String v = env.get(n);
      if (v != null && !v.isBlank()) {
        return v.trim();
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- facets

  /**
   * Streams the answer text of a chat reply, token by token, pulled by the calling thread: the
   * same as {@code chat().textStream(request)} ({@link
   * StreamingApi#textStream(Object)} says the rules). Close the stream (try-with-resources) to stop
   * early: the connection is closed and llama-server stops generating.
   *
   * @param request the request
   * @return the text pieces, in order; terminal operations throw {@link LlamaException} subtypes
   * @throws NullPointerException if {@code request} is null
   */
  public Stream<String> generateStream(ChatRequest request) {
    return chat.textStream(request);
  }

  /**
   * Chat replies ({@code /v1/chat/completions}): every streaming face, a reply that is not
   * streamed, and a tool loop.
   *
   * @return the chat facet
   */
  public ChatApi chat() {
    return chat;
  }

  /**
   * Raw completions: native {@code /completion}, OpenAI-style {@code /v1/completions} through
   * {@link CompletionsApi#openAi()}, and {@code /infill}.
   *
   * @return the completions facet
   */
  public CompletionsApi completions() {
    return completions;
  }

  /**
   * The model's tokenizer and chat template: tokenize, count, detokenize, apply the template.
   *
   * @return the tokenizer facet
   */
  public TokenizerApi tokenizer() {
    return tokenizer;
  }

  /**
   * The server's slots and their prompt caches.
   *
   * @return the slots facet
   */
  public SlotsApi slots() {
    return slots;
  }

  /**
   * The server itself: health, waiting for the model, properties, metrics, models.
   *
   * @return the server facet
   */
  public ServerApi server() {
    return server;
  }

  /**
   * Embeddings and reranking.
   *
   * @return the embeddings facet
   */
  public EmbeddingsApi embeddings() {
    return embeddings;
  }

  /**
   * The servers this client talks to ({@link LlamaClientBuilder#servers(java.util.List)}): their
   * state, slots and this client's requests at each, and a probe on demand.
   *
   * @return the fleet facet
   */
  public FleetApi fleet() {
    return fleet;
  }

  /**
   * The models of a llama-server in router mode: list, load, unload, wait for one to load.
   *
   * @return the models facet
   */
  public ModelsApi models() {
    return models;
  }

  // ---------------------------------------------------------------- settings

  /**
   * The server's base URL, without the credentials it may have been given with (those are sent
   * as {@code Authorization: Basic}, see {@link LlamaClientBuilder#baseUrl(URI)}).
   *
   * @return the URL
   */
  public URI baseUrl() {
    return context.baseUrl();
  }

  /**
   * The connect timeout set on the builder (a client over your own HttpClient uses that one's).
   *
   * @return the timeout
   */
  public Duration connectTimeout() {
    return context.connectTimeout();
  }

  /**
   * The longest wait for response headers. llama-server sends them only with the first token, so
   * this covers prompt processing.
   *
   * @return the timeout
   */
  public Duration responseTimeout() {
    return context.responseTimeout();
  }

  /**
   * The longest silence allowed between two chunks of a stream.
   *
   * @return the timeout
   */
  public Duration idleTimeout() {
    return context.idleTimeout();
  }

  /** Tests: the engine of this client. */
  Engine engine() {
    return context.engine();
  }

  /** Tests: the stream limiter, if any. */
  @Nullable StreamLimiter limiter() {
    return context.limiter();
  }

  /** Connects in progress now to the base URL's server, for tests. */
  int connectsInProgress() {
    return context.connectsInProgress();
  }

  /** Push streams whose reading is paused for their consumer on the reader threads, or -1 without them; for tests. */
  int pausedPushReads() {
    return context.pausedPushReads();
  }

  /** Connects waiting for a place now, to the base URL's server, for tests. */
  int connectsWaiting() {
    return context.connectsWaiting();
  }

  /** The exchanges this client has open now, for tests. */
  int openExchanges() {
    return context.openExchanges();
  }

  /**
   * Closes the client: streams read on their consuming threads fail with {@link
   * StreamCancelledException} and their connections close, idle keep-alive connections close, the
   * callback executor the client made is shut down (signals already queued are still delivered),
   * and on JDK 21 and later the HTTP client this client built is shut down, failing its open
   * exchanges (an {@code HttpClient} you passed is left alone). Streams started after this fail at
   * once with {@link LlamaException}. Idempotent.
   */
  @Override
  public void close() {
    context.close();
  }

  @Override
  public String toString() {
    return "LlamaClient[" + context.baseUrl() + ", " + context.authorizationShown() + "]";
  }
}
