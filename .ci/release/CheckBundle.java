import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Checks a Maven Central bundle (the zip central-publishing-maven-plugin makes, or a directory in
 * the same repository layout) as Central's validation does, and against the reactor it came from.
 *
 * <pre>
 *   java .ci/release/CheckBundle.java REACTOR_ROOT BUNDLE.zip|BUNDLE_DIR
 *   java .ci/release/CheckBundle.java --unpublished REACTOR_ROOT   # module dirs marked skipPublishing
 *   java .ci/release/CheckBundle.java --each REACTOR_ROOT DIR...    # each bundle, lines prefixed, exit 0
 * </pre>
 *
 * <p>{@code --each} is for the test of this check (check-bundle-test.sh): one JVM for many broken
 * copies of a bundle, and each signature verified once per content (a cache keyed by the hashes of
 * the signature and the signed file).
 *
 * <p>The published components are read from the reactor, never listed here: every module (the
 * root's {@code <modules>}, recursively) and the root itself, unless its pom (or a reactor parent)
 * sets the property {@code skipPublishing} to true, the same switch that keeps it out of
 * central-publishing-maven-plugin's bundle. For each of them, the bundle must hold:
 *
 * <ul>
 *   <li>the pom, with groupId, artifactId and version that match its path and hold no {@code ${}};
 *       a release version (no -SNAPSHOT), the reactor's; name (not inherited), and, itself or from a
 *       parent in the bundle, description, url, licenses (name and url), developers (name), scm
 *       (url and connection);
 *   <li>for a module that is not a pom: the jar, {@code -sources.jar} and {@code -javadoc.jar},
 *       each with {@code META-INF/LICENSE} (and {@code META-INF/NOTICE} if the reactor has one), the
 *       jar with classes, the sources jar with .java files, the javadoc jar with index.html;
 *   <li>the CycloneDX SBOM ({@code -cyclonedx.json}) naming the component's package URL;
 *   <li>for each of these files, a {@code .asc} that verifies with gpg (the keys of {@code
 *       GNUPGHOME}) and {@code .md5} and {@code .sha1} checksums; every checksum file present must
 *       match.
 * </ul>
 *
 * <p>Nothing else: no file of another component (an unpublished module), no other classifier (a
 * {@code -tests.jar}), no repository metadata. Prints every problem found and exits 1, or prints a
 * summary and exits 0.
 */
public final class CheckBundle {

  private static final Set<String> CLASSIFIERS = Set.of("sources", "javadoc", "cyclonedx");
  private static final Map<String, String> CHECKSUMS =
      Map.of(".md5", "MD5", ".sha1", "SHA-1", ".sha256", "SHA-256", ".sha512", "SHA-512");
  private static final List<String> REQUIRED_CHECKSUMS = List.of(".md5", ".sha1");

  private static final Map<String, String> VERIFIED = new java.util.HashMap<>();
  private final List<String> problems = new ArrayList<>();
  private int signatures;
  private int checksums;

  /** A reactor module: its directory, pom, coordinates and whether it is published. */
  record Module(Path dir, Element pom, String groupId, String artifactId, String version,
      String packaging, boolean published) {
    String key() {
      return groupId + ":" + artifactId;
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("--unpublished")) {
      Path root = Path.of(args[1]).toAbsolutePath().normalize();
      System.out.println(reactor(root).stream().filter(m -> !m.published())
          .map(m -> root.relativize(m.dir()).toString()).collect(Collectors.joining(",")));
      return;
    }
    if (args.length >= 3 && args[0].equals("--each")) {
      Path root = Path.of(args[1]).toAbsolutePath().normalize();
      for (int i = 2; i < args.length; i++) {
        CheckBundle check = new CheckBundle();
        int components = check.check(root, Path.of(args[i]));
        String name = Path.of(args[i]).getFileName().toString();
        check.problems.forEach(p -> System.out.println(name + ": check-bundle: " + p));
        System.out.println(name + ": check-bundle: " + (check.problems.isEmpty()
            ? "OK, " + components + " components" : "FAILED, " + check.problems.size() + " problem(s)"));
      }
      return;
    }
    if (args.length != 2) {
      System.err.println("usage: CheckBundle REACTOR_ROOT BUNDLE.zip|DIR | --unpublished REACTOR_ROOT");
      System.exit(2);
    }
    Path root = Path.of(args[0]).toAbsolutePath().normalize();
    Path bundle = Path.of(args[1]);
    Path dir = bundle;
    if (Files.isRegularFile(bundle)) {
      dir = Files.createTempDirectory("check-bundle");
      unzip(bundle, dir);
    }
    CheckBundle check = new CheckBundle();
    int components = check.check(root, dir);
    if (dir != bundle) {
      deleteTree(dir);
    }
    if (!check.problems.isEmpty()) {
      check.problems.forEach(p -> System.out.println("check-bundle: " + p));
      System.out.println("check-bundle: FAILED, " + check.problems.size() + " problem(s) in " + bundle);
      System.exit(1);
    }
    System.out.println("check-bundle: OK, " + components + " components, " + check.signatures
        + " signatures verified, " + check.checksums + " checksums match: " + bundle.getFileName());
  }

  private int check(Path root, Path bundle) throws Exception {
    List<Module> reactor = reactor(root);
    String version = reactor.get(0).version();
    if (version.endsWith("-SNAPSHOT")) {
      problems.add("the reactor's version " + version + " is a snapshot: Central takes releases only");
    }
    Map<String, Module> expected = new LinkedHashMap<>();
    for (Module m : reactor) {
      if (m.published()) {
        expected.put(m.key(), m);
      }
    }
    boolean notice = Files.exists(root.resolve("NOTICE"));

    // every file, by component directory (group/path/artifactId/version)
    Map<Path, List<String>> byDir = new TreeMap<>();
    try (Stream<Path> files = Files.walk(bundle)) {
      for (Path f : files.filter(Files::isRegularFile).collect(Collectors.toList())) {
        Path rel = bundle.relativize(f);
        if (rel.getNameCount() < 4) {
          problems.add("unexpected file outside any component: " + rel);
          continue;
        }
        byDir.computeIfAbsent(rel.getParent(), d -> new ArrayList<>()).add(rel.getFileName().toString());
      }
    }
    Set<String> seen = new TreeSet<>();
    for (Map.Entry<Path, List<String>> e : byDir.entrySet()) {
      Path d = e.getKey();
      int n = d.getNameCount();
      String v = d.getName(n - 1).toString();
      String a = d.getName(n - 2).toString();
      String g = d.subpath(0, n - 2).toString().replace('/', '.');
      Module m = expected.get(g + ":" + a);
      if (m == null) {
        problems.add("component " + g + ":" + a + " is not published (no module, or skipPublishing): "
            + e.getValue().size() + " file(s) in " + d);
        continue;
      }
      if (!v.equals(version)) {
        problems.add(g + ":" + a + ": version " + v + " in the bundle, the reactor's is " + version);
        continue;
      }
      seen.add(m.key());
      checkComponent(m, bundle.resolve(d), new TreeSet<>(e.getValue()), bundle, notice);
    }
    for (String key : expected.keySet()) {
      if (!seen.contains(key)) {
        problems.add("component " + key + ":" + version + " missing (a published module: its pom does"
            + " not set skipPublishing)");
      }
    }
    return seen.size();
  }

  private void checkComponent(Module m, Path dir, Set<String> files, Path bundle, boolean notice)
      throws Exception {
    String base = m.artifactId() + "-" + m.version();
    List<String> primary = new ArrayList<>(List.of(base + ".pom", base + "-cyclonedx.json"));
    if (!m.packaging().equals("pom")) {
      primary.addAll(List.of(base + ".jar", base + "-sources.jar", base + "-javadoc.jar"));
    }
    for (String f : primary) {
      if (!files.contains(f)) {
        problems.add(m.key() + ": missing " + f);
        continue;
      }
      if (!files.contains(f + ".asc")) {
        problems.add(m.key() + ": missing signature " + f + ".asc");
      }
      for (String c : REQUIRED_CHECKSUMS) {
        if (!files.contains(f + c)) {
          problems.add(m.key() + ": missing checksum " + f + c);
        }
      }
    }
    for (String f : files) {
      String artifact = stripSuffixes(f);
      if (!artifact.startsWith(base)) {
        problems.add(m.key() + ": unexpected file " + f);
        continue;
      }
      String rest = artifact.substring(base.length());
      Matcher c = Pattern.compile("(?:-([^.]+))?\\.(jar|pom|json|xml)").matcher(rest);
      if (!c.matches() || (c.group(1) != null && !CLASSIFIERS.contains(c.group(1)))
          || (c.group(1) == null && !rest.equals(".pom") && !rest.equals(".jar"))
          || (rest.equals(".jar") && m.packaging().equals("pom"))) {
        problems.add(m.key() + ": " + f + " is not a publishable artifact (allowed: the pom, the jar,"
            + " classifiers " + CLASSIFIERS + ")");
      }
      Path file = dir.resolve(f);
      String checksum = CHECKSUMS.keySet().stream().filter(f::endsWith).findFirst().orElse(null);
      if (checksum != null) {
        checkChecksum(m, dir, f, checksum);
      } else if (f.endsWith(".asc")) {
        checkSignature(m, file, dir.resolve(f.substring(0, f.length() - 4)));
      }
    }
    if (files.contains(base + ".pom")) {
      checkPom(m, dir.resolve(base + ".pom"), bundle);
    }
    if (!m.packaging().equals("pom")) {
      checkJar(m, dir.resolve(base + ".jar"), ".class", notice);
      checkJar(m, dir.resolve(base + "-sources.jar"), ".java", notice);
      checkJar(m, dir.resolve(base + "-javadoc.jar"), "index.html", notice);
    }
    Path sbom = dir.resolve(base + "-cyclonedx.json");
    if (Files.exists(sbom)) {
      String json = Files.readString(sbom);
      String purl = "pkg:maven/" + m.groupId() + "/" + m.artifactId() + "@" + m.version();
      if (!json.matches("(?s).*\"bomFormat\"\\s*:\\s*\"CycloneDX\".*") || !json.contains(purl)) {
        problems.add(m.key() + ": " + sbom.getFileName() + " is not a CycloneDX SBOM of " + purl);
      }
    }
  }

  private static String stripSuffixes(String f) {
    String s = f;
    for (boolean again = true; again; ) {
      again = false;
      for (String suffix : List.of(".asc", ".md5", ".sha1", ".sha256", ".sha512")) {
        if (s.endsWith(suffix)) {
          s = s.substring(0, s.length() - suffix.length());
          again = true;
        }
      }
    }
    return s;
  }

  private void checkChecksum(Module m, Path dir, String f, String suffix) throws Exception {
    Path target = dir.resolve(f.substring(0, f.length() - suffix.length()));
    if (!Files.exists(target)) {
      problems.add(m.key() + ": checksum " + f + " of a file that is not there");
      return;
    }
    String expected = Files.readString(dir.resolve(f)).trim().split("\\s+")[0].toLowerCase();
    String actual = hex(MessageDigest.getInstance(CHECKSUMS.get(suffix)), target);
    if (!expected.equals(actual)) {
      problems.add(m.key() + ": checksum mismatch " + f + " (says " + expected + ", is " + actual + ")");
    } else {
      checksums++;
    }
  }

  private void checkSignature(Module m, Path asc, Path signed) throws Exception {
    if (!Files.exists(signed)) {
      problems.add(m.key() + ": signature " + asc.getFileName() + " of a file that is not there");
      return;
    }
    String key = hex(MessageDigest.getInstance("SHA-256"), asc) + " "
        + hex(MessageDigest.getInstance("SHA-256"), signed);
    String failure = VERIFIED.get(key);
    if (failure == null) {
      failure = gpgVerify(asc, signed);
      VERIFIED.put(key, failure);
    }
    if (failure.isEmpty()) {
      signatures++;
    } else {
      problems.add(m.key() + ": bad signature " + asc.getFileName() + ": " + failure);
    }
  }

  /** Runs gpg --verify; returns "" for a good signature, else what gpg said. */
  private static String gpgVerify(Path asc, Path signed) throws Exception {
    Process gpg = new ProcessBuilder("gpg", "--batch", "--no-tty", "--verify", asc.toString(),
        signed.toString()).redirectErrorStream(true).start();
    String out = new String(gpg.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!gpg.waitFor(60, TimeUnit.SECONDS)) {
      gpg.destroyForcibly();
      return "gpg --verify did not finish in 60 s";
    }
    if (gpg.exitValue() == 0 && out.contains("Good signature")) {
      return "";
    }
    String said = out.lines().filter(l -> l.contains("BAD") || l.contains("Can't") || l.contains("no valid"))
        .collect(Collectors.joining("; "));
    return said.isEmpty() ? "gpg exited " + gpg.exitValue() : said;
  }

  private void checkPom(Module m, Path pomFile, Path bundle) throws Exception {
    Element pom = parse(pomFile);
    String what = m.key() + ": " + pomFile.getFileName();
    for (String coordinate : List.of("groupId", "artifactId", "version")) {
      String own = text(pom, coordinate);
      String value = own != null ? own : text(child(pom, "parent"), coordinate);
      if (value == null && !coordinate.equals("artifactId")) {
        problems.add(what + " has no <" + coordinate + ">, neither its own nor its parent's");
      } else if (value == null || value.contains("${")) {
        problems.add(what + ": <" + coordinate + "> is " + value + " (Central needs it literal)");
      }
    }
    String groupId = text(pom, "groupId") != null ? text(pom, "groupId") : text(child(pom, "parent"), "groupId");
    if (!m.artifactId().equals(text(pom, "artifactId")) || !m.groupId().equals(groupId)
        || !m.version().equals(text(pom, "version") != null ? text(pom, "version")
            : text(child(pom, "parent"), "version"))) {
      problems.add(what + ": its coordinates do not match its path in the bundle");
    }
    if (blank(text(pom, "name"))) {
      problems.add(what + " has no <name> (not inherited)");
    }
    // the rest may come from a parent, which must then be in the bundle too
    List<Element> chain = new ArrayList<>(List.of(pom));
    for (Element p = pom; child(p, "parent") != null; ) {
      Element ref = child(p, "parent");
      Path parent = bundle.resolve(text(ref, "groupId").replace('.', '/')).resolve(text(ref, "artifactId"))
          .resolve(text(ref, "version"))
          .resolve(text(ref, "artifactId") + "-" + text(ref, "version") + ".pom");
      if (!Files.exists(parent)) {
        problems.add(what + ": its parent " + text(ref, "artifactId") + " is not in the bundle");
        break;
      }
      p = parse(parent);
      chain.add(p);
    }
    require(what, chain, "description");
    require(what, chain, "url");
    require(what, chain, "licenses", "license", "name");
    require(what, chain, "licenses", "license", "url");
    require(what, chain, "developers", "developer", "name");
    require(what, chain, "scm", "url");
    require(what, chain, "scm", "connection");
  }

  private void require(String what, List<Element> chain, String... path) {
    for (Element pom : chain) {
      Element e = pom;
      for (int i = 0; i < path.length - 1 && e != null; i++) {
        e = child(e, path[i]);
      }
      if (e != null && !blank(text(e, path[path.length - 1]))) {
        return;
      }
    }
    problems.add(what + " has no <" + String.join("><", path) + ">, neither its own nor a parent's");
  }

  private void checkJar(Module m, Path jar, String content, boolean notice) throws IOException {
    if (!Files.exists(jar)) {
      return; // reported as missing
    }
    Set<String> names = new TreeSet<>();
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      zip.stream().map(ZipEntry::getName).forEach(names::add);
    } catch (IOException e) {
      problems.add(m.key() + ": " + jar.getFileName() + " is not a jar: " + e.getMessage());
      return;
    }
    if (!names.contains("META-INF/LICENSE")) {
      problems.add(m.key() + ": " + jar.getFileName() + " has no META-INF/LICENSE");
    }
    if (notice && !names.contains("META-INF/NOTICE")) {
      problems.add(m.key() + ": " + jar.getFileName() + " has no META-INF/NOTICE (the reactor has one)");
    }
    if (names.stream().noneMatch(n -> n.endsWith(content))) {
      problems.add(m.key() + ": " + jar.getFileName() + " holds no " + content + " file");
    }
  }

  // --- the reactor

  static List<Module> reactor(Path root) throws Exception {
    List<Module> modules = new ArrayList<>();
    Map<String, Module> byKey = new LinkedHashMap<>();
    collect(root, modules, byKey);
    return modules;
  }

  private static void collect(Path dir, List<Module> out, Map<String, Module> byKey)
      throws Exception {
    Element pom = parse(dir.resolve("pom.xml"));
    Element parent = child(pom, "parent");
    String groupId = text(pom, "groupId") != null ? text(pom, "groupId") : text(parent, "groupId");
    String version = text(pom, "version") != null ? text(pom, "version") : text(parent, "version");
    String packaging = text(pom, "packaging") != null ? text(pom, "packaging") : "jar";
    // skipPublishing: its own property, else its reactor parent's (inherited as Maven does)
    String skip = text(child(pom, "properties"), "skipPublishing");
    Module parentInReactor = parent == null ? null
        : byKey.get(text(parent, "groupId") + ":" + text(parent, "artifactId"));
    boolean published = skip != null ? !skip.trim().equals("true")
        : parentInReactor == null || parentInReactor.published();
    Module m = new Module(dir, pom, groupId, text(pom, "artifactId"), version, packaging, published);
    out.add(m);
    byKey.put(m.key(), m);
    Element modules = child(pom, "modules");
    if (modules != null) {
      for (Node n = modules.getFirstChild(); n != null; n = n.getNextSibling()) {
        if (n instanceof Element e && e.getTagName().equals("module")) {
          collect(dir.resolve(e.getTextContent().trim()).normalize(), out, byKey);
        }
      }
    }
  }

  // --- small helpers

  private static Element parse(Path pom) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(false);
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    Document d = f.newDocumentBuilder().parse(pom.toFile());
    return d.getDocumentElement();
  }

  private static Element child(Element e, String name) {
    if (e == null) {
      return null;
    }
    for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element c && c.getTagName().equals(name)) {
        return c;
      }
    }
    return null;
  }

  private static String text(Element e, String name) {
    Element c = child(e, name);
    return c == null ? null : c.getTextContent().trim();
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static String hex(MessageDigest digest, Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      for (int r; (r = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, r);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static void unzip(Path zip, Path dir) throws IOException {
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        Path target = dir.resolve(e.getName()).normalize();
        if (!target.startsWith(dir)) {
          throw new IOException("entry outside the bundle: " + e.getName());
        }
        if (e.isDirectory()) {
          Files.createDirectories(target);
        } else {
          Files.createDirectories(target.getParent());
          Files.copy(in, target);
        }
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }
}
