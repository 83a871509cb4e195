package io.github.llamaclient.session;

import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.ContentPart;
import io.github.llamaclient.LlamaClient;
import io.github.llamaclient.LlamaException;
import io.github.llamaclient.ToolCall;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * How much of a session's history is sent with each turn. Immutable and thread-safe.
 *
 * <p>Rules common to every budget:
 *
 * <ul>
 *   <li>the system prompt is always sent;
 *   <li>history is dropped in whole <em>turns</em>, oldest first. A turn begins with a {@code user}
 *       message and runs to the next one, so an assistant's tool calls and the tool results that
 *       answer them are always kept or dropped together;
 *   <li>the current turn (the message being sent, and any earlier part of its turn such as the tool
 *       calls its tool results answer) is always sent, even if it alone is over the budget; the
 *       server then refuses it with {@link io.github.llamaclient.ContextSizeExceededException};
 *   <li>trimming applies to what is <em>sent</em>. The stored history keeps every message unless the
 *       budget is made with {@link #trimStored()}, in which case the dropped turns are also removed
 *       from the stored history when the turn commits.
 * </ul>
 *
 * <p>Token budgets count exactly when the server can be asked: the candidate request is rendered
 * with the model's chat template ({@code POST /apply-template}) and the rendered prompt is counted
 * with {@code POST /tokenize}: two small requests when everything fits, and two per step of a binary
 * search over the number of dropped turns when it does not. If the server cannot be asked (an older
 * server, a proxy that does not pass these paths, an error), the count falls back to an estimate and
 * the failure is logged at DEBUG: {@linkplain #estimateTokens(List) one token per 4 characters} of
 * each message's content, reasoning and tool calls, plus 4 per message for the template's markers.
 * The estimate is rough (within a factor of about 2 for English prose; worse for code or other
 * scripts); leave a margin.
 *
 * <p>Images and audio: llama-server renders each image or audio part as a marker ({@code
 * <__media__>}) in the template, and only the projector knows how many tokens the part becomes
 * (a fixed number for some models, growing with the image's resolution or the clip's length for
 * others), so neither {@code /apply-template} + {@code /tokenize} nor the estimate can count it.
 * A token budget therefore adds, for each part, what the server's replies showed it costs, or
 * else an estimate ({@link #mediaTokens(int, int)}; by default {@value #DEFAULT_IMAGE_TOKENS} per
 * image, {@value #DEFAULT_AUDIO_TOKENS} per audio part). The measurement: when a turn that sent a
 * part not measured yet ends, the prompt tokens the server reports ({@code usage.prompt_tokens},
 * or {@code timings.cache_n + prompt_n}) less the server's count of that request's text (made
 * before the turn was sent, with the parts as markers; two small requests more on a turn with new
 * media) less the parts already measured is what its new parts cost, shared equally among them.
 * Measurements are kept by the manager, for all its sessions, for as long as it runs (the same
 * image sent in two sessions is measured once), and are exact for the same model and projector;
 * after a restart the parts are estimated until a turn with new media is measured again. The
 * estimate-only budget ({@link #estimated()}) never measures.
 */
public final class HistoryBudget {
  private static final System.Logger LOG = System.getLogger(HistoryBudget.class.getName());
  /**
   * The default estimate of an image's prompt tokens: LLaVA 1.5's fixed 576 (Gemma 3 uses 256;
   * Qwen2-VL's count grows with the resolution, into the thousands for a large photo).
   */
  public static final int DEFAULT_IMAGE_TOKENS = 576;
  /** The default estimate of an audio part's prompt tokens: 30 seconds at 25 tokens a second. */
  public static final int DEFAULT_AUDIO_TOKENS = 750;

  private static final HistoryBudget UNLIMITED =
      new HistoryBudget(Kind.UNLIMITED, 0, false, false, DEFAULT_IMAGE_TOKENS, DEFAULT_AUDIO_TOKENS);

  enum Kind {
    UNLIMITED,
    MESSAGES,
    TOKENS,
    CONTEXT
  }

  private final Kind kind;
  private final int limit;
  private final boolean estimateOnly;
  private final boolean trimStored;
  private final int imageTokens;
  private final int audioTokens;

  private HistoryBudget(
      Kind kind, int limit, boolean estimateOnly, boolean trimStored, int imageTokens, int audioTokens) {
    this.kind = kind;
    this.limit = limit;
    this.estimateOnly = estimateOnly;
    this.trimStored = trimStored;
    this.imageTokens = imageTokens;
    this.audioTokens = audioTokens;
  }

  private HistoryBudget(Kind kind, int limit) {
    this(kind, limit, false, false, DEFAULT_IMAGE_TOKENS, DEFAULT_AUDIO_TOKENS);
  }

  /**
   * Sends the whole history (the default).
   *
   * @return the budget
   */
  public static HistoryBudget unlimited() {
    return UNLIMITED;
  }

  /**
   * Sends at most {@code maxMessages} messages besides the system prompt (more only if the current
   * turn alone has more).
   *
   * @param maxMessages 1 or more
   * @return the budget
   * @throws IllegalArgumentException if {@code maxMessages} is less than 1
   */
  public static HistoryBudget messages(int maxMessages) {
    if (maxMessages < 1) {
      throw new IllegalArgumentException("maxMessages must be 1 or more, was " + maxMessages);
    }
    return new HistoryBudget(Kind.MESSAGES, maxMessages);
  }

  /**
   * Sends as many recent turns as fit in {@code maxTokens} prompt tokens, system prompt included,
   * counted by the server (or estimated, see the class description).
   *
   * @param maxTokens 1 or more
   * @return the budget
   * @throws IllegalArgumentException if {@code maxTokens} is less than 1
   */
  public static HistoryBudget tokens(int maxTokens) {
    if (maxTokens < 1) {
      throw new IllegalArgumentException("maxTokens must be 1 or more, was " + maxTokens);
    }
    return new HistoryBudget(Kind.TOKENS, maxTokens);
  }

  /**
   * A token budget of the server's context size per slot ({@code GET /props}, {@code n_ctx}) minus
   * {@code replyReserve} tokens kept free for the reply. The context size is asked once per manager;
   * if it cannot be read, the failure is logged at DEBUG and nothing is trimmed (the server then
   * reports an overflow itself).
   *
   * @param replyReserve tokens to keep free for the reply, 0 or more (use the turn's {@code
   *     max_tokens})
   * @return the budget
   * @throws IllegalArgumentException if {@code replyReserve} is negative
   */
  public static HistoryBudget contextWindow(int replyReserve) {
    if (replyReserve < 0) {
      throw new IllegalArgumentException("replyReserve must be 0 or more, was " + replyReserve);
    }
    return new HistoryBudget(Kind.CONTEXT, replyReserve);
  }

  /**
   * This budget, counting tokens by the estimate only, never asking the server.
   *
   * @return the budget
   */
  public HistoryBudget estimated() {
    return new HistoryBudget(kind, limit, true, trimStored, imageTokens, audioTokens);
  }

  /**
   * This budget, also removing from the stored history the turns it leaves out of a request, when
   * that turn commits. Keeps stored sessions small; the dropped turns are gone for good.
   *
   * @return the budget
   */
  public HistoryBudget trimStored() {
    return new HistoryBudget(kind, limit, estimateOnly, true, imageTokens, audioTokens);
  }

  /**
   * This budget, estimating an image or audio part the server's replies have not measured yet at
   * these counts (see the class description).
   *
   * @param perImage prompt tokens per image, 0 or more (default {@value #DEFAULT_IMAGE_TOKENS})
   * @param perAudio prompt tokens per audio part, 0 or more (default {@value #DEFAULT_AUDIO_TOKENS})
   * @return the budget
   * @throws IllegalArgumentException if a count is negative
   */
  public HistoryBudget mediaTokens(int perImage, int perAudio) {
    if (perImage < 0 || perAudio < 0) {
      throw new IllegalArgumentException(
          "media token estimates must be 0 or more, were " + perImage + " and " + perAudio);
    }
    return new HistoryBudget(kind, limit, estimateOnly, trimStored, perImage, perAudio);
  }

  /**
   * Whether dropped turns are also removed from the stored history.
   *
   * @return the flag
   */
  public boolean trimsStored() {
    return trimStored;
  }

  /**
   * The estimate used when the server cannot count: for each message, its content (its text
   * parts), reasoning, and each tool call's name and arguments, in characters divided by 4 and
   * rounded up, plus 4 tokens of template markers; plus {@value #DEFAULT_IMAGE_TOKENS} per image and
   * {@value #DEFAULT_AUDIO_TOKENS} per audio part; plus 3 for the assistant prompt that follows.
   *
   * @param messages the messages
   * @return the estimated prompt tokens
   */
  public static int estimateTokens(List<ChatMessage> messages) {
    long total = (long) estimateText(messages);
    for (ContentPart p : MediaTokens.mediaParts(messages)) {
      total += p instanceof ContentPart.Audio ? DEFAULT_AUDIO_TOKENS : DEFAULT_IMAGE_TOKENS;
    }
    return (int) Math.min(Integer.MAX_VALUE, total);
  }

  /** {@link #estimateTokens(List)} without the media. */
  private static int estimateText(List<ChatMessage> messages) {
    long total = 3;
    for (ChatMessage m : messages) {
      long chars = m.role().length();
      chars += m.content() == null ? 0 : m.content().length();
      chars += m.reasoning() == null ? 0 : m.reasoning().length();
      for (ToolCall c : m.toolCalls()) {
        chars += c.name().length() + c.arguments().length() + c.id().length();
      }
      if (m.toolCallId() != null) {
        chars += m.toolCallId().length();
      }
      total += (chars + 3) / 4 + 4;
    }
    return (int) Math.min(Integer.MAX_VALUE, total);
  }

  @Override
  public String toString() {
    String s;
    switch (kind) {
      case MESSAGES:
        s = "messages(" + limit + ")";
        break;
      case TOKENS:
        s = "tokens(" + limit + ")";
        break;
      case CONTEXT:
        s = "contextWindow(" + limit + ")";
        break;
      default:
        s = "unlimited()";
    }
    return "HistoryBudget."
        + s
        + (estimateOnly ? ".estimated()" : "")
        + (trimStored ? ".trimStored()" : "")
        + (imageTokens != DEFAULT_IMAGE_TOKENS || audioTokens != DEFAULT_AUDIO_TOKENS
            ? ".mediaTokens(" + imageTokens + ", " + audioTokens + ")"
            : "");
  }

  /**
   * The part of the history that was chosen, and the server's count of the chosen request's text
   * (media parts as markers) when it was made, else null.
   */
  record Fit(List<SessionMessage> kept, int droppedMessages, @Nullable Integer textTokens) {
    Fit(List<SessionMessage> kept, int droppedMessages) {
      this(kept, droppedMessages, null);
    }
  }

  /**
   * Chooses the history to send.
   *
   * @param history the stored history, in order
   * @param input the new messages of this turn
   * @param request builds the full request for a candidate history (system prompt + kept + input)
   * @param client the client to count with
   * @param contextSize supplies the context size for {@link #contextWindow(int)}, or null if unknown
   * @param media the manager's measured media costs
   */
  Fit fit(
      List<SessionMessage> history,
      List<ChatMessage> input,
      Function<List<SessionMessage>, ChatRequest> request,
      LlamaClient client,
      java.util.function.Supplier<@Nullable Integer> contextSize,
      MediaTokens media) {
    Counter counter = new Counter(client, request, estimateOnly, media, imageTokens, audioTokens);
    Fit f = choose(history, input, counter, contextSize);
    if ((kind == Kind.TOKENS || kind == Kind.CONTEXT)
        && !estimateOnly
        && media.hasUnmeasured(request.apply(f.kept()).messages())) {
      // the turn brings media not measured yet: its text count lets its reply measure them
      return new Fit(f.kept(), f.droppedMessages(), counter.textTokens(f.kept()));
    }
    return f;
  }

  private Fit choose(
      List<SessionMessage> history,
      List<ChatMessage> input,
      Counter counter,
      java.util.function.Supplier<@Nullable Integer> contextSize) {
    if (kind == Kind.UNLIMITED || history.isEmpty()) {
      return new Fit(history, 0);
    }
    List<Integer> starts = turnStarts(history, input);
    // starts.get(i) = index in history where droppable turn i begins; dropping d turns keeps history
    // from starts.get(d) (or the current turn's start when d == starts.size()).
    int droppable = starts.size() - 1; // the last entry is the current turn's start
    if (droppable <= 0) {
      return new Fit(history, 0);
    }
    if (kind == Kind.MESSAGES) {
      for (int d = 0; d < droppable; d++) {
        int from = starts.get(d);
        if (history.size() - from + input.size() <= limit) {
          return keepFrom(history, from);
        }
      }
      return keepFrom(history, starts.get(droppable));
    }
    int max = limit;
    if (kind == Kind.CONTEXT) {
      Integer ctx = contextSize.get();
      if (ctx == null || ctx <= 0) {
        return new Fit(history, 0);
      }
      max = ctx - limit;
    }
    if (counter.count(history) <= max) {
      return new Fit(history, 0);
    }
    // smallest d in [1, droppable] that fits; counts fall as d grows
    int lo = 1;
    int hi = droppable;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (counter.count(history.subList(starts.get(mid), history.size())) <= max) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return keepFrom(history, starts.get(lo));
  }

  private static Fit keepFrom(List<SessionMessage> history, int from) {
    return new Fit(List.copyOf(history.subList(from, history.size())), from);
  }

  /**
   * Where each turn of the history begins: index 0, then each {@code user} message. The last entry
   * is the start of the current turn: the history's last turn if the input does not begin a new one
   * (tool results continue the turn of the calls they answer), else the history's end.
   */
  static List<Integer> turnStarts(List<SessionMessage> history, List<ChatMessage> input) {
    List<Integer> starts = new ArrayList<>();
    starts.add(0);
    for (int i = 1; i < history.size(); i++) {
      if ("user".equals(history.get(i).message().role())) {
        starts.add(i);
      }
    }
    if (!input.isEmpty() && "user".equals(input.get(0).role())) {
      starts.add(history.size());
    }
    return starts;
  }

  /**
   * Counts candidate requests, exactly while the server answers, by estimate afterwards; adds each
   * image and audio part's measured or estimated cost.
   */
  private static final class Counter {
    private final LlamaClient client;
    private final Function<List<SessionMessage>, ChatRequest> request;
    private final MediaTokens media;
    private final int imageTokens;
    private final int audioTokens;
    /** The server's text counts, by the number of history messages kept. */
    private final Map<Integer, Integer> textCounts = new HashMap<>();
    private boolean estimate;

    Counter(
        LlamaClient client,
        Function<List<SessionMessage>, ChatRequest> request,
        boolean estimate,
        MediaTokens media,
        int imageTokens,
        int audioTokens) {
      this.client = client;
      this.request = request;
      this.estimate = estimate;
      this.media = media;
      this.imageTokens = imageTokens;
      this.audioTokens = audioTokens;
    }

    int count(List<SessionMessage> kept) {
      ChatRequest r = request.apply(kept);
      Integer text = textTokens(kept);
      long total = text != null ? text : estimateText(r.messages());
      for (ContentPart p : MediaTokens.mediaParts(r.messages())) {
        Integer measured = media.get(p);
        total += measured != null ? measured : p instanceof ContentPart.Audio ? audioTokens : imageTokens;
      }
      return (int) Math.min(Integer.MAX_VALUE, total);
    }

    /**
     * The server's count of the candidate's text, each media part as its marker (the prompt
     * llama-server renders, without what the projector adds); null once the server cannot count.
     */
    @Nullable Integer textTokens(List<SessionMessage> kept) {
      Integer known = textCounts.get(kept.size());
      if (known != null || estimate) {
        return known;
      }
      ChatRequest r = request.apply(kept);
      try {
        int n =
            client.tokenizer().count(
                client.tokenizer().applyTemplate(r.toBuilder().messages(MediaTokens.withMarkers(r.messages())).build()));
        textCounts.put(kept.size(), n);
        return n;
      } catch (LlamaException e) {
        estimate = true;
        LOG.log(
            System.Logger.Level.DEBUG,
            "cannot count tokens with the server ({0}); estimating at 4 characters a token",
            e.toString());
        return null;
      }
    }
  }
}
