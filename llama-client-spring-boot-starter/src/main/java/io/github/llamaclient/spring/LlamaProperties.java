package io.github.llamaclient.spring;

import io.github.llamaclient.session.WhenBusy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code llama.*} properties. A setting left unset falls back to the seed's environment
 * variables ({@code LLM_SERVER_URL}, {@code LLM_TIMEOUT}, {@code LLM_TEMPERATURE}, {@code
 * LLM_MAX_TOKENS}, {@code LLM_API_KEY}, as {@link io.github.llamaclient.LlamaClient#fromEnv()}
 * reads them), then to the client's defaults. {@code LLAMA_SERVER_URL} and {@code LLAMA_API_KEY}
 * bind to {@code llama.server-url} and {@code llama.api-key} by Spring's relaxed binding.
 *
 * <p>A mutable bean, as Spring binds it; read by the auto-configuration once, at start-up.
 */
@ConfigurationProperties("llama")
public class LlamaProperties {

  /** The llama-server base URL, for example http://localhost:8080 (default: LLM_SERVER_URL, else http://localhost:8080). */
  private @Nullable URI serverUrl;

  /** The API key of llama-server's --api-key, sent as a bearer token (default: LLM_API_KEY). */
  private @Nullable String apiKey;

  /** Longest wait to connect to llama-server (default 5s). */
  private @Nullable Duration connectTimeout;

  /** Longest wait for the response headers, which llama-server sends with the first token (default: LLM_TIMEOUT, else 10m). */
  private @Nullable Duration responseTimeout;

  /** Longest silence allowed between two chunks of a stream (default: LLM_TIMEOUT, else 60s). */
  private @Nullable Duration idleTimeout;

  /** The temperature sent when a request sets none (default: LLM_TEMPERATURE, else the server's). */
  private @Nullable Double temperature;

  /** The max_tokens sent when a request sets none (default: LLM_MAX_TOKENS, else the server's). */
  private @Nullable Integer maxTokens;

  private final Concurrency concurrency = new Concurrency();
  private final Session session = new Session();
  private final Web web = new Web();
  private final RateLimit rateLimit = new RateLimit();

  /** Creates the properties with their defaults. */
  public LlamaProperties() {}

  /**
   * Returns the server URL, or null for the environment's or the default.
   *
   * @return the server URL, or null for the environment's or the default
   */
  public @Nullable URI getServerUrl() {
    return serverUrl;
  }

  /**
   * Sets the server URL.
   *
   * @param serverUrl the server URL
   */
  public void setServerUrl(@Nullable URI serverUrl) {
    this.serverUrl = serverUrl;
  }

  /**
   * Returns the API key, or null.
   *
   * @return the API key, or null
   */
  public @Nullable String getApiKey() {
    return apiKey;
  }

  /**
   * Sets the API key.
   *
   * @param apiKey the API key
   */
  public void setApiKey(@Nullable String apiKey) {
    this.apiKey = apiKey;
  }

  /**
   * Returns the connect timeout, or null for the default.
   *
   * @return the connect timeout, or null for the default
   */
  public @Nullable Duration getConnectTimeout() {
    return connectTimeout;
  }

  /**
   * Sets the connect timeout.
   *
   * @param connectTimeout the connect timeout
   */
  public void setConnectTimeout(@Nullable Duration connectTimeout) {
    this.connectTimeout = connectTimeout;
  }

  /**
   * Returns the response timeout, or null for the default.
   *
   * @return the response timeout, or null for the default
   */
  public @Nullable Duration getResponseTimeout() {
    return responseTimeout;
  }

  /**
   * Sets the response timeout.
   *
   * @param responseTimeout the response timeout
   */
  public void setResponseTimeout(@Nullable Duration responseTimeout) {
    this.responseTimeout = responseTimeout;
  }

  /**
   * Returns the idle timeout, or null for the default.
   *
   * @return the idle timeout, or null for the default
   */
  public @Nullable Duration getIdleTimeout() {
    return idleTimeout;
  }

  /**
   * Sets the idle timeout.
   *
   * @param idleTimeout the idle timeout
   */
  public void setIdleTimeout(@Nullable Duration idleTimeout) {
    this.idleTimeout = idleTimeout;
  }

  /**
   * Returns the default temperature, or null.
   *
   * @return the default temperature, or null
   */
  public @Nullable Double getTemperature() {
    return temperature;
  }

  /**
   * Sets the default temperature.
   *
   * @param temperature the default temperature
   */
  public void setTemperature(@Nullable Double temperature) {
    this.temperature = temperature;
  }

  /**
   * Returns the default max_tokens, or null.
   *
   * @return the default max_tokens, or null
   */
  public @Nullable Integer getMaxTokens() {
    return maxTokens;
  }

  /**
   * Sets the default max_tokens.
   *
   * @param maxTokens the default max_tokens
   */
  public void setMaxTokens(@Nullable Integer maxTokens) {
    this.maxTokens = maxTokens;
  }

  /**
   * Returns the {@code llama.concurrency.*} settings.
   *
   * @return the {@code llama.concurrency.*} settings
   */
  public Concurrency getConcurrency() {
    return concurrency;
  }

  /**
   * Returns the {@code llama.session.*} settings.
   *
   * @return the {@code llama.session.*} settings
   */
  public Session getSession() {
    return session;
  }

  /**
   * Returns the {@code llama.web.*} settings.
   *
   * @return the {@code llama.web.*} settings
   */
  public Web getWeb() {
    return web;
  }

  /**
   * Returns the {@code llama.rate-limit.*} settings.
   *
   * @return the {@code llama.rate-limit.*} settings
   */
  public RateLimit getRateLimit() {
    return rateLimit;
  }

  /** How many streams the client runs at once ({@code llama.concurrency.*}). */
  public static class Concurrency {
    /** Limit concurrent streams to the server's slot count, read from GET /props on the first stream. */
    private boolean fromServerSlots = true;

    /** A fixed limit on concurrent streams, in place of the server's slot count. */
    private @Nullable Integer maxStreams;

    /** How many streams may wait for a place under the limit (default 256; more fail at once). */
    private @Nullable Integer maxQueued;

    /** Longest a stream waits for a place under the limit (default 2m). */
    private @Nullable Duration queueTimeout;

    /** Creates the defaults. */
    public Concurrency() {}

    /**
     * Returns whether the limit is the server's slot count.
     *
     * @return whether the limit is the server's slot count
     */
    public boolean isFromServerSlots() {
      return fromServerSlots;
    }

    /**
     * Sets whether the limit is the server's slot count.
     *
     * @param fromServerSlots whether the limit is the server's slot count
     */
    public void setFromServerSlots(boolean fromServerSlots) {
      this.fromServerSlots = fromServerSlots;
    }

    /**
     * Returns the fixed limit, or null.
     *
     * @return the fixed limit, or null
     */
    public @Nullable Integer getMaxStreams() {
      return maxStreams;
    }

    /**
     * Sets the fixed limit.
     *
     * @param maxStreams the fixed limit
     */
    public void setMaxStreams(@Nullable Integer maxStreams) {
      this.maxStreams = maxStreams;
    }

    /**
     * Returns the queue length, or null for the default.
     *
     * @return the queue length, or null for the default
     */
    public @Nullable Integer getMaxQueued() {
      return maxQueued;
    }

    /**
     * Sets the queue length.
     *
     * @param maxQueued the queue length
     */
    public void setMaxQueued(@Nullable Integer maxQueued) {
      this.maxQueued = maxQueued;
    }

    /**
     * Returns the longest wait in the queue, or null for the default.
     *
     * @return the longest wait in the queue, or null for the default
     */
    public @Nullable Duration getQueueTimeout() {
      return queueTimeout;
    }

    /**
     * Sets the longest wait in the queue.
     *
     * @param queueTimeout the longest wait in the queue
     */
    public void setQueueTimeout(@Nullable Duration queueTimeout) {
      this.queueTimeout = queueTimeout;
    }
  }

  /** Where sessions live and how much history a turn sends ({@code llama.session.*}). */
  public static class Session {
    /** Where sessions are kept: memory (default) or directory (one JSON file per session, written atomically). */
    private StoreType store = StoreType.MEMORY;

    /** The folder of the directory store. */
    private @Nullable Path directory;

    /** A fixed history budget in prompt tokens; unset: the server's context less reply-reserve. */
    private @Nullable Integer historyTokens;

    /** Tokens of the server's context kept free for the reply when the history budget is the context window. */
    private int replyReserve = 512;

    /** What a second turn on a busy session does: WAIT (default) or FAIL. */
    private WhenBusy whenBusy = WhenBusy.WAIT;

    /** Longest a turn waits for its busy session (default 2m). */
    private @Nullable Duration waitTimeout;

    /** Sessions unused this long leave memory (they stay in the store). */
    private @Nullable Duration maxIdle;

    /** At most this many sessions stay in memory. */
    private @Nullable Integer maxInMemory;

    /** The system prompt of new sessions. */
    private @Nullable String systemPrompt;

    /** Creates the defaults. */
    public Session() {}

    /**
     * Returns the store type.
     *
     * @return the store type
     */
    public StoreType getStore() {
      return store;
    }

    /**
     * Sets the store type.
     *
     * @param store the store type
     */
    public void setStore(StoreType store) {
      this.store = store;
    }

    /**
     * Returns the directory of the directory store, or null.
     *
     * @return the directory of the directory store, or null
     */
    public @Nullable Path getDirectory() {
      return directory;
    }

    /**
     * Sets the directory of the directory store.
     *
     * @param directory the directory of the directory store
     */
    public void setDirectory(@Nullable Path directory) {
      this.directory = directory;
    }

    /**
     * Returns the fixed history budget in tokens, or null for the context window.
     *
     * @return the fixed history budget in tokens, or null for the context window
     */
    public @Nullable Integer getHistoryTokens() {
      return historyTokens;
    }

    /**
     * Sets the fixed history budget in tokens.
     *
     * @param historyTokens the fixed history budget in tokens
     */
    public void setHistoryTokens(@Nullable Integer historyTokens) {
      this.historyTokens = historyTokens;
    }

    /**
     * Returns the tokens kept free for the reply.
     *
     * @return the tokens kept free for the reply
     */
    public int getReplyReserve() {
      return replyReserve;
    }

    /**
     * Sets the tokens kept free for the reply.
     *
     * @param replyReserve the tokens kept free for the reply
     */
    public void setReplyReserve(int replyReserve) {
      this.replyReserve = replyReserve;
    }

    /**
     * Returns what a turn on a busy session does.
     *
     * @return what a turn on a busy session does
     */
    public WhenBusy getWhenBusy() {
      return whenBusy;
    }

    /**
     * Sets what a turn on a busy session does.
     *
     * @param whenBusy what a turn on a busy session does
     */
    public void setWhenBusy(WhenBusy whenBusy) {
      this.whenBusy = whenBusy;
    }

    /**
     * Returns the longest wait for a busy session, or null for the default.
     *
     * @return the longest wait for a busy session, or null for the default
     */
    public @Nullable Duration getWaitTimeout() {
      return waitTimeout;
    }

    /**
     * Sets the longest wait for a busy session.
     *
     * @param waitTimeout the longest wait for a busy session
     */
    public void setWaitTimeout(@Nullable Duration waitTimeout) {
      this.waitTimeout = waitTimeout;
    }

    /**
     * Returns the idle time after which a session leaves memory, or null.
     *
     * @return the idle time after which a session leaves memory, or null
     */
    public @Nullable Duration getMaxIdle() {
      return maxIdle;
    }

    /**
     * Sets the idle time after which a session leaves memory.
     *
     * @param maxIdle the idle time after which a session leaves memory
     */
    public void setMaxIdle(@Nullable Duration maxIdle) {
      this.maxIdle = maxIdle;
    }

    /**
     * Returns the most sessions kept in memory, or null.
     *
     * @return the most sessions kept in memory, or null
     */
    public @Nullable Integer getMaxInMemory() {
      return maxInMemory;
    }

    /**
     * Sets the most sessions kept in memory.
     *
     * @param maxInMemory the most sessions kept in memory
     */
    public void setMaxInMemory(@Nullable Integer maxInMemory) {
      this.maxInMemory = maxInMemory;
    }

    /**
     * Returns the system prompt of new sessions, or null.
     *
     * @return the system prompt of new sessions, or null
     */
    public @Nullable String getSystemPrompt() {
      return systemPrompt;
    }

    /**
     * Sets the system prompt of new sessions.
     *
     * @param systemPrompt the system prompt of new sessions
     */
    public void setSystemPrompt(@Nullable String systemPrompt) {
      this.systemPrompt = systemPrompt;
    }
  }

  /** Where sessions are kept. */
  public enum StoreType {
    /** In memory: lost on restart. */
    MEMORY,
    /** One JSON file per session in {@code llama.session.directory}. */
    DIRECTORY
  }

  /** The relay's streaming endpoints ({@code llama.web.*}). */
  public static class Web {
    /** Serve POST /api/llm/chat/stream and /api/llm/chat/session/stream (off by default). */
    private boolean enabled;

    /** A keep-alive comment is sent when nothing else was sent for this long. */
    private Duration heartbeat = Duration.ofSeconds(15);

    /** The max_tokens of a request that sets none, and the most a request may ask for. */
    private int maxTokens = 512;

    /** Optional events sent besides content, done and error: reasoning, progress. */
    private Set<String> events = new LinkedHashSet<>();

    /** Generated tokens between two generation progress events (with llama.web.events=progress). */
    private int progressEvery = 8;

    /** Creates the defaults. */
    public Web() {}

    /**
     * Returns whether the endpoints are served.
     *
     * @return whether the endpoints are served
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets whether the endpoints are served.
     *
     * @param enabled whether the endpoints are served
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * Returns the heartbeat interval.
     *
     * @return the heartbeat interval
     */
    public Duration getHeartbeat() {
      return heartbeat;
    }

    /**
     * Sets the heartbeat interval.
     *
     * @param heartbeat the heartbeat interval
     */
    public void setHeartbeat(Duration heartbeat) {
      this.heartbeat = heartbeat;
    }

    /**
     * Returns the default and largest max_tokens of a request.
     *
     * @return the default and largest max_tokens of a request
     */
    public int getMaxTokens() {
      return maxTokens;
    }

    /**
     * Sets the default and largest max_tokens of a request.
     *
     * @param maxTokens the default and largest max_tokens of a request
     */
    public void setMaxTokens(int maxTokens) {
      this.maxTokens = maxTokens;
    }

    /**
     * Returns the optional events turned on.
     *
     * @return the optional events turned on
     */
    public Set<String> getEvents() {
      return events;
    }

    /**
     * Sets the optional events turned on.
     *
     * @param events the optional events turned on
     */
    public void setEvents(Set<String> events) {
      this.events = events;
    }

    /**
     * Returns the generated tokens between two progress events.
     *
     * @return the generated tokens between two progress events
     */
    public int getProgressEvery() {
      return progressEvery;
    }

    /**
     * Sets the generated tokens between two progress events.
     *
     * @param progressEvery the generated tokens between two progress events
     */
    public void setProgressEvery(int progressEvery) {
      this.progressEvery = progressEvery;
    }
  }

  /** Limits per caller and overall on the relay's endpoints ({@code llama.rate-limit.*}). */
  public static class RateLimit {
    /** Check the limits before each stream (on by default when the endpoints are). */
    private boolean enabled = true;

    /** Requests each caller may start per minute, on average. */
    private double requestsPerMinute = 60;

    /** Requests a caller may start at once after a quiet spell (the bucket's size). */
    private int burst = 10;

    /** Streams one caller may have open at once. */
    private int streamsPerCaller = 2;

    /** Streams all callers together may have open; unset: the server's slot count (GET /props). */
    private @Nullable Integer maxStreams;

    /** A request header whose value identifies the caller (an API key, say); unset: the principal, else the remote address. */
    private @Nullable String keyHeader;

    /** Creates the defaults. */
    public RateLimit() {}

    /**
     * Returns whether the limits are checked.
     *
     * @return whether the limits are checked
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets whether the limits are checked.
     *
     * @param enabled whether the limits are checked
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * Returns the average requests per minute per caller.
     *
     * @return the average requests per minute per caller
     */
    public double getRequestsPerMinute() {
      return requestsPerMinute;
    }

    /**
     * Sets the average requests per minute per caller.
     *
     * @param requestsPerMinute the average requests per minute per caller
     */
    public void setRequestsPerMinute(double requestsPerMinute) {
      this.requestsPerMinute = requestsPerMinute;
    }

    /**
     * Returns the burst per caller.
     *
     * @return the burst per caller
     */
    public int getBurst() {
      return burst;
    }

    /**
     * Sets the burst per caller.
     *
     * @param burst the burst per caller
     */
    public void setBurst(int burst) {
      this.burst = burst;
    }

    /**
     * Returns the open streams allowed per caller.
     *
     * @return the open streams allowed per caller
     */
    public int getStreamsPerCaller() {
      return streamsPerCaller;
    }

    /**
     * Sets the open streams allowed per caller.
     *
     * @param streamsPerCaller the open streams allowed per caller
     */
    public void setStreamsPerCaller(int streamsPerCaller) {
      this.streamsPerCaller = streamsPerCaller;
    }

    /**
     * Returns the open streams allowed overall, or null for the server's slot count.
     *
     * @return the open streams allowed overall, or null for the server's slot count
     */
    public @Nullable Integer getMaxStreams() {
      return maxStreams;
    }

    /**
     * Sets the open streams allowed overall.
     *
     * @param maxStreams the open streams allowed overall
     */
    public void setMaxStreams(@Nullable Integer maxStreams) {
      this.maxStreams = maxStreams;
    }

    /**
     * Returns the header naming the caller, or null.
     *
     * @return the header naming the caller, or null
     */
    public @Nullable String getKeyHeader() {
      return keyHeader;
    }

    /**
     * Sets the header naming the caller.
     *
     * @param keyHeader the header naming the caller
     */
    public void setKeyHeader(@Nullable String keyHeader) {
      this.keyHeader = keyHeader;
    }
  }
}
