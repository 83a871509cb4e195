package io.github.llamaclient;

import java.lang.reflect.Method;
import java.util.concurrent.ThreadFactory;
import org.jspecify.annotations.Nullable;

/**
 * Virtual threads where the JDK has them (21 and later), reached by reflection: the library is
 * built for Java 17, where they do not exist.
 */
final class VirtualThreads {
  private static final @Nullable Method OF_VIRTUAL = lookUp();

  private VirtualThreads() {}

  private static @Nullable Method lookUp() {
    if (Runtime.version().feature() < 21) {
      return null; // 19 and 20 have them only as a preview
    }
    try {
      return Thread.class.getMethod("ofVirtual");
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /** Whether this JDK has virtual threads. */
  static boolean available() {
    return OF_VIRTUAL != null;
  }

  /**
   * A factory of unstarted virtual threads named {@code prefix} and a counter, or null where the
   * JDK has none (or they cannot be made).
   */
  static @Nullable ThreadFactory factory(String prefix) {
    Method of = OF_VIRTUAL;
    if (of == null) {
      return null;
    }
    try {
      Object builder = of.invoke(null);
      Class<?> type = Class.forName("java.lang.Thread$Builder");
      builder = type.getMethod("name", String.class, long.class).invoke(builder, prefix, 0L);
      return (ThreadFactory) type.getMethod("factory").invoke(builder);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }
}
