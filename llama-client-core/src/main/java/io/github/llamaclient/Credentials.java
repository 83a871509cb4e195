package io.github.llamaclient;

import io.github.llamaclient.internal.exchange.Secrets;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Credentials given in the base URL ({@code http://user:password@host}), for a reverse proxy that
 * asks for basic authentication: sent as {@code Authorization: Basic}, never shown.
 */
final class Credentials {
  private final String header;
  private final Secrets secrets;

  private Credentials(String header, Secrets secrets) {
    this.header = header;
    this.secrets = secrets;
  }

  /**
   * The credentials of a URL that has user information.
   *
   * @throws IllegalArgumentException if they are empty, or the user name or password (decoded) is
   *     not visible ASCII; the message never quotes them
   */
  static Credentials of(URI uri) {
    String raw = String.valueOf(uri.getRawUserInfo());
    String decoded = String.valueOf(uri.getUserInfo());
    if (decoded.isEmpty()) {
      throw new IllegalArgumentException(
          "baseUrl has an empty user information before '@' (credentials are written user:password@host), was "
              + Secrets.hideUserInfo(uri.toString()));
    }
    int colon = decoded.indexOf(':');
    String user = colon < 0 ? decoded : decoded.substring(0, colon);
    String password = colon < 0 ? "" : decoded.substring(colon + 1);
    if (!user.isEmpty()) {
      Secrets.checkVisibleAscii(user, "the user name in baseUrl");
    }
    if (!password.isEmpty()) {
      Secrets.checkVisibleAscii(password, "the password in baseUrl");
    }
    String token = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.US_ASCII));
    int rawColon = raw.indexOf(':');
    Secrets secrets =
        password.isEmpty()
            ? Secrets.of(decoded, raw, token) // no password: the user information is the secret
            : Secrets.of(password, rawColon < 0 ? null : raw.substring(rawColon + 1), token);
    return new Credentials("Basic " + token, secrets);
  }

  /** The {@code Authorization} header value. */
  String header() {
    return header;
  }

  /** The password (or, without one, the user information) and the header's token. */
  Secrets secrets() {
    return secrets;
  }

  @Override
  public String toString() {
    return "Credentials[" + Secrets.MASK + "]";
  }
}
