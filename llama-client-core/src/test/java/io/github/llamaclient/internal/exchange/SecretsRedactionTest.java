package io.github.llamaclient.internal.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The redactor on its own: the forms of a secret it finds, URLs, causes, and the character rule. */
class SecretsRedactionTest {
  private static final String KEY = "sk/ab\"cd%ef";
  private final Secrets secrets = Secrets.of(KEY, null, "");

  @Test
  void findsTheSecretAsItIsJsonEscapedAndPercentEncoded() {
    assertThat(secrets.redact("raw " + KEY + " json sk\\/ab\\\"cd%ef url sk%2Fab%22cd%25ef end"))
        .isEqualTo("raw *** json *** url *** end");
    assertThat(Secrets.of((String) null, "")).isSameAs(Secrets.NONE);
    assertThat(Secrets.NONE.redact(KEY)).isEqualTo(KEY);
  }

  @Test
  void aSecretCutOffAtTheEndOfAQuoteIsReplacedFromFourCharacters() {
    assertThat(secrets.redact("line: xx sk/ab…")).isEqualTo("line: xx ***…");
    assertThat(secrets.redact("line: xx sk/a")).isEqualTo("line: xx ***");
    assertThat(secrets.redact("line: xx sk/…")).as("three characters say nothing").isEqualTo("line: xx sk/…");
  }

  @Test
  void userInformationIsHiddenOnlyInTheAuthority() {
    assertThat(Secrets.hideUserInfo("http://u:p@h:1/x")).isEqualTo("http://***@h:1/x");
    assertThat(Secrets.hideUserInfo("http://u:p@a@h/x?y#z")).isEqualTo("http://***@h/x?y#z");
    assertThat(Secrets.hideUserInfo("http://u:p@bad host/x")).isEqualTo("http://***@bad host/x");
    assertThat(Secrets.hideUserInfo("//u:p@h")).isEqualTo("//***@h");
    assertThat(Secrets.hideUserInfo("http://h/x@y")).isEqualTo("http://h/x@y");
    assertThat(Secrets.hideUserInfo("http://[::1]:8080/")).isEqualTo("http://[::1]:8080/");
    assertThat(Secrets.hideUserInfo("/relative/x@y")).isEqualTo("/relative/x@y");
  }

  @Test
  void aCauseHoldingTheSecretIsReplacedByAStandInThatPrintsAsTheOriginal() {
    IOException deep = new IOException("token " + KEY);
    RuntimeException top = new RuntimeException("wrapper", deep);
    Throwable r = secrets.redactCause(top);
    assertThat(r).isNotSameAs(top);
    assertThat(r.toString()).isEqualTo("java.lang.RuntimeException: wrapper");
    assertThat(r.getStackTrace()).isEqualTo(top.getStackTrace());
    assertThat(r.getCause().toString()).isEqualTo("java.io.IOException: token ***");
    IOException clean = new IOException("nothing here");
    assertThat(secrets.redactCause(clean)).isSameAs(clean);
  }

  @Test
  void visibleAsciiRuleCountsCharactersNotCodeUnits() {
    assertThat(Secrets.checkVisibleAscii("a!~Z", "k")).isEqualTo("a!~Z");
    assertThatThrownBy(() -> Secrets.checkVisibleAscii("\uD83D\uDE00x y", "k"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("k must be visible ASCII characters only (0x21 to 0x7E): character 1 of 4 is a non-ASCII character");
    assertThatThrownBy(() -> Secrets.checkVisibleAscii("ab\u0000", "k")).hasMessageEndingWith("character 3 of 3 is a control character");
  }
}
