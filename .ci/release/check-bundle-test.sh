#!/usr/bin/env bash
# The test of the bundle check (CheckBundle.java): starting from a bundle that passes, it removes
# or breaks one required element at a time and asserts that the check fails, naming that element.
# A changed file is signed again (with the GNUPGHOME key that signed the bundle) and its checksums
# made again, so that only the element under test is wrong.
#
#   .ci/release/check-bundle-test.sh REACTOR_ROOT BUNDLE.zip     (GNUPGHOME: the signing key)
#
# Run by .ci/release-dry-run.sh after the check passed. Exits 1 if the check missed a case.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
reactor="$1"
bundle="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
work="$(mktemp -d "${TMPDIR:-/tmp}/check-bundle-test.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# the check, compiled once (or already, by the dry run: CHECK_CLASSES)
classes="${CHECK_CLASSES:-$work/classes}"
[ -n "${CHECK_CLASSES:-}" ] || javac -d "$classes" "$here/CheckBundle.java"
check() { java -XX:TieredStopAtLevel=1 -cp "$classes" CheckBundle "$reactor" "$1"; }

mkdir "$work/good"
(cd "$work/good" && jar xf "$bundle")
version="$(cd "$work/good" && find . -name '*.pom' | head -1 | awk -F/ '{print $(NF-1)}')"
group_dir="$(cd "$work/good" && find . -name "llama-client-parent-$version.pom" | xargs dirname | xargs dirname | xargs dirname)"
comp() { echo "$group_dir/$1/$version"; }                # component directory, relative to a case
parent_pom="$(comp llama-client-parent)/llama-client-parent-$version.pom"
core="$(comp llama-client-core)"
session="$(comp llama-client-session)"

resign() { # $1 = file: new signature and checksums
  rm -f "$1.asc"
  gpg --batch --quiet --armor --detach-sign "$1"
  md5sum "$1" | cut -d' ' -f1 > "$1.md5"
  sha1sum "$1" | cut -d' ' -f1 > "$1.sha1"
  sha256sum "$1" | cut -d' ' -f1 > "$1.sha256"
  sha512sum "$1" | cut -d' ' -f1 > "$1.sha512"
}
drop_element() { # $1 = pom, $2 = element name: removes <name>...</name> (first one, may span lines)
  python3 - "$1" "$2" <<'EOF'
import re, sys
path, name = sys.argv[1], sys.argv[2]
text = open(path, encoding="utf-8").read()
new = re.sub(r"\s*<%s(\s[^>]*)?>.*?</%s>" % (name, name), "", text, count=1, flags=re.S)
assert new != text, "no <%s> in %s" % (name, path)
open(path, "w", encoding="utf-8").write(new)
EOF
  resign "$1"
}

names=()
expects=()
# case_ NAME EXPECTED-MESSAGE-FRAGMENT COMMAND...: a copy of the good bundle, broken by COMMAND
# (run inside it); the check must fail on it and print the fragment
case_() {
  local name="$1" expect="$2" dir="$work/case-${#names[@]}"; shift 2
  cp -a "$work/good" "$dir"
  (cd "$dir" && "$@") || { echo "  could not make the broken copy for: $name"; exit 1; }
  names+=("$name"); expects+=("$expect")
}

drop_from_jar() { # $1 = jar, $2 = entry
  python3 - "$1" "$2" <<'EOF'
import shutil, sys, zipfile
path, entry = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(path) as src, zipfile.ZipFile(path + ".new", "w", zipfile.ZIP_DEFLATED) as dst:
    assert entry in src.namelist(), "no %s in %s" % (entry, path)
    for item in src.infolist():
        if item.filename != entry:
            dst.writestr(item, src.read(item.filename))
shutil.move(path + ".new", path)
EOF
  resign "$1"
}
c="$core/llama-client-core-$version"
s="$session/llama-client-session-$version"
no_javadoc() { rm "$c-javadoc.jar"*; }
no_sources() { rm "$s-sources.jar"*; }
no_jar() { rm "$c.jar" "$c.jar".*; }
no_pom() { rm "$s.pom"*; }
no_sbom() { rm "$c-cyclonedx.json"*; }
wrong_signature() { cp "$s.pom.asc" "$c.pom.asc"; }
wrong_checksum() { echo 0000 > "$c.jar.sha256"; }
tests_jar() { cp "$c.jar" "$c-tests.jar"; resign "$c-tests.jar"; }
unpublished_module() { mkdir -p "$(comp examples)"; cp "$c.jar" "$(comp examples)/examples-$version.jar"; }

case_ "no javadoc jar"          "missing llama-client-core-$version-javadoc.jar" no_javadoc
case_ "no sources jar"          "missing llama-client-session-$version-sources.jar" no_sources
case_ "no main jar"             "missing llama-client-core-$version.jar" no_jar
case_ "no pom"                  "missing llama-client-session-$version.pom" no_pom
case_ "no SBOM"                 "missing llama-client-core-$version-cyclonedx.json" no_sbom
case_ "no signature"            "missing signature llama-client-core-$version.jar.asc" rm "$c.jar.asc"
case_ "signature of other data" "bad signature llama-client-core-$version.pom.asc" wrong_signature
case_ "no sha1 checksum"        "missing checksum llama-client-core-$version-sources.jar.sha1" \
  rm "$c-sources.jar.sha1"
case_ "no md5 checksum"         "missing checksum llama-client-parent-$version.pom.md5" rm "$parent_pom.md5"
case_ "wrong checksum"          "checksum mismatch llama-client-core-$version.jar.sha256" wrong_checksum
case_ "pom without licenses"    "no <licenses><license><name>" drop_element "$parent_pom" licenses
case_ "pom without developers"  "no <developers><developer><name>" drop_element "$parent_pom" developers
case_ "pom without scm"         "no <scm><url>" drop_element "$parent_pom" scm
case_ "pom without url"         "no <url>" drop_element "$parent_pom" url
case_ "pom without description" "no <description>" drop_element "$parent_pom" description
case_ "pom without name"        "has no <name>" drop_element "$c.pom" name
case_ "jar without LICENSE"     "llama-client-core-$version.jar has no META-INF/LICENSE" \
  drop_from_jar "$c.jar" META-INF/LICENSE
case_ "javadoc without LICENSE" "llama-client-core-$version-javadoc.jar has no META-INF/LICENSE" \
  drop_from_jar "$c-javadoc.jar" META-INF/LICENSE
case_ "a -tests jar"            "llama-client-core-$version-tests.jar is not a publishable artifact" tests_jar
case_ "an unpublished module"   "component io.github.llamaclient:examples is not published" unpublished_module
case_ "a whole module missing"  "component io.github.llamaclient:llama-client-session:$version missing" \
  rm -r "$session"

echo "check-bundle test: the untouched bundle passes, each of ${#names[@]} broken copies fails"
# the command line as the dry run uses it: exit 0 on the good bundle, 1 on a broken one
check "$work/good" > "$work/good.out" 2>&1 || { echo "  the untouched bundle fails:"; cat "$work/good.out"; exit 1; }
rc=0; check "$work/case-0" > /dev/null 2>&1 || rc=$?
[ $rc = 1 ] || { echo "  the check exits $rc, not 1, on: ${names[0]}"; exit 1; }

# every case in one JVM (signatures of unchanged files verified once)
cases=()
for i in "${!names[@]}"; do cases+=("$work/case-$i"); done
java -XX:TieredStopAtLevel=1 -cp "$classes" CheckBundle --each "$reactor" "${cases[@]}" > "$work/each.out" 2>&1 \
  || { echo "  the check broke:"; cat "$work/each.out"; exit 1; }
passed=0
failed=0
for i in "${!names[@]}"; do
  lines="$(grep "^case-$i: " "$work/each.out" || true)"
  if grep -q "^case-$i: check-bundle: FAILED" <<< "$lines" && grep -qF -- "${expects[$i]}" <<< "$lines"; then
    passed=$((passed + 1)); echo "  ok: ${names[$i]}"
  else
    failed=$((failed + 1)); echo "  MISSED: ${names[$i]} (expected a line with: ${expects[$i]})"
    sed 's/^/    /' <<< "$lines"
  fi
done
# a module added to the reactor is checked without any edit to the check: the same good bundle
# fails against a reactor with one more published module (poms only: the check reads no more)
mkdir "$work/reactor"
(cd "$reactor" && find . -name pom.xml -not -path '*/target/*' -exec cp --parents {} "$work/reactor/" \;)
mkdir "$work/reactor/llama-client-new"
sed -n '1,/<\/parent>/p' "$reactor/llama-client-session/pom.xml" > "$work/reactor/llama-client-new/pom.xml"
echo '  <artifactId>llama-client-new</artifactId></project>' >> "$work/reactor/llama-client-new/pom.xml"
sed -i 's|<modules>|<modules><module>llama-client-new</module>|' "$work/reactor/pom.xml"
out="$(java -XX:TieredStopAtLevel=1 -cp "$classes" CheckBundle "$work/reactor" "$work/good" 2>&1)" && rc=0 || rc=$?
if [ $rc = 1 ] && grep -qF "component io.github.llamaclient:llama-client-new:$version missing" <<< "$out"; then
  passed=$((passed + 1)); echo "  ok: a new module in the reactor, not in the bundle"
else
  failed=$((failed + 1)); echo "  MISSED: a new module in the reactor, not in the bundle (exit $rc)"; echo "$out" | sed 's/^/    /'
fi

echo "check-bundle test: $passed passed, $failed failed"
[ $failed = 0 ]
