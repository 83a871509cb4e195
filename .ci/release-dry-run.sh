#!/usr/bin/env bash
# Release dry run: the real release (./mvnw deploy -Prelease, docs/publishing.md) end to end,
# without uploading anything, on a copy of the working tree with the release version set:
#
#   1. a throwaway GPG key, generated for this run in a temporary GNUPGHOME;
#   2. ./mvnw deploy -Prelease -DskipUpload: sources and javadoc jars, the CycloneDX SBOMs,
#      signatures by maven-gpg-plugin, and the bundle Central would receive, made by
#      central-publishing-maven-plugin (target/central-publishing/central-bundle.zip);
#      only the published modules are built (-pl without those marked skipPublishing), tests
#      are neither compiled nor run (CI ran them), nothing is installed into ~/.m2;
#   3. .ci/release/CheckBundle.java checks the bundle as Central's validation would (every
#      published module present and nothing else, pom metadata, jars, sources, javadoc, SBOM,
#      LICENSE in every jar, signatures that verify with gpg, checksums);
#   4. .ci/release/check-bundle-test.sh shows that the check fails when any required element is
#      missing (SELF_TEST=0 skips it).
#
# Exits 1 when the check fails, 2 when the build fails.
#
#   .ci/release-dry-run.sh                      # the version of the poms without -SNAPSHOT
#   RELEASE_VERSION=0.1.0 .ci/release-dry-run.sh
#   DRY_RUN_DIR=/some/dir .ci/release-dry-run.sh        # keep the tree, bundle and key there (must not exist)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
start=$(date +%s)

if ! command -v gpg > /dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null 2>&1; then
    echo "== installing gnupg (apt-get, once)"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends gnupg
  else
    echo "release dry run: needs gpg (Debian: apt-get install gnupg)" >&2
    exit 2
  fi
fi
if [ "${TOOLS_ONLY:-0}" = 1 ]; then exit 0; fi # what .ci/reproducible.sh runs before two dry runs at once

if [ -n "${DRY_RUN_DIR:-}" ]; then
  work="$DRY_RUN_DIR"; mkdir "$work"
else
  work="$(mktemp -d "${TMPDIR:-/tmp}/llama-release.XXXXXX")"
fi
export GNUPGHOME="$work/gnupg"
cleanup() {
  gpgconf --kill gpg-agent > /dev/null 2>&1 || true # the agent gpg started for this GNUPGHOME
  if [ -z "${DRY_RUN_DIR:-}" ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

# 0. the working tree as it is (uncommitted edits included), without build output, release version set
tree="$work/tree"
mkdir -p "$tree"
tar -C "$root" --exclude=./.git --exclude='./target' --exclude='./*/target' -cf - . | tar -C "$tree" -xf -
snapshot="$(sed -n 's|^  <version>\(.*\)</version>|\1|p' "$tree/pom.xml" | head -1)"
version="${RELEASE_VERSION:-${snapshot%-SNAPSHOT}}"
find "$tree" -name pom.xml -not -path '*/target/*' -print0 \
  | xargs -0 sed -i "s|<version>$snapshot</version>|<version>$version</version>|"

# 1. a throwaway signing key (no passphrase, expires tomorrow)
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --gen-key 2> "$work/gpg-keygen.log" <<EOF || { cat "$work/gpg-keygen.log"; exit 2; }
Key-Type: eddsa
Key-Curve: ed25519
Key-Usage: sign
Name-Real: llama-client release dry run
Name-Email: release-dry-run@example.invalid
Expire-Date: 1d
%no-protection
%commit
EOF

# 2. the release build, published modules only
export CHECK_CLASSES="$work/check-classes" # the check, compiled once (the self-test uses it too)
javac -d "$CHECK_CLASSES" "$root/.ci/release/CheckBundle.java"
check() { java -XX:TieredStopAtLevel=1 -cp "$CHECK_CLASSES" CheckBundle "$@"; }
unpublished="$(check --unpublished "$tree")"
exclude=()
if [ -n "$unpublished" ]; then exclude=(-pl "$(echo "$unpublished" | sed 's/[^,]*/!&/g')"); fi
echo "release dry run: $version, signed with a throwaway key; not built (skipPublishing): ${unpublished:-none}"
# online: central-publishing-maven-plugin skips itself in offline mode (it uploads nothing here)
if ! (cd "$tree" && ./mvnw -B -ntp deploy -Prelease -DskipUpload -Dmaven.test.skip=true -Dmaven.install.skip=true \
      -Djapicmp.skip=true "${exclude[@]}") > "$work/build.log" 2>&1; then
  echo "release dry run: the release build failed (last lines of $work/build.log):"
  tail -60 "$work/build.log"
  exit 2
fi
# in the target/ of the reactor's first module (the BOM)
bundle="$(find "$tree" -path '*/target/central-publishing/central-bundle.zip' | head -1)"
if [ -z "$bundle" ]; then
  echo "release dry run: no central-bundle.zip; the build said:"
  grep -i 'central\|staging\|bundle' "$work/build.log" | tail -20
  exit 1
fi
build_done=$(date +%s)

# 3. the bundle, checked as Central would
check "$tree" "$bundle"

# 4. the check itself fails on a bundle with any required element missing
if [ "${SELF_TEST:-1}" = 1 ]; then
  "$root/.ci/release/check-bundle-test.sh" "$tree" "$bundle"
fi
echo "release dry run: passed in $(( $(date +%s) - start ))s (build $(( build_done - start ))s); bundle $(du -k "$bundle" | cut -f1) KiB"
