#!/usr/bin/env bash
# Builds the application image for this platform (no installer) with the default model embedded
# (assets/default-model; the engine's tiny test model where that is absent), and checks that the
# packaged launcher works headless and offline:
#   1. generate with --model (the tiny test model's folder): a 64x64 PNG,
#   2. generate with no --model (the embedded default model inside the image): a PNG at its native size,
#   3. models list (the embedded model is listed with its summary).
# With --deb (Linux, as root) it builds the .deb instead, runs the same checks on its app image, then
# installs the package with apt-get, runs 'emergence-studio' by that name from PATH as a user would, removes the
# package and checks that neither the command nor /opt/emergence-studio is left behind.
# Exit status 0 when all pass.
#
#   packaging/smoke-test.sh [--skip-build] [--dest DIR] [--deb]
#
# --skip-build reuses app/target/studio (after 'mvn package'); MVN_FLAGS as for build-installer.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/packaging/target/smoke"
BUILD_ARGS=()
DEB=0
while [ $# -gt 0 ]; do
  case "$1" in
    --skip-build) BUILD_ARGS+=(--skip-build); shift ;;
    --dest) DEST="$2"; shift 2 ;;
    --deb) DEB=1; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$DEST"
DEST="$(cd "$DEST" && pwd)"  # absolute: apt-get takes a local package only by a path with a slash
FIXTURE="$ROOT/engine/testmodels/tiny-sd"
EMBED="$ROOT/assets/default-model"
EMBED_SIZE=128  # the default model's native size (its vae_decoder/config.json sample_size)
if [ ! -f "$EMBED/model_index.json" ]; then EMBED="$FIXTURE"; EMBED_SIZE=64; fi
START=$(date +%s)

if [ "$DEB" = 1 ]; then
  [ "$(uname -s)" = Linux ] || { echo "--deb builds a Linux package" >&2; exit 2; }
  [ "$(id -u)" = 0 ] || { echo "--deb installs the package: run as root" >&2; exit 2; }
  if [ "$(dpkg-query -W -f='${Status}' emergence-studio 2>/dev/null)" = "install ok installed" ]; then
    echo "--deb: emergence-studio is already installed here; remove it first (dpkg -r emergence-studio)" >&2; exit 2
  fi
  DEB_FILE="$("$ROOT/packaging/build-installer.sh" --type deb --dest "$DEST" --default-model "$EMBED" ${BUILD_ARGS[@]+"${BUILD_ARGS[@]}"} | tail -1)"
  IMAGE="$DEST/linux-x64/image/Emergence Studio"
else
  IMAGE="$("$ROOT/packaging/build-installer.sh" --type app-image --dest "$DEST" --default-model "$EMBED" ${BUILD_ARGS[@]+"${BUILD_ARGS[@]}"} | tail -1)"
fi
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

if [ "$DEB" = 1 ]; then
  echo "== install $(basename "$DEB_FILE")" >&2
  # As the README installs it: apt-get resolves the package's dependencies (xdg-utils, for the menu entry).
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$DEB_FILE" >&2 || fail "apt-get install exited with $?"
  # What the README tells a user to type: the command by its name, found on PATH.
  if command -v emergence-studio >/dev/null 2>&1; then
    echo "== emergence-studio generate (from PATH: $(command -v emergence-studio))" >&2
    (cd "$OUT" && emergence-studio "${GEN[@]}" --out installed.png) || fail "emergence-studio generate exited with $?"
    check_png "$OUT/installed.png" "$EMBED_SIZE" "$EMBED_SIZE"
  else
    fail "emergence-studio is not on PATH after installing the package"
  fi
  echo "== remove the package" >&2
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -q emergence-studio >&2 || fail "apt-get purge exited with $?"
  [ ! -e /usr/bin/emergence-studio ] && [ ! -L /usr/bin/emergence-studio ] || fail "/usr/bin/emergence-studio is left after removal"
  [ ! -e /opt/emergence-studio ] || fail "/opt/emergence-studio is left after removal"
fi

END=$(date +%s)
echo "image built in $((BUILT - START)) s, checks ran in $((END - BUILT)) s" >&2
if [ "$failures" -gt 0 ]; then
  echo "smoke test: $failures check(s) failed" >&2
  exit 1
fi
echo "smoke test: passed ($IMAGE)" >&2
