package io.github.llamaclient.internal.exchange;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The secrets one client sends (its API key, the password of the base URL, the {@code
 * Authorization} header value) and the one place they are taken out of text: every message built
 * from what a server sends back goes through {@link #redact(String)} before a caller can see it.
 *
 * <p>Each secret is also searched for in the forms a server echoing it is likely to use: escaped in
 * a JSON string ({@code \"}, {@code \\}, {@code \/}), and percent-encoded as in a URL. A message cut
 * short (a preview ending in {@code …}, or just ending) that ends with the start of a secret, four
 * characters or more of it, has that start replaced too.
 *
 * <p>Also here: {@link #checkVisibleAscii(String, String)}, the one rule for a secret's
 * characters, and {@link #hideUserInfo(String)}, which takes credentials out of a URL.
 *
 * <p>Immutable and thread-safe.
 */
public final class Secrets {
  /** What a secret is replaced with. */
  public static final String MASK = "***";

  /** No secrets: {@link #redact(String)} returns its argument. */
  public static final Secrets NONE = new Secrets(List.of());

  /** The shortest start of a secret replaced where a message was cut short. */
  private static final int MIN_CUT_PREFIX = 4;

  private final List<String> needles; // longest first, so a longer form is replaced before a part of it

  private Secrets(List<String> needles) {
    this.needles = needles;
  }

  /**
   * The secrets to redact.
   *
   * @param secrets the secrets; null and empty ones are skipped
   * @return the redactor, {@link #NONE} when there is nothing to redact
   */
  public static Secrets of(@Nullable String... secrets) {
    Set<String> forms = new LinkedHashSet<>();
    for (String s : secrets) {
      if (s == null || s.isEmpty()) {
        continue;
      }
      forms.add(s);
      forms.add(jsonEscaped(s));
      forms.add(percentEncoded(s));
    }
    if (forms.isEmpty()) {
      return NONE;
    }
    List<String> sorted = new ArrayList<>(forms);
    sorted.sort(Comparator.comparingInt(String::length).reversed());
    return new Secrets(List.copyOf(sorted));
  }

  /**
   * Whether there is nothing to redact.
   *
   * @return true for {@link #NONE}
   */
  public boolean isEmpty() {
    return needles.isEmpty();
  }

  /**
   * The text with every secret replaced by {@link #MASK}.
   *
   * @param text the text, for example a message built from a server's reply
   * @return the text without the secrets (the same instance when none was in it)
   */
  public String redact(String text) {
    if (needles.isEmpty() || text.isEmpty()) {
      return text;
    }
    String out = text;
    for (String n : needles) {
      if (out.contains(n)) {
        out = out.replace(n, MASK);
      }
    }
    return redactCutEnd(out);
  }

  /**
   * The text redacted, or null.
   *
   * @param text the text, or null
   * @return {@link #redact(String)} of it, or null
   */
  public @Nullable String redactNullable(@Nullable String text) {
    return text == null ? null : redact(text);
  }

  /**
   * Whether a secret is in the text (or its cut-short end).
   *
   * @param text the text, or null
   * @return true if {@link #redact(String)} would change it
   */
  public boolean appearsIn(@Nullable String text) {
    return text != null && !needles.isEmpty() && !redact(text).equals(text);
  }

  /**
   * Whether a secret is in the message of the throwable, or of one of its causes or suppressed
   * throwables.
   *
   * @param t the throwable
   * @return true if one of those messages holds a secret
   */
  public boolean appearsIn(Throwable t) {
    if (needles.isEmpty()) {
      return false;
    }
    Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    return appearsIn(t, seen);
  }

  private boolean appearsIn(@Nullable Throwable t, Set<Throwable> seen) {
    if (t == null || !seen.add(t)) {
      return false;
    }
    if (appearsIn(t.getMessage())) {
      return true;
    }
    for (Throwable s : t.getSuppressed()) {
      if (appearsIn(s, seen)) {
        return true;
      }
    }
    return appearsIn(t.getCause(), seen);
  }

  /**
   * A throwable that can be a cause without carrying a secret: the throwable itself when none of
   * its messages (or its causes') holds one, else a stand-in with the same class name in its
   * {@code toString()}, the redacted message, the same stack trace, and its cause redacted the same
   * way.
   *
   * @param t the throwable, or null
   * @return the throwable, a stand-in, or null
   */
  public @Nullable Throwable redactCause(@Nullable Throwable t) {
    if (t == null || !appearsIn(t)) {
      return t;
    }
    Redacted r = new Redacted(t.getClass().getName(), redact(String.valueOf(t.getMessage())), redactCause(t.getCause()));
    r.setStackTrace(t.getStackTrace());
    for (Throwable s : t.getSuppressed()) {
      Throwable rs = redactCause(s);
      if (rs != null) {
        r.addSuppressed(rs);
      }
    }
    return r;
  }

  /**
   * Gives a copy of a throwable the original's stack trace and suppressed throwables (redacted).
   *
   * @param original the throwable copied
   * @param copy the copy, with a redacted message
   * @param <T> the copy's type
   * @return the copy
   */
  public <T extends Throwable> T sameTrace(Throwable original, T copy) {
    copy.setStackTrace(original.getStackTrace());
    for (Throwable s : original.getSuppressed()) {
      Throwable rs = redactCause(s);
      if (rs != null) {
        copy.addSuppressed(rs);
      }
    }
    return copy;
  }

  /**
   * A URL (or any text holding one) with the user information of the URL, the part before
   * {@code @} in its authority, replaced by {@link #MASK}, then {@linkplain #redact(String)
   * redacted}. For a {@code Location} header before it goes into a message.
   *
   * @param url the URL as text
   * @return the URL without credentials
   */
  public String redactUrl(String url) {
    return redact(hideUserInfo(url));
  }

  /**
   * A URL with the user information of its authority (the credentials in {@code
   * http://user:password@host}) replaced by {@link #MASK}; works on text that does not parse as a
   * URI too.
   *
   * @param url the URL as text
   * @return the URL with {@code ***@} in place of the credentials, or unchanged when there are none
   */
  public static String hideUserInfo(String url) {
    int scheme = url.indexOf("://");
    int start = scheme < 0 ? (url.startsWith("//") ? 2 : -1) : scheme + 3;
    if (start < 0) {
      return url;
    }
    int end = start;
    while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
      end++;
    }
    int at = url.lastIndexOf('@', end - 1);
    if (at < start) {
      return url;
    }
    return url.substring(0, start) + MASK + url.substring(at);
  }

  /**
   * Checks that a secret is made of visible ASCII characters only (0x21 to 0x7E), as an HTTP header
   * value that both transports send the same way must be; the message says what is wrong and
   * where, never the secret.
   *
   * @param value the secret
   * @param what what it is, for the message, such as {@code "apiKey"}
   * @return the value
   * @throws IllegalArgumentException if it is empty or has another character
   */
  public static String checkVisibleAscii(String value, String what) {
    if (value.isEmpty()) {
      throw new IllegalArgumentException(what + " must not be empty");
    }
    int n = value.codePointCount(0, value.length());
    int position = 0;
    for (int i = 0; i < value.length(); ) {
      int c = value.codePointAt(i);
      i += Character.charCount(c);
      position++;
      if (c < 0x21 || c > 0x7e) {
        throw new IllegalArgumentException(
            what
                + " must be visible ASCII characters only (0x21 to 0x7E): character "
                + position
                + " of "
                + n
                + " is "
                + kind(c));
      }
    }
    return value;
  }

  /** Names a character that is not visible ASCII, without quoting it. */
  private static String kind(int c) {
    switch (c) {
      case ' ':
        return "a space";
      case '\t':
        return "a tab";
      case '\r':
        return "a line break (CR)";
      case '\n':
        return "a line break (LF)";
      case 0x85:
      case 0x2028:
      case 0x2029:
        return "a Unicode line separator";
      case 0x7f:
        return "a control character (DEL)";
      default:
        if (c < 0x20 || (c >= 0x80 && c < 0xa0)) {
          return "a control character";
        }
        return Character.isWhitespace(c) || Character.isSpaceChar(c) ? "a non-ASCII space" : "a non-ASCII character";
    }
  }

  private String redactCutEnd(String text) {
    int end = text.endsWith("…") ? text.length() - 1 : text.length();
    for (String n : needles) {
      for (int len = Math.min(n.length() - 1, end); len >= MIN_CUT_PREFIX; len--) {
        if (text.startsWith(n.substring(0, len), end - len)) {
          return text.substring(0, end - len) + MASK + text.substring(end);
        }
      }
    }
    return text;
  }

  private static String jsonEscaped(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("/", "\\/");
  }

  private static String percentEncoded(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
        sb.append(c);
      } else if (c < 0x80) {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      } else {
        return s; // secrets are visible ASCII; nothing else to encode
      }
    }
    return sb.toString();
  }

  /** Stands in for a cause whose message held a secret; prints as the original class. */
  private static final class Redacted extends Exception {
    private static final long serialVersionUID = 1L;
    private final String className;

    Redacted(String className, String message, @Nullable Throwable cause) {
      super(message, cause);
      this.className = className;
    }

    @Override
    public String toString() {
      return className + ": " + getMessage();
    }
  }
}
