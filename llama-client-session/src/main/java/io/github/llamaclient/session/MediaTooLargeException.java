package io.github.llamaclient.session;

/**
 * A turn's image or audio part is larger than the session history may keep ({@link
 * MediaPolicy#maxPartBytes()}), and the manager's {@link MediaPolicy} refuses such parts rather than
 * keeping a placeholder. Thrown before anything is sent: the history is unchanged.
 */
public final class MediaTooLargeException extends SessionStoreException {
  private static final long serialVersionUID = 1L;

  private final long sizeBytes;
  private final long limitBytes;

  /**
   * Creates the exception.
   *
   * @param sessionId the session
   * @param part the part, as messages show it (media type and size)
   * @param sizeBytes the part's decoded size
   * @param limitBytes the limit per part
   */
  public MediaTooLargeException(String sessionId, String part, long sizeBytes, long limitBytes) {
    super(
        sessionId,
        null,
        "a media part ("
            + part
            + ") is over the session's limit of "
            + MediaPolicy.bytes(limitBytes)
            + " per part; nothing was sent. Raise the limit (MediaPolicy.inline(maxPartBytes)), send the"
            + " media by URL, or keep a placeholder instead (MediaPolicy.placeholderWhenTooLarge())",
        null);
    this.sizeBytes = sizeBytes;
    this.limitBytes = limitBytes;
  }

  /**
   * The part's decoded size.
   *
   * @return bytes
   */
  public long sizeBytes() {
    return sizeBytes;
  }

  /**
   * The limit it exceeded.
   *
   * @return bytes per part
   */
  public long limitBytes() {
    return limitBytes;
  }
}
