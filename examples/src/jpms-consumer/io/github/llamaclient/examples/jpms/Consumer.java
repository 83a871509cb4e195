package io.github.llamaclient.examples.jpms;

import io.github.llamaclient.ChatRequest;
import io.github.llamaclient.LlamaClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleReader;
import java.lang.module.ResolvedModule;
import java.lang.reflect.AccessibleObject;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.InaccessibleObjectException;
import java.lang.reflect.Member;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Uses llama-client the way an application would, from the module path ({@code module}) or the
 * class path ({@code classpath}), and checks what each way promises.
 *
 * <p>Arguments: the mode and the server's base URL. Prints {@code CHECK ...} lines and one
 * {@code CONTENT <base64 of the UTF-8 text>} line with the text streamed from the server; exits
 * with status 1 and a {@code FAILED ...} line on the first broken promise.
 */
public final class Consumer {
  private static final String CORE = "io.github.llamaclient";
  private static final String SESSION = "io.github.llamaclient.session";

  private Consumer() {}

  /**
   * Runs the checks and one streamed chat.
   *
   * @param args the mode ({@code module} or {@code classpath}) and the server's base URL
   */
  public static void main(String[] args) {
    if (args.length != 2 || !Set.of("module", "classpath").contains(args[0])) {
      fail("usage: Consumer module|classpath BASE_URL");
    }
    boolean modulePath = args[0].equals("module");
    if (modulePath) {
      namedModules();
    } else {
      classPath();
    }
    // requires transitive java.net.http: the client's HttpClient parameter type is readable here
    HttpClient.Version version = HttpClient.Version.HTTP_1_1;
    check("java.net.http readable through the client module", version != null);

    // tag::stream[]
    ChatRequest request =
        ChatRequest.builder()
            .system("You are a helpful assistant.")
            .user("Tell me about AI.")
            .maxTokens(48)
            .temperature(0.8)
            .seed(1)
            .build();
    String text;
    try (LlamaClient client = LlamaClient.builder().baseUrl(args[1]).build();
        Stream<String> chunks = client.generateStream(request)) {
      text = chunks.collect(Collectors.joining());
    }
    // end::stream[]
    System.out.println("CONTENT " + Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8)));
  }

  private static void namedModules() {
    Module self = Consumer.class.getModule();
    check("this program is the named module " + self.getName(), "io.github.llamaclient.examples.jpms".equals(self.getName()));

    Module core = LlamaClient.class.getModule();
    check("the client is the named module " + CORE, CORE.equals(core.getName()));
    exportsOnly(core, CORE);
    apiUsesReadableTypesOnly(core);
    noDeepReflection(LlamaClient.class);

    Optional<Module> jackson = ModuleLayer.boot().findModule("com.fasterxml.jackson.databind");
    check("jackson-databind is resolved as a named module", jackson.isPresent() && !jackson.get().getDescriptor().isAutomatic());
    check("the client reads jackson-databind", core.canRead(jackson.get()));
    check("jackson-databind is not readable from here (no requires transitive)", !self.canRead(jackson.get()));
    check("jspecify is not needed at run time (requires static)", ModuleLayer.boot().findModule("org.jspecify").isEmpty());

    Optional<Module> session = ModuleLayer.boot().findModule(SESSION);
    if (session.isPresent()) {
      exportsOnly(session.get(), SESSION);
      apiUsesReadableTypesOnly(session.get());
      check(SESSION + " reads " + CORE, session.get().canRead(core));
    } else {
      System.out.println("CHECK (" + SESSION + " not on the module path)");
    }
  }

  private static void classPath() {
    Module core = LlamaClient.class.getModule();
    check("the client is in the unnamed module", !core.isNamed());
    check("this program is in the same unnamed module", Consumer.class.getModule() == core);
  }

  private static void exportsOnly(Module module, String api) {
    ModuleDescriptor d = module.getDescriptor();
    check(module.getName() + " is an explicit module (module-info.class)", !d.isAutomatic());
    check(module.getName() + " is not open", !d.isOpen() && d.opens().isEmpty());
    Set<String> exported = new TreeSet<>();
    for (ModuleDescriptor.Exports e : d.exports()) {
      if (e.isQualified()) {
        // an internal package may be shared with the session module, and with nobody else
        check(
            module.getName() + " exports " + e.source() + " only to the session module",
            e.source().startsWith(api + ".internal.") && e.targets().equals(Set.of("io.github.llamaclient.session")));
        continue;
      }
      exported.add(e.source());
    }
    check(module.getName() + " exports exactly " + api + ", was " + exported, exported.equals(Set.of(api)));
    for (String p : new TreeSet<>(module.getPackages())) {
      if (!p.equals(api)) {
        check(module.getName() + " hides " + p, !module.isExported(p));
      }
    }
  }

  /**
   * Every type in a public or protected signature of the module's exported classes is one that a
   * module requiring it can use: no Jackson (read by the client, not re-exported) in the API.
   */
  private static void apiUsesReadableTypesOnly(Module module) {
    ResolvedModule resolved = ModuleLayer.boot().configuration().findModule(module.getName()).orElseThrow();
    List<String> classFiles;
    try (ModuleReader reader = resolved.reference().open()) {
      classFiles =
          reader.list().filter(n -> n.endsWith(".class") && !n.endsWith("module-info.class")).collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Set<String> userReads = readByAUserOf(module);
    int apiTypes = 0;
    for (String file : classFiles) {
      String name = file.substring(0, file.length() - ".class".length()).replace('/', '.');
      Class<?> type;
      try {
        type = Class.forName(name, false, module.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(e);
      }
      if (!module.isExported(type.getPackageName()) || !isApi(type)) {
        continue;
      }
      apiTypes++;
      List<Type> used = new ArrayList<>();
      used.add(type.getGenericSuperclass());
      used.addAll(List.of(type.getGenericInterfaces()));
      for (Field f : type.getDeclaredFields()) {
        if (isApi(f.getModifiers()) && !f.isSynthetic()) {
          used.add(f.getGenericType());
        }
      }
      List<Executable> executables = new ArrayList<>(List.of(type.getDeclaredConstructors()));
      executables.addAll(List.of(type.getDeclaredMethods()));
      for (Executable e : executables) {
        if (isApi(e.getModifiers()) && !e.isSynthetic()) {
          used.addAll(List.of(e.getGenericParameterTypes()));
          used.addAll(List.of(e.getGenericExceptionTypes()));
          if (e instanceof java.lang.reflect.Method) {
            used.add(((java.lang.reflect.Method) e).getGenericReturnType());
          }
        }
      }
      for (Type t : used) {
        for (Class<?> c : classesIn(t, new HashSet<>())) {
          Module m = c.getModule();
          boolean usable = m.isNamed() && userReads.contains(m.getName()) && m.isExported(c.getPackageName());
          if (!usable) {
            fail(type.getName() + " uses " + c.getName() + " from " + m.getName() + ", which users of " + module.getName() + " cannot read");
          }
        }
      }
    }
    check(module.getName() + ": " + apiTypes + " API types, every signature uses readable types only", apiTypes > 0);
  }

  /** What a module that says "requires module" reads: it, what it requires transitively, java.base. */
  private static Set<String> readByAUserOf(Module module) {
    Set<String> reads = new TreeSet<>(Set.of("java.base"));
    List<String> todo = new ArrayList<>(List.of(module.getName()));
    while (!todo.isEmpty()) {
      String name = todo.remove(todo.size() - 1);
      if (reads.add(name)) {
        ModuleLayer.boot()
            .findModule(name)
            .ifPresent(
                m -> {
                  for (ModuleDescriptor.Requires r : m.getDescriptor().requires()) {
                    if (r.modifiers().contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE)
                        && !reads.contains(r.name())) {
                      todo.add(r.name());
                    }
                  }
                });
      }
    }
    return reads;
  }

  private static boolean isApi(Class<?> type) {
    if (type.isAnonymousClass() || type.isLocalClass() || type.isSynthetic()) {
      return false;
    }
    for (Class<?> c = type; c != null; c = c.getEnclosingClass()) {
      if (!isApi(c.getModifiers())) {
        return false;
      }
    }
    return true;
  }

  private static boolean isApi(int modifiers) {
    return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
  }

  private static Set<Class<?>> classesIn(Type t, Set<Type> seen) {
    Set<Class<?>> out = new HashSet<>();
    if (t == null || !seen.add(t)) {
      return out;
    }
    if (t instanceof Class<?>) {
      Class<?> c = (Class<?>) t;
      while (c.isArray()) {
        c = c.getComponentType();
      }
      if (!c.isPrimitive()) {
        out.add(c);
      }
    } else if (t instanceof ParameterizedType) {
      ParameterizedType p = (ParameterizedType) t;
      out.addAll(classesIn(p.getRawType(), seen));
      out.addAll(classesIn(p.getOwnerType(), seen));
      for (Type a : p.getActualTypeArguments()) {
        out.addAll(classesIn(a, seen));
      }
    } else if (t instanceof WildcardType) {
      for (Type b : ((WildcardType) t).getUpperBounds()) {
        out.addAll(classesIn(b, seen));
      }
      for (Type b : ((WildcardType) t).getLowerBounds()) {
        out.addAll(classesIn(b, seen));
      }
    } else if (t instanceof GenericArrayType) {
      out.addAll(classesIn(((GenericArrayType) t).getGenericComponentType(), seen));
    } else if (t instanceof TypeVariable<?>) {
      for (Type b : ((TypeVariable<?>) t).getBounds()) {
        out.addAll(classesIn(b, seen));
      }
    }
    return out;
  }

  /** The package is exported, not opened: its non-public members stay out of reach. */
  private static void noDeepReflection(Class<?> type) {
    List<AccessibleObject> hidden = new ArrayList<>();
    Stream.of(type.getDeclaredFields()).filter(m -> !Modifier.isPublic(m.getModifiers())).forEach(hidden::add);
    Stream.of(type.getDeclaredConstructors()).filter(m -> !Modifier.isPublic(m.getModifiers())).forEach(hidden::add);
    Stream.of(type.getDeclaredMethods()).filter(m -> !Modifier.isPublic(m.getModifiers())).forEach(hidden::add);
    check(type.getSimpleName() + " has non-public members to try", !hidden.isEmpty());
    for (AccessibleObject member : hidden) {
      String name = ((Member) member).getName() + (member instanceof Executable ? "()" : "");
      try {
        member.setAccessible(true);
        fail(type.getSimpleName() + "." + name + " was made accessible by deep reflection");
      } catch (InaccessibleObjectException expected) {
        // strong encapsulation: what the module promises
      }
    }
    check("no deep reflection into " + type.getSimpleName() + " (" + hidden.size() + " members)", true);
  }

  private static void check(String what, boolean ok) {
    if (!ok) {
      fail(what);
    }
    System.out.println("CHECK " + what);
  }

  private static void fail(String what) {
    System.out.println("FAILED " + what);
    System.exit(1);
  }
}
