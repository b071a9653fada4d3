#!/usr/bin/env bash
# Builds the Debian package of the desktop app with the Tauri CLI and prints its path.
#
#   bash scripts/package.sh [--debug] [--version X.Y.Z] [--out DIR] [--config JSON]... [--skip-ui]
#
#   --debug          a debug build (quicker; what the tests install), else release
#   --version X.Y.Z  the package's and the app's version, else the workspace's (Cargo.toml)
#   --out DIR        where the .deb goes (default: <target>/packages); printed as DIR/jiayi_<version>_amd64.deb
#   --config JSON    merged into tauri.conf.json for this build (JSON merge patch), may repeat;
#                    it is compiled into the app, e.g. an updater's public key
#   --skip-ui        use the UI already in ui/dist instead of building it (the test command has
#                    built it just before); without it the script builds the UI once itself
#
# With TAURI_SIGNING_PRIVATE_KEY (and TAURI_SIGNING_PRIVATE_KEY_PASSWORD) in the environment
# the package is signed for the updater, the signature bound to the version: DIR/<deb>.sig beside it. Without, no signature is made,
# and the script says so on standard error. Only the .deb is built: AppImage tooling downloads
# helpers from the internet (see docs/install.md), and the Windows installer is built on Windows.
# Progress goes to standard error; standard output is the package's path alone.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

die() {
  echo "package: $*" >&2
  exit 2
}

profile=release
debug_flag=()
version=""
out=""
configs=()
skip_ui=false
while [ $# -gt 0 ]; do
  case "$1" in
    --debug) profile=debug; debug_flag=(--debug) ;;
    --version) [ $# -ge 2 ] || die "--version needs X.Y.Z"; version="$2"; shift ;;
    --version=*) version="${1#--version=}" ;;
    --out) [ $# -ge 2 ] || die "--out needs a folder"; out="$2"; shift ;;
    --out=*) out="${1#--out=}" ;;
    --config) [ $# -ge 2 ] || die "--config needs JSON"; configs+=("$2"); shift ;;
    --config=*) configs+=("${1#--config=}") ;;
    --skip-ui) skip_ui=true ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
  shift
done

if [ -n "$version" ] && ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  die "the version must look like 1.2.3, not \"$version\""
fi
for json in "${configs[@]}"; do
  python3 -c 'import json, sys; json.loads(sys.argv[1])' "$json" 2>/dev/null ||
    die "--config is not JSON: $json"
done
if [ -z "$version" ]; then
  version="$(sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -n 1)"
  [ -n "$version" ] || die "no version in the workspace's Cargo.toml"
fi

export CARGO_TARGET_DIR="$(realpath -m "${CARGO_TARGET_DIR:-$root/target}")"
out="$(realpath -m "${out:-$CARGO_TARGET_DIR/packages}")"
tauri="$root/ui/node_modules/.bin/tauri"
[ -x "$tauri" ] || die "the Tauri CLI is missing ($tauri): run scripts/install-deps.sh"

# The UI is built here once, or taken as built; Tauri's own beforeBuildCommand is switched off
# either way so that it is never built twice.
if $skip_ui; then
  [ -f ui/dist/index.html ] || die "--skip-ui, but ui/dist holds no built UI"
else
  (cd ui && npm run build) >&2
fi

args=(build "${debug_flag[@]}" --bundles deb --ci --no-sign
  --config '{"build":{"beforeBuildCommand":null}}'
  --config "{\"version\":\"$version\"}")
for json in "${configs[@]}"; do args+=(--config "$json"); done
# A debug package is for tests, which run after the workspace's test build (`cargo test
# --workspace`): asking cargo for the same set of targets resolves the same features, so the
# dependencies are not compiled a second time and only the app is (its config changed).
if [ "$profile" = debug ]; then args+=(-- --workspace --all-targets); fi

# The signing key is for the updater's signature below, made by `tauri signer sign`; the build
# itself does not see it (it would otherwise want updater artifacts configured).
(
  cd src-tauri
  env -u TAURI_SIGNING_PRIVATE_KEY -u TAURI_SIGNING_PRIVATE_KEY_PASSWORD "$tauri" "${args[@]}"
) >&2

name="jiayi_${version}_amd64.deb"
built="$CARGO_TARGET_DIR/$profile/bundle/deb/$name"
[ -f "$built" ] || die "the build made no $built"
mkdir -p "$out"
cp "$built" "$out/$name"
rm -f "$out/$name.sig"

if [ -n "${TAURI_SIGNING_PRIVATE_KEY:-}" ]; then
  # Bound to the version: the server refuses a package whose signature names another version,
  # and the app's updater one whose update answer announces another.
  "$tauri" signer sign --app-version "$version" "$out/$name" >&2
  [ -s "$out/$name.sig" ] || die "signing made no $out/$name.sig"
  echo "package: signed, $out/$name.sig" >&2
else
  echo "package: TAURI_SIGNING_PRIVATE_KEY is not set: no signature was made" >&2
fi
echo "$out/$name"
