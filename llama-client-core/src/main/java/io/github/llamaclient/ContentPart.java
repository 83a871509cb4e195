package io.github.llamaclient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;

/**
 * One part of a message's content: text, an image or audio. llama-server takes them as
 * OpenAI-style content parts ({@code text}, {@code image_url} with a URL or a {@code data:} URI,
 * {@code input_audio} with base64 data and its format) when it runs with a multimodal projector
 * ({@code --mmproj}); {@link ServerProps#vision()} and {@link ServerProps#audio()} say which it
 * takes. Make parts with the static factories; add them to a message with {@link
 * ChatMessage.Builder#part(ContentPart)} or {@link ChatMessage#user(ContentPart, ContentPart...)}. Immutable and
 * thread-safe.
 *
 * <p>New kinds of part may be added in a later version (as {@link ChatEvent} may gain events): a
 * {@code switch} over parts should keep a default branch.
 */
public sealed interface ContentPart permits ContentPart.Text, ContentPart.Image, ContentPart.Audio {

  /**
   * A text part.
   *
   * @param text the text
   * @return the part
   * @throws NullPointerException if {@code text} is null
   */
  static Text text(String text) {
    return new Text(text);
  }

  /**
   * An image sent inline, as a {@code data:} URI.
   *
   * @param bytes the encoded image (PNG, JPEG, WebP, ...), copied
   * @param mediaType its media type, such as {@code image/png}
   * @return the part
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code bytes} is empty or {@code mediaType} is not {@code
   *     image/...}
   */
  static Image image(byte[] bytes, String mediaType) {
    Objects.requireNonNull(bytes, "bytes");
    Objects.requireNonNull(mediaType, "mediaType");
    if (bytes.length == 0) {
      throw new IllegalArgumentException("an image needs at least one byte");
    }
    if (!mediaType.toLowerCase(Locale.ROOT).startsWith("image/")) {
      throw new IllegalArgumentException("an image's media type starts with image/, was '" + mediaType + "'");
    }
    return new Image("data:" + mediaType + ";base64," + Base64.getEncoder().encodeToString(bytes));
  }

  /**
   * An image read from a file now and sent inline; the media type comes from the file name's
   * extension ({@code png}, {@code jpg}/{@code jpeg}, {@code gif}, {@code webp}, {@code bmp}).
   *
   * @param file the image file
   * @return the part
   * @throws NullPointerException if {@code file} is null
   * @throws IllegalArgumentException if the extension is none of those, or the file is empty
   * @throws UncheckedIOException if the file cannot be read
   */
  static Image image(Path file) {
    Objects.requireNonNull(file, "file");
    String type = Media.imageType(file);
    return image(Media.read(file), type);
  }

  /**
   * An image the server fetches itself ({@code http:} or {@code https:}), or a {@code data:} URI
   * written by the caller.
   *
   * @param url the URL
   * @return the part
   * @throws NullPointerException if {@code url} is null
   * @throws IllegalArgumentException if the scheme is not {@code http}, {@code https} or {@code data}
   */
  static Image imageUrl(URI url) {
    Objects.requireNonNull(url, "url");
    return new Image(url.toString());
  }

  /**
   * Audio sent inline (base64), with its format.
   *
   * @param bytes the encoded audio, copied
   * @param format {@code wav} or {@code mp3} (what llama-server decodes)
   * @return the part
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code bytes} is empty or the format is not {@code wav} or
   *     {@code mp3}
   */
  static Audio audio(byte[] bytes, String format) {
    Objects.requireNonNull(bytes, "bytes");
    if (bytes.length == 0) {
      throw new IllegalArgumentException("audio needs at least one byte");
    }
    return new Audio(Base64.getEncoder().encodeToString(bytes), format);
  }

  /**
   * Audio read from a file now; the format comes from the extension ({@code wav} or {@code mp3}).
   *
   * @param file the audio file
   * @return the part
   * @throws NullPointerException if {@code file} is null
   * @throws IllegalArgumentException if the extension is neither, or the file is empty
   * @throws UncheckedIOException if the file cannot be read
   */
  static Audio audio(Path file) {
    Objects.requireNonNull(file, "file");
    return audio(Media.read(file), Media.extension(file));
  }

  /**
   * Text ({@code {"type":"text","text":...}}).
   *
   * @param text the text, possibly empty
   */
  record Text(String text) implements ContentPart {
    /**
     * Checks the component.
     *
     * @param text the text
     */
    public Text {
      Objects.requireNonNull(text, "text");
    }
  }

  /**
   * An image ({@code {"type":"image_url","image_url":{"url":...}}}): a URL the server fetches, or
   * the image itself as a {@code data:} URI.
   *
   * @param url an {@code http:}, {@code https:} or {@code data:} URI
   */
  record Image(String url) implements ContentPart {
    /**
     * Checks the component.
     *
     * @param url the URL
     */
    public Image {
      Objects.requireNonNull(url, "url");
      String u = url.toLowerCase(Locale.ROOT);
      if (!(u.startsWith("http://") || u.startsWith("https://") || u.startsWith("data:"))) {
        throw new IllegalArgumentException(
            "an image URL is http:, https: or a data: URI, was '" + Media.shorten(url) + "'");
      }
    }

    /**
     * Whether the image is sent inline (a {@code data:} URI) rather than fetched by the server.
     *
     * @return true for a {@code data:} URI
     */
    public boolean inline() {
      return url.regionMatches(true, 0, "data:", 0, 5);
    }

    /** Shows the URL, or for inline data only its media type and size. */
    @Override
    public String toString() {
      return "Image[" + Media.shorten(url) + "]";
    }
  }

  /**
   * Audio ({@code {"type":"input_audio","input_audio":{"data":...,"format":...}}}).
   *
   * @param data the encoded audio, base64
   * @param format {@code wav} or {@code mp3}
   */
  record Audio(String data, String format) implements ContentPart {
    /**
     * Checks the components.
     *
     * @param data the base64 data
     * @param format the format
     */
    public Audio {
      Objects.requireNonNull(data, "data");
      Objects.requireNonNull(format, "format");
      format = format.toLowerCase(Locale.ROOT);
      if (!format.equals("wav") && !format.equals("mp3")) {
        throw new IllegalArgumentException("audio format must be wav or mp3, was '" + format + "'");
      }
    }

    /** Shows the format and the size, not the data. */
    @Override
    public String toString() {
      return "Audio[" + format + ", " + data.length() + " base64 chars]";
    }
  }
}

/** File reading and naming for the media factories of {@link ContentPart}. */
final class Media {
  private Media() {}

  static byte[] read(Path file) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      if (bytes.length == 0) {
        throw new IllegalArgumentException(file + " is empty");
      }
      return bytes;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  static String extension(Path file) {
    Path name = file.getFileName();
    String n = name == null ? "" : name.toString();
    int dot = n.lastIndexOf('.');
    return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
  }

  static String imageType(Path file) {
    switch (extension(file)) {
      case "png":
        return "image/png";
      case "jpg":
      case "jpeg":
        return "image/jpeg";
      case "gif":
        return "image/gif";
      case "webp":
        return "image/webp";
      case "bmp":
        return "image/bmp";
      default:
        throw new IllegalArgumentException(
            "cannot tell the image type of " + file + " from its extension (png, jpg, jpeg, gif, webp, bmp)");
    }
  }

  /** A URL as messages show it: a data URI as its head and size. */
  static String shorten(String url) {
    int comma = url.indexOf(',');
    if (url.regionMatches(true, 0, "data:", 0, 5) && comma > 0) {
      return url.substring(0, comma) + ", " + (url.length() - comma - 1) + " chars";
    }
    return url.length() > 200 ? url.substring(0, 200) + "…" : url;
  }
}
