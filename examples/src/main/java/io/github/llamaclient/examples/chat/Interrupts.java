package io.github.llamaclient.examples.chat;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Catches Ctrl-C (SIGINT) so that it stops the reply being generated instead of the program. Uses
 * {@code sun.misc.Signal} (module {@code jdk.unsupported}, present in every OpenJDK build) through
 * reflection, so that the build's {@code -Werror} does not trip over the proprietary-API warning;
 * where it is missing, Ctrl-C keeps its default meaning (the JVM exits, which also closes the
 * connection, so the server stops generating).
 */
final class Interrupts {
  private Interrupts() {}

  /**
   * Runs {@code handler} on the JVM's signal thread for each SIGINT.
   *
   * @return true if installed, false if this JVM offers no way to (Ctrl-C then exits)
   */
  static boolean onInterrupt(Runnable handler) {
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> signalHandler = Class.forName("sun.misc.SignalHandler");
      InvocationHandler call =
          (Object proxy, Method method, Object[] args) -> {
            switch (method.getName()) {
              case "handle":
                handler.run();
                return null;
              case "hashCode":
                return System.identityHashCode(proxy);
              case "equals":
                return proxy == args[0];
              case "toString":
                return "Ctrl-C handler";
              default:
                throw new UnsupportedOperationException(method.getName());
            }
          };
      Object proxy = Proxy.newProxyInstance(Interrupts.class.getClassLoader(), new Class<?>[] {signalHandler}, call);
      Object sigint = signal.getConstructor(String.class).newInstance("INT");
      signal.getMethod("handle", signal, signalHandler).invoke(null, sigint, proxy);
      return true;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return false;
    }
  }
}
