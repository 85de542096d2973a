#!/usr/bin/env bash
# Builds Emergence Studio's native installer for the platform it runs on, with the JDK's jlink and
# jpackage: a .deb on Linux, an .msi on Windows (Git Bash, WiX 3 on PATH), a .dmg on macOS.
#
#   packaging/build-installer.sh [--type deb|rpm|msi|exe|dmg|pkg|app-image] [--default-model DIR]
#                                [--dest DIR] [--skip-build] [--unfiltered]
#
#   --type           what to build (default: deb, msi or dmg by platform); app-image is the installed
#                    folder alone, which is all the smoke test needs
#   --default-model  the model folder to embed as the default model (default: assets/default-model,
#                    when it exists)
#   --dest           where the results go (default: packaging/target)
#   --skip-build     use the launcher already in app/target/studio instead of running Maven
#   --unfiltered     keep every library jar as Maven delivers it (all platforms' native libraries and
#                    debug symbols inside): only to measure what the filtering saves
#
# Environment: JAVA_HOME (a JDK 17+ with jlink and jpackage; default: the one on PATH),
# MVN_FLAGS (extra Maven flags, e.g. -o to build offline).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TYPE=""
DEFAULT_MODEL=""
DEST="$ROOT/packaging/target"
SKIP_BUILD=0
UNFILTERED=0
while [ $# -gt 0 ]; do
  case "$1" in
    --type) TYPE="$2"; shift 2 ;;
    --default-model) DEFAULT_MODEL="$2"; shift 2 ;;
    --dest) DEST="$2"; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    --unfiltered) UNFILTERED=1; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
size_of() { du -sh "$1" | cut -f1; }

# --- Platform -------------------------------------------------------------------------------------
case "$(uname -s)" in
  Linux) OS=linux ;;
  Darwin) OS=macos ;;
  MINGW*|MSYS*|CYGWIN*) OS=windows ;;
  *) die "unsupported system $(uname -s)" ;;
esac
case "$(uname -m)" in
  x86_64|amd64) ARCH=x64 ;;
  arm64|aarch64) ARCH=aarch64 ;;
  *) die "unsupported processor $(uname -m)" ;;
esac
case "$OS-$ARCH" in
  linux-x64) PLATFORM=linux-x64 ;;
  windows-x64) PLATFORM=win-x64 ;;
  macos-aarch64) PLATFORM=osx-aarch64 ;;
  macos-x64) PLATFORM=osx-x64 ;;
  *) die "no ONNX Runtime build bundles natives for $OS-$ARCH" ;;
esac
if [ -z "$TYPE" ]; then
  case "$OS" in linux) TYPE=deb ;; windows) TYPE=msi ;; macos) TYPE=dmg ;; esac
fi

JDK_BIN="${JAVA_HOME:+$JAVA_HOME/bin/}"
for tool in java jlink jpackage jdeps; do
  command -v "${JDK_BIN}$tool" >/dev/null || die "${JDK_BIN}$tool not found: set JAVA_HOME to a JDK 17 or later"
done
JAVA="${JDK_BIN}java"
JARTOOL=("$JAVA" "$ROOT/packaging/tools/JarTool.java")

# --- Version from the pom (jpackage wants 1 to 3 numbers) ------------------------------------------
POM_VERSION="$(sed -n 's:.*<version>\([^<]*\)</version>.*:\1:p' "$ROOT/pom.xml" | head -1)"
VERSION="$(printf '%s' "$POM_VERSION" | sed -E 's/^([0-9]+(\.[0-9]+){0,2}).*/\1/')"
[ -n "$VERSION" ] || die "cannot read a version from pom.xml"
if [ "$OS" = macos ] && [ "${VERSION%%.*}" = 0 ]; then
  # macOS bundle versions must start with a number above zero (CFBundleVersion); until 1.0 the
  # bundle is stamped 1.MINOR.PATCH, which only macOS's own version field shows.
  VERSION="1.${VERSION#*.}"
  say "macOS needs a bundle version above 0: stamping $VERSION for pom version $POM_VERSION"
fi

NAME="Emergence Studio"
VENDOR="Emergence Studio"
DESCRIPTION="Painting and image generation with Stable Diffusion, on your own computer."
WORK="$DEST/$PLATFORM"
INPUT="$WORK/input"
ICONS="$ROOT/assets/icons"
case "$OS" in linux) ICON="$ICONS/emergence-studio.png" ;; windows) ICON="$ICONS/emergence-studio.ico" ;; macos) ICON="$ICONS/emergence-studio.icns" ;; esac
[ -f "$ICON" ] || "$JAVA" -Djava.awt.headless=true "$ROOT/packaging/tools/MakeIcon.java" "$ICONS"

# --- 1. The launcher and its libraries ------------------------------------------------------------
if [ "$SKIP_BUILD" = 0 ]; then
  say "building with Maven"
  (cd "$ROOT" && mvn -q -B ${MVN_FLAGS:-} -DskipTests package)
fi
STUDIO="$ROOT/app/target/studio"
[ -f "$STUDIO/studio.jar" ] || die "$STUDIO/studio.jar not found: build first (or drop --skip-build)"
rm -rf "$WORK"
mkdir -p "$INPUT/lib"
cp "$STUDIO/studio.jar" "$INPUT/"
cp "$STUDIO"/lib/*.jar "$INPUT/lib/"
say "libraries as Maven delivers them: $(size_of "$INPUT/lib")"

JAVA_OPTIONS=()
if [ "$UNFILTERED" = 0 ]; then
  # --- 2. Only this platform's native libraries -----------------------------------------------------
  ORT_JAR="$(ls "$INPUT"/lib/onnxruntime*.jar 2>/dev/null | head -1)"
  [ -n "$ORT_JAR" ] || die "no ONNX Runtime jar in $STUDIO/lib"
  ORT_VERSION="$(basename "$ORT_JAR" .jar | sed -E 's/^onnxruntime(_gpu)?-//')"
  if [ "$OS" = macos ]; then
    # onnxruntime_gpu has no macOS natives; the plain artifact has them (CPU and CoreML).
    say "fetching com.microsoft.onnxruntime:onnxruntime:$ORT_VERSION for macOS"
    (cd "$ROOT" && mvn -q -B ${MVN_FLAGS:-} dependency:copy -Dartifact="com.microsoft.onnxruntime:onnxruntime:$ORT_VERSION" \
        -DoutputDirectory="$WORK/fetched")
    rm "$ORT_JAR"
    ORT_JAR_SRC="$WORK/fetched/onnxruntime-$ORT_VERSION.jar"
    ORT_JAR="$INPUT/lib/onnxruntime-$ORT_VERSION.jar"
  else
    ORT_JAR_SRC="$WORK/$(basename "$ORT_JAR")"
    mv "$ORT_JAR" "$ORT_JAR_SRC"
  fi
  case "$OS" in
    linux) ORT_REQUIRED=(libonnxruntime.so libonnxruntime4j_jni.so libonnxruntime_providers_shared.so libonnxruntime_providers_cuda.so) ;;
    windows) ORT_REQUIRED=(onnxruntime.dll onnxruntime4j_jni.dll onnxruntime_providers_shared.dll onnxruntime_providers_cuda.dll) ;;
    macos) ORT_REQUIRED=(libonnxruntime.dylib libonnxruntime4j_jni.dylib) ;;
  esac
  # ONNX Runtime loads its libraries from a folder when onnxruntime.native.path names one: nothing is
  # extracted at start-up (the CUDA provider alone is 350 MB), and the installer compresses the libraries.
  "${JARTOOL[@]}" split "$ORT_JAR_SRC" "$ORT_JAR" ai/onnxruntime/native/ "$PLATFORM" "$INPUT/native/onnxruntime" "${ORT_REQUIRED[@]}"
  rm -f "$WORK/$(basename "$ORT_JAR_SRC")"
  JAVA_OPTIONS+=("-Donnxruntime.native.path=\$APPDIR/native/onnxruntime")

  for jar in "$INPUT"/lib/tokenizers-*.jar "$INPUT"/lib/jna-*.jar; do
    [ -f "$jar" ] || continue
    "${JARTOOL[@]}" natives "$jar" "$jar.filtered" "$PLATFORM"
    mv "$jar.filtered" "$jar"
  done
  "${JARTOOL[@]}" classpath "$INPUT/studio.jar" "$INPUT/lib"
  say "libraries for $PLATFORM: $(size_of "$INPUT/lib") in jars, $(size_of "$INPUT/native") of native libraries"
fi

# --- 3. The embedded default model ----------------------------------------------------------------
if [ -z "$DEFAULT_MODEL" ] && [ -f "$ROOT/assets/default-model/model_index.json" ]; then
  DEFAULT_MODEL="$ROOT/assets/default-model"
fi
if [ -n "$DEFAULT_MODEL" ]; then
  [ -f "$DEFAULT_MODEL/model_index.json" ] || die "$DEFAULT_MODEL is not a model folder (no model_index.json)"
  mkdir -p "$INPUT/models"
  cp -R "$DEFAULT_MODEL" "$INPUT/models/default"
  # DefaultModel.locate() also finds models/default beside the launcher's folders; the property makes it explicit.
  JAVA_OPTIONS+=("-Demergence.defaultModel=\$APPDIR/models/default")
  say "embedded default model: $DEFAULT_MODEL ($(size_of "$INPUT/models/default"))"
else
  say "WARNING: no embedded default model (assets/default-model does not exist yet; --default-model DIR embeds one)"
fi

# --- 4. A Java runtime with only the modules the application uses ---------------------------------
say "finding the Java modules the application needs (jdeps)"
"${JARTOOL[@]}" unmodular "$INPUT/lib" "$WORK/jdeps/lib"
cp "$INPUT/studio.jar" "$WORK/jdeps/"
CLASSPATH_SEP=":"; [ "$OS" = windows ] && CLASSPATH_SEP=";"
JDEPS_CP="$(cd "$WORK/jdeps" && ls lib/*.jar | tr '\n' "$CLASSPATH_SEP")"
MODULES="$(cd "$WORK/jdeps" && "${JDK_BIN}jdeps" -q --print-module-deps --ignore-missing-deps --multi-release 17 \
    --class-path "$JDEPS_CP" studio.jar lib/*.jar | tail -1)"
# Found at run time only, so invisible to jdeps: elliptic-curve TLS for the model hub (jdk.crypto.ec);
# sun.misc.Unsafe for libraries that probe for it (jdk.unsupported); charsets for file names (jdk.charsets).
MODULES="$MODULES,jdk.crypto.ec,jdk.unsupported,jdk.charsets"
say "modules: $MODULES"
"${JDK_BIN}jlink" --add-modules "$MODULES" --strip-debug --strip-native-commands --no-header-files --no-man-pages \
    --compress=2 --output "$WORK/runtime"
say "runtime: $(size_of "$WORK/runtime") (the full JDK: $(size_of "$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.home = //p')"))"

# --- 5. The application image -------------------------------------------------------------------
COMMON=(--name "$NAME" --app-version "$VERSION" --vendor "$VENDOR" --description "$DESCRIPTION"
        --copyright "Copyright the Emergence Studio authors")
JOPTS=()
for o in ${JAVA_OPTIONS[@]+"${JAVA_OPTIONS[@]}"}; do JOPTS+=(--java-options "$o"); done
IMAGE_OPTS=()
[ -f "$ROOT/packaging/$OS/app-image.options" ] && IMAGE_OPTS=("@$ROOT/packaging/$OS/app-image.options")
say "jpackage: application image"
"${JDK_BIN}jpackage" --type app-image --dest "$WORK/image" "${COMMON[@]}" --icon "$ICON" ${IMAGE_OPTS[@]+"${IMAGE_OPTS[@]}"} \
    --input "$INPUT" --main-jar studio.jar --main-class dev.emergence.app.Main --runtime-image "$WORK/runtime" \
    ${JOPTS[@]+"${JOPTS[@]}"} --add-launcher "emergence-studio=$ROOT/packaging/$OS/cli-launcher.properties"
case "$OS" in macos) IMAGE="$WORK/image/$NAME.app" ;; *) IMAGE="$WORK/image/$NAME" ;; esac
say "application image: $IMAGE ($(size_of "$IMAGE"))"
if [ "$TYPE" = app-image ]; then
  printf '%s\n' "$IMAGE"
  exit 0
fi

# --- 6. The installer ---------------------------------------------------------------------------
LICENSE_ARGS=()
for f in LICENSE LICENSE.txt LICENSE.md COPYING; do
  if [ -f "$ROOT/$f" ]; then LICENSE_ARGS=(--license-file "$ROOT/$f"); break; fi
done
[ ${#LICENSE_ARGS[@]} -gt 0 ] || say "WARNING: no LICENSE file at the repository root: the installer carries no licence"
RESOURCES=()
# Installer templates of ours (jpackage's resource folder): desktop entries on Linux.
[ -d "$ROOT/packaging/$OS/resources" ] && RESOURCES=(--resource-dir "$ROOT/packaging/$OS/resources")
say "jpackage: $TYPE"
mkdir -p "$DEST"
"${JDK_BIN}jpackage" --type "$TYPE" --app-image "$IMAGE" --dest "$DEST" "${COMMON[@]}" --icon "$ICON" \
    ${LICENSE_ARGS[@]+"${LICENSE_ARGS[@]}"} ${RESOURCES[@]+"${RESOURCES[@]}"} "@$ROOT/packaging/$OS/jpackage.options"
INSTALLER="$(ls -t "$DEST"/*."$TYPE" | head -1)"
say "installer: $INSTALLER ($(size_of "$INSTALLER"))"
printf '%s\n' "$INSTALLER"
