package io.github.llamaclient.session;

/**
 * What a session's history keeps of the images and audio its turns sent: see {@link MediaPolicy}.
 * A turn always sends its own media as given; this decides what the later turns send again and
 * what the store holds.
 */
public enum MediaStorage {
  /**
   * Everything is kept: inline images and audio as base64 (up to {@linkplain
   * MediaPolicy#maxPartBytes() the size limit}), URLs as URLs.
   */
  INLINE,
  /**
   * Only references are kept: an image given by URL stays (the server fetches it again with each
   * turn); inline images and audio are replaced by a placeholder text part.
   */
  REFERENCE_ONLY,
  /** No media is kept: every image and audio part is replaced by a placeholder text part. */
  DROP
}
