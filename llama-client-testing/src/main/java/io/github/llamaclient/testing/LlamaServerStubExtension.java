package io.github.llamaclient.testing;

import java.util.Arrays;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that injects a running {@link LlamaServerStub} into test methods, {@code
 * @BeforeEach}/{@code @AfterEach} methods, {@code @BeforeAll} methods and constructors, and closes
 * it when that scope ends:
 *
 * <pre>{@code
 * @ExtendWith(LlamaServerStubExtension.class)
 * class MyControllerTest {
 *   @Test
 *   void showsTheAnswer(LlamaServerStub stub) {
 *     stub.enqueue(StubReply.chatStream().content("Hi").build());
 *     ...
 *   }
 * }
 * }</pre>
 *
 * <p>A method's parameters and its {@code @BeforeEach} methods get the same stub; a {@code
 * @BeforeAll} method or the constructor (with {@code @TestInstance(PER_CLASS)}) gets one for the
 * whole class. A {@link ManualClock} parameter in the same scope is the clock that stub paces on;
 * without one the stub runs on real time.
 *
 * <p>Needs JUnit Jupiter 5.13 or later, which closes the stored stub ({@link AutoCloseable}) when
 * its scope ends. Works on the class path and the module path (the module {@code
 * io.github.llamaclient.testing} exports this class and reads {@code org.junit.jupiter.api}).
 */
public final class LlamaServerStubExtension implements ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(LlamaServerStubExtension.class);

  /** The extension; JUnit creates it for {@code @ExtendWith}. */
  public LlamaServerStubExtension() {}

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == LlamaServerStub.class || type == ManualClock.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    ExtensionContext.Store store = context.getStore(NAMESPACE);
    if (parameter.getParameter().getType() == ManualClock.class) {
      return clock(store);
    }
    // the clock may be asked for later: by a later parameter, or by the test method after its @BeforeEach
    boolean manual = asks(parameter.getDeclaringExecutable().getParameterTypes())
        || context.getTestMethod().map(m -> asks(m.getParameterTypes())).orElse(false)
        || store.get(ManualClock.class, ManualClock.class) != null;
    return store.getOrComputeIfAbsent(
        LlamaServerStub.class,
        k -> manual ? LlamaServerStub.start(clock(store)) : LlamaServerStub.start(),
        LlamaServerStub.class);
  }

  private static boolean asks(Class<?>[] types) {
    return Arrays.asList(types).contains(ManualClock.class);
  }

  private static ManualClock clock(ExtensionContext.Store store) {
    return store.getOrComputeIfAbsent(ManualClock.class, k -> new ManualClock(), ManualClock.class);
  }
}
