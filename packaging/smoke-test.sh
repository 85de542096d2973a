#!/usr/bin/env bash
# Builds the application image for this platform (no installer) with the default model embedded
# (assets/default-model; the engine's tiny test model where that is absent), and checks that the
# packaged launcher works headless and offline:
#   1. generate with --model (the tiny test model's folder): a 64x64 PNG,
#   2. generate with no --model (the embedded default model inside the image): a PNG at its native size,
#   3. models list (the embedded model is listed with its summary).
# Exit status 0 when all pass.
#
#   packaging/smoke-test.sh [--skip-build] [--dest DIR]
#
# --skip-build reuses app/target/studio (after 'mvn package'); MVN_FLAGS as for build-installer.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/packaging/target/smoke"
BUILD_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --skip-build) BUILD_ARGS+=(--skip-build); shift ;;
    --dest) DEST="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
FIXTURE="$ROOT/engine/testmodels/tiny-sd"
EMBED="$ROOT/assets/default-model"
EMBED_SIZE=128  # the default model's native size (its vae_decoder/config.json sample_size)
if [ ! -f "$EMBED/model_index.json" ]; then EMBED="$FIXTURE"; EMBED_SIZE=64; fi
START=$(date +%s)

IMAGE="$("$ROOT/packaging/build-installer.sh" --type app-image --dest "$DEST" --default-model "$EMBED" ${BUILD_ARGS[@]+"${BUILD_ARGS[@]}"} | tail -1)"
BUILT=$(date +%s)
case "$(uname -s)" in
  Darwin) LAUNCHER="$IMAGE/Contents/MacOS/emergence-studio" ;;
  MINGW*|MSYS*|CYGWIN*) LAUNCHER="$IMAGE/emergence-studio.exe" ;;
  *) LAUNCHER="$IMAGE/bin/emergence-studio" ;;
esac
[ -x "$LAUNCHER" ] || { echo "FAIL: no launcher at $LAUNCHER" >&2; exit 1; }

OUT="$DEST/outputs"
rm -rf "$OUT"
mkdir -p "$OUT"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# A PNG starts with its 8-byte signature, then the IHDR chunk: width and height as 4-byte big-endian numbers.
check_png() {
  local file="$1" w="$2" h="$3"
  [ -s "$file" ] || { fail "$file was not written"; return; }
  local head
  head="$(od -An -tx1 -N24 "$file" | tr -d ' \n')"
  [ "${head:0:16}" = "89504e470d0a1a0a" ] || { fail "$file is not a PNG"; return; }
  [ $((16#${head:32:8})) = "$w" ] && [ $((16#${head:40:8})) = "$h" ] || fail "$file is $((16#${head:32:8}))x$((16#${head:40:8})), expected ${w}x$h"
}

GEN=(generate --prompt "a red circle on a blue background" --steps 4 --seed 42 --device cpu --quiet)
echo "== generate with --model" >&2
"$LAUNCHER" "${GEN[@]}" --width 64 --height 64 --model "$FIXTURE" --out "$OUT/with-model.png" || fail "generate --model exited with $?"
check_png "$OUT/with-model.png" 64 64

echo "== generate with the embedded default model ($(basename "$EMBED"))" >&2
"$LAUNCHER" "${GEN[@]}" --out "$OUT/embedded.png" || fail "generate (embedded model) exited with $?"
check_png "$OUT/embedded.png" "$EMBED_SIZE" "$EMBED_SIZE"

echo "== models list" >&2
LISTING="$("$LAUNCHER" models list --library "$OUT/library")" || fail "models list exited with $?"
printf '%s\n' "$LISTING" >&2
printf '%s\n' "$LISTING" | grep -q '^default \[embedded\] ' || fail "the embedded model is not listed"

END=$(date +%s)
echo "image built in $((BUILT - START)) s, checks ran in $((END - BUILT)) s" >&2
if [ "$failures" -gt 0 ]; then
  echo "smoke test: $failures check(s) failed" >&2
  exit 1
fi
echo "smoke test: passed ($IMAGE)" >&2
