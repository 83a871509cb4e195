#!/usr/bin/env bash
# Reproducible-build check, on what a release publishes: runs the release dry run
# (.ci/release-dry-run.sh: the release profile, signed with a throwaway key, bundle checked as
# Central would) twice, on two copies of the working tree at different paths, with a different
# time zone, umask and locale, and compares the two bundles byte for byte: every pom, jar,
# -sources and -javadoc jar, SBOM and checksum of every published module. Only the signatures
# (.asc, and their checksums) differ: each run signs with its own key.
# Unpublished modules (examples, benchmarks) and core's -tests jar are not in the bundle, so not
# compared.
# Exits 1 and names the files on any difference (or when a dry run fails). Installs nothing into
# ~/.m2 (besides downloads).
#
#   .ci/reproducible.sh            # check
#   KEEP=1 .ci/reproducible.sh     # keep the two build trees for a closer look (diffoscope, unzip)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/llama-repro.XXXXXX")"
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT

dry_run() { # $1 = directory for the tree, bundle and key; the rest: environment that must not matter
  local dir="$1"; shift
  env DRY_RUN_DIR="$dir" "$@" bash -c 'umask "$UMASK_VALUE"; "$0"' "$root/.ci/release-dry-run.sh"
}

start=$(date +%s)
# the two dry runs at once: each build is mostly one thread, and the machine has two cores or more
TOOLS_ONLY=1 "$root/.ci/release-dry-run.sh" # installs gpg if needed, once, before the two runs
dry_run "$work/first" TZ=UTC LC_ALL=C.UTF-8 UMASK_VALUE=022 > "$work/first.log" 2>&1 &
first=$!
dry_run "$work/second-build-elsewhere" TZ=Pacific/Kiritimati LC_ALL=C UMASK_VALUE=002 SELF_TEST=0 \
  > "$work/second.log" 2>&1 &
second=$!
failed=0
wait $first || failed=1
wait $second || failed=1
echo "-- first dry run (UTC, C.UTF-8, umask 022):"; cat "$work/first.log"
echo "-- second dry run, elsewhere (Pacific/Kiritimati, C, umask 002):"; cat "$work/second.log"
if [ $failed != 0 ]; then echo "reproducible: a dry run failed (above)"; exit 1; fi

unpack() { # $1 = dry run directory: its bundle, unzipped into $1/bundle
  mkdir "$1/bundle"
  (cd "$1/bundle" && jar xf "$(find "$1/tree" -path '*/target/central-publishing/central-bundle.zip' | head -1)")
}
unpack "$work/first"
unpack "$work/second-build-elsewhere"

# every file of the bundle but the signatures
list() { (cd "$1/bundle" && find . -type f -not -name '*.asc' -not -name '*.asc.*' | sort) }
a="$(list "$work/first")"
b="$(list "$work/second-build-elsewhere")"
if [ "$a" != "$b" ]; then
  echo "reproducible: the two bundles hold different files:"
  diff <(echo "$a") <(echo "$b") || true
  exit 1
fi
if [ -z "$a" ]; then echo "reproducible: empty bundle"; exit 1; fi

listing() { # a jar's entries: size, CRC and name with unzip, else size, time and name
  if command -v unzip > /dev/null; then unzip -lv "$1" | awk '{print $1, $7, $8}' | sed '1,3d'
  else jar tvf "$1"; fi
}
differ=0
count=0
for f in $a; do
  count=$((count + 1))
  if ! cmp -s "$work/first/bundle/$f" "$work/second-build-elsewhere/bundle/$f"; then
    echo "reproducible: DIFFERENT ${f#./}"
    case "$f" in
      *.jar) diff <(listing "$work/first/bundle/$f") <(listing "$work/second-build-elsewhere/bundle/$f") \
               | head -20 || true ;;
      *.md5|*.sha1|*.sha256|*.sha512) ;;
      *) diff "$work/first/bundle/$f" "$work/second-build-elsewhere/bundle/$f" | head -20 || true ;;
    esac
    differ=1
  fi
done
if [ $differ != 0 ]; then
  echo "reproducible: FAILED (KEEP=1 keeps both trees; compare with unzip -lv or diffoscope)"
  exit 1
fi
echo "reproducible: $count bundle files byte-identical across two release builds, signatures aside ($(( $(date +%s) - start ))s)"
for f in $a; do
  case "$f" in *.jar|*.pom|*.json) echo "  $(sha256sum "$work/first/bundle/$f" | cut -c1-16)  ${f#./}" ;; esac
done
