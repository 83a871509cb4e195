package io.github.llamaclient.session;

import io.github.llamaclient.ChatMessage;
import io.github.llamaclient.ContentPart;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link SessionManager}'s history keeps of the images and audio that turns send (set with
 * {@link SessionManager.Builder#media(MediaPolicy)}; default {@link #inline()}). Immutable and
 * thread-safe.
 *
 * <p>A turn always sends its own input as given. When the turn commits, each image or audio part of
 * its input is kept in the history, and so sent again with the later turns and written to the
 * store, or replaced by a visible placeholder text part such as {@code [image not kept in the
 * session history: image/png, 2.4 MB inline; the session keeps media URLs only]}, as the policy
 * says:
 *
 * <ul>
 *   <li>{@link MediaStorage#INLINE}: every part is kept; an inline part (a {@code data:} image or
 *       audio) larger than {@link #maxPartBytes()} (its decoded size) is refused <em>before the
 *       turn is sent</em> with {@link MediaTooLargeException}, or, with {@link
 *       #placeholderWhenTooLarge()}, sent and then replaced by a placeholder in the history;
 *   <li>{@link MediaStorage#REFERENCE_ONLY}: images given by URL are kept (a URL is always a
 *       reference: the server fetches it again with each turn), inline parts become placeholders;
 *   <li>{@link MediaStorage#DROP}: every image and audio part becomes a placeholder.
 * </ul>
 *
 * <p>A part is never lost silently: it is kept, refused with a typed exception, or replaced by a
 * placeholder the history shows. The policy applies to what turns commit; a state saved directly
 * with {@link SessionStore#save(SessionState)} is stored as given.
 */
public final class MediaPolicy {
  /** The default limit per inline part: 8 MiB (about 11 MB of base64 in the stored session). */
  public static final long DEFAULT_MAX_PART_BYTES = 8L << 20;

  private static final MediaPolicy INLINE = new MediaPolicy(MediaStorage.INLINE, DEFAULT_MAX_PART_BYTES, false);

  private final MediaStorage storage;
  private final long maxPartBytes;
  private final boolean placeholderWhenTooLarge;

  private MediaPolicy(MediaStorage storage, long maxPartBytes, boolean placeholderWhenTooLarge) {
    this.storage = storage;
    this.maxPartBytes = maxPartBytes;
    this.placeholderWhenTooLarge = placeholderWhenTooLarge;
  }

  /**
   * Keeps every part, inline ones up to {@link #DEFAULT_MAX_PART_BYTES} each (the default).
   *
   * @return the policy
   */
  public static MediaPolicy inline() {
    return INLINE;
  }

  /**
   * Keeps every part, inline ones up to {@code maxPartBytes} each.
   *
   * @param maxPartBytes the largest decoded size of an inline image or audio part, 1 or more
   * @return the policy
   * @throws IllegalArgumentException if {@code maxPartBytes} is less than 1
   */
  public static MediaPolicy inline(long maxPartBytes) {
    return INLINE.maxPartBytes(maxPartBytes);
  }

  /**
   * Keeps images given by URL; inline images and audio become placeholders.
   *
   * @return the policy
   */
  public static MediaPolicy referenceOnly() {
    return new MediaPolicy(MediaStorage.REFERENCE_ONLY, DEFAULT_MAX_PART_BYTES, true);
  }

  /**
   * Keeps no media: every image and audio part becomes a placeholder.
   *
   * @return the policy
   */
  public static MediaPolicy drop() {
    return new MediaPolicy(MediaStorage.DROP, DEFAULT_MAX_PART_BYTES, true);
  }

  /**
   * This policy with another limit per inline part.
   *
   * @param maxPartBytes the largest decoded size of an inline image or audio part, 1 or more
   * @return the policy
   * @throws IllegalArgumentException if {@code maxPartBytes} is less than 1
   */
  public MediaPolicy maxPartBytes(long maxPartBytes) {
    if (maxPartBytes < 1) {
      throw new IllegalArgumentException("maxPartBytes must be 1 or more, was " + maxPartBytes);
    }
    return new MediaPolicy(storage, maxPartBytes, placeholderWhenTooLarge);
  }

  /**
   * This policy, sending an inline part over the limit with its turn and keeping a placeholder in
   * the history instead of refusing the turn.
   *
   * @return the policy
   */
  public MediaPolicy placeholderWhenTooLarge() {
    return new MediaPolicy(storage, maxPartBytes, true);
  }

  /**
   * What the history keeps.
   *
   * @return the storage
   */
  public MediaStorage storage() {
    return storage;
  }

  /**
   * The largest decoded size of an inline part that {@link MediaStorage#INLINE} keeps.
   *
   * @return the limit in bytes
   */
  public long maxPartBytes() {
    return maxPartBytes;
  }

  /**
   * Whether a part over the limit is replaced by a placeholder (true) or refuses its turn (false).
   *
   * @return the flag
   */
  public boolean placeholdersWhenTooLarge() {
    return placeholderWhenTooLarge;
  }

  /**
   * Refuses, before anything is sent, a turn whose input has an inline part this policy would
   * neither keep nor replace.
   *
   * @throws MediaTooLargeException if a part is over the limit and the policy refuses such parts
   */
  void check(String sessionId, List<ChatMessage> input) {
    if (storage != MediaStorage.INLINE || placeholderWhenTooLarge) {
      return;
    }
    for (ChatMessage m : input) {
      for (ContentPart p : m.parts()) {
        long size = inlineBytes(p);
        if (size > maxPartBytes) {
          throw new MediaTooLargeException(sessionId, describe(p), size, maxPartBytes);
        }
      }
    }
  }

  /** The message as the history keeps it. */
  ChatMessage keep(ChatMessage m) {
    if (!m.hasParts()) {
      return m;
    }
    List<ContentPart> kept = new ArrayList<>(m.parts().size());
    boolean changed = false;
    for (ContentPart p : m.parts()) {
      String why = dropReason(p);
      if (why == null) {
        kept.add(p);
      } else {
        kept.add(ContentPart.text("[" + kind(p) + " not kept in the session history: " + describe(p) + why + "]"));
        changed = true;
      }
    }
    return changed ? m.toBuilder().parts(kept).build() : m;
  }

  /** Why a part is not kept (the end of the placeholder), or null if it is kept. */
  private @Nullable String dropReason(ContentPart p) {
    if (p instanceof ContentPart.Text) {
      return null;
    }
    long size = inlineBytes(p);
    switch (storage) {
      case INLINE:
        return size > maxPartBytes ? ", over the limit of " + bytes(maxPartBytes) + " per part" : null;
      case REFERENCE_ONLY:
        return size < 0 ? null : "; the session keeps media URLs only";
      default:
        return "; the session keeps no media";
    }
  }

  /**
   * The decoded size of an inline part (base64 decoded; a {@code data:} URI without {@code
   * ;base64} as written), or -1 for a URL (or text).
   */
  static long inlineBytes(ContentPart p) {
    if (p instanceof ContentPart.Image) {
      ContentPart.Image i = (ContentPart.Image) p;
      if (!i.inline()) {
        return -1;
      }
      int comma = i.url().indexOf(',');
      boolean base64 = comma > 0 && i.url().regionMatches(true, comma - 7, ";base64", 0, 7);
      return base64 ? base64Bytes(i.url(), comma + 1) : i.url().length() - comma - 1;
    }
    if (p instanceof ContentPart.Audio) {
      return base64Bytes(((ContentPart.Audio) p).data(), 0);
    }
    return -1;
  }

  private static long base64Bytes(String s, int from) {
    int end = s.length();
    while (end > from && s.charAt(end - 1) == '=') {
      end--;
    }
    return (end - from) * 3L / 4;
  }

  static String kind(ContentPart p) {
    return p instanceof ContentPart.Audio ? "audio" : "image";
  }

  /** The media type (or URL) and size, as messages and placeholders show a part. */
  static String describe(ContentPart p) {
    if (p instanceof ContentPart.Audio) {
      return ((ContentPart.Audio) p).format() + ", " + bytes(inlineBytes(p));
    }
    ContentPart.Image i = (ContentPart.Image) p;
    if (!i.inline()) {
      return i.url().length() > 200 ? i.url().substring(0, 200) + "…" : i.url();
    }
    int semi = i.url().indexOf(';');
    int comma = i.url().indexOf(',');
    int end = semi > 0 && semi < comma ? semi : comma;
    String type = end > 5 ? i.url().substring(5, end) : "image";
    return type + ", " + bytes(inlineBytes(p)) + " inline";
  }

  static String bytes(long n) {
    if (n < 10_000) {
      return n + " bytes";
    }
    if (n < 10_000_000) {
      return String.format(Locale.ROOT, "%.1f KB (%d bytes)", n / 1000.0, n);
    }
    return String.format(Locale.ROOT, "%.1f MB (%d bytes)", n / 1_000_000.0, n);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof MediaPolicy
        && ((MediaPolicy) o).storage == storage
        && ((MediaPolicy) o).maxPartBytes == maxPartBytes
        && ((MediaPolicy) o).placeholderWhenTooLarge == placeholderWhenTooLarge;
  }

  @Override
  public int hashCode() {
    return Objects.hash(storage, maxPartBytes, placeholderWhenTooLarge);
  }

  @Override
  public String toString() {
    return "MediaPolicy[" + storage + ", maxPartBytes=" + maxPartBytes
        + (placeholderWhenTooLarge ? ", placeholder when too large" : ", refuse when too large") + "]";
  }
}
