package io.github.llamaclient.session;

import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.ChatResult;
import io.github.llamaclient.ContentPart;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import org.jspecify.annotations.Nullable;

/**
 * What each image or audio part costs in prompt tokens, as measured from the server's replies: a
 * manager's memory, shared by its sessions, of at most {@value #MAX_ENTRIES} parts (least recently
 * used dropped first). Not saved: after a restart, parts are estimated until a turn that sends
 * them is measured again. Thread-safe.
 *
 * <p>A measurement is the difference between the prompt tokens the server reports for a turn
 * ({@code usage.prompt_tokens}, else {@code timings.cache_n + prompt_n}) and the count of the same
 * request's text by {@code /apply-template} + {@code /tokenize}, in which each media part is its
 * marker ({@value #MARKER}, as llama-server renders it), less what the request's already measured
 * parts cost; the rest is shared equally among its unmeasured parts. So a measured part's value is
 * what it adds beyond its marker's text, and a later count of text plus measured parts gives the
 * server's own count, as long as the model and projector stay the same.
 */
final class MediaTokens {
  static final int MAX_ENTRIES = 1024;
  /** llama.cpp's default media marker ({@code mtmd_default_marker()}), which replaces each part in the template. */
  static final String MARKER = "<__media__>";

  private final Map<String, Integer> measured =
      new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
          return size() > MAX_ENTRIES;
        }
      };

  /**
   * Each part's digest, computed once per part object: a history's parts are the same objects
   * turn after turn, and hashing megabytes of base64 for every count would cost more than the
   * count. Weak keys: a part's entry goes with the part.
   */
  private final Map<ContentPart, String> digests = new WeakHashMap<>();

  /** The measured cost of a part, or null if it was not measured. */
  synchronized @Nullable Integer get(ContentPart p) {
    return measured.get(key(p));
  }

  /**
   * Learns the cost of the request's unmeasured media parts from the reply.
   *
   * @param request the request as sent
   * @param textTokens its text count by the server (media parts as markers), or null if not counted
   * @param result the reply
   */
  void learn(ChatRequest request, @Nullable Integer textTokens, ChatResult result) {
    Integer reported = reportedPromptTokens(result);
    if (textTokens == null || reported == null) {
      return;
    }
    List<String> unknown = new ArrayList<>();
    long rest = (long) reported - textTokens;
    synchronized (this) {
      for (ContentPart p : mediaParts(request.messages())) {
        String k = key(p);
        Integer v = measured.get(k);
        if (v == null) {
          unknown.add(k);
        } else {
          rest -= v;
        }
      }
      if (unknown.isEmpty() || rest <= 0) {
        return;
      }
      int each = (int) Math.min(Integer.MAX_VALUE, rest / unknown.size());
      for (String k : unknown) {
        measured.put(k, each);
      }
    }
  }

  /** Whether the request has a media part not measured yet. */
  synchronized boolean hasUnmeasured(List<ChatMessage> messages) {
    for (ContentPart p : mediaParts(messages)) {
      if (!measured.containsKey(key(p))) {
        return true;
      }
    }
    return false;
  }

  /** The prompt tokens the server reported for a reply, or null if it reported none. */
  static @Nullable Integer reportedPromptTokens(ChatResult r) {
    if (r.usage() != null) {
      return r.usage().promptTokens();
    }
    if (r.timings() != null) {
      return r.timings().cacheN() + r.timings().promptN();
    }
    return null;
  }

  /** The image and audio parts of the messages, in order. */
  static List<ContentPart> mediaParts(List<ChatMessage> messages) {
    List<ContentPart> out = new ArrayList<>();
    for (ChatMessage m : messages) {
      if (m.hasParts()) {
        for (ContentPart p : m.parts()) {
          if (!(p instanceof ContentPart.Text)) {
            out.add(p);
          }
        }
      }
    }
    return out;
  }

  /** The messages with each media part replaced by the server's marker text, for counting. */
  static List<ChatMessage> withMarkers(List<ChatMessage> messages) {
    List<ChatMessage> out = new ArrayList<>(messages.size());
    for (ChatMessage m : messages) {
      if (!m.hasParts() || mediaParts(List.of(m)).isEmpty()) {
        out.add(m);
        continue;
      }
      List<ContentPart> parts = new ArrayList<>(m.parts().size());
      for (ContentPart p : m.parts()) {
        parts.add(p instanceof ContentPart.Text ? p : ContentPart.text(MARKER));
      }
      out.add(m.toBuilder().parts(parts).build());
    }
    return out;
  }

  /** A digest of the part's data or URL, so the measurements hold no media. Called under the lock. */
  private String key(ContentPart p) {
    return digests.computeIfAbsent(p, MediaTokens::digest);
  }

  private static String digest(ContentPart p) {
    String s =
        p instanceof ContentPart.Audio
            ? "audio:" + ((ContentPart.Audio) p).format() + ":" + ((ContentPart.Audio) p).data()
            : "image:" + ((ContentPart.Image) p).url();
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return Base64.getEncoder().encodeToString(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }
}
