package io.github.llamaclient.spring;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/** A time source that moves only when the test says. Thread-safe. */
final class FakeTime implements InstantSource {
  private volatile Instant now = Instant.parse("2026-12-01T00:00:00Z");

  @Override
  public Instant instant() {
    return now;
  }

  synchronized void advance(Duration d) {
    now = now.plus(d);
  }
}
