#!/usr/bin/env bash
# The Debian package, tested the way a health center uses it: built by scripts/package.sh (a
# debug build, signed with a throwaway updater key), its contents and control fields checked,
# installed with apt-get, the INSTALLED app (/usr/bin/jiayi-desktop) driven under Xvfb with an
# empty home folder (tests/desktop/tests/installed.rs: a new store, the work list, unlocked
# again), then removed with `dpkg -r`, after which the doctor's data folder must still hold the
# database and its key file. Then scripts/test-update.sh updates that package to the next
# version through a township server, as installed. Needs root (or sudo) for apt-get and dpkg.
#
#   bash scripts/test-package.sh [--skip-ui]   (--skip-ui: the UI in ui/dist is current)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="$(realpath -m "${CARGO_TARGET_DIR:-$root/target}")"
package_args=(--debug)
if [ "${1:-}" = "--skip-ui" ]; then package_args+=(--skip-ui); fi

sudo_cmd=()
[ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
tauri="$root/ui/node_modules/.bin/tauri"
work="$(mktemp -d)"
installed=false
cleanup() {
  if $installed; then "${sudo_cmd[@]}" dpkg -r jiayi >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "test-package: FAILED: $*" >&2
  exit 1
}

if [ "$(dpkg-query -W -f='${Status}' jiayi 2>/dev/null || true)" = "install ok installed" ]; then
  fail "the jiayi package is already installed on this machine; remove it first (dpkg -r jiayi)"
fi

# The test binaries from the workspace's test build (nothing to build after the desktop tests),
# found before packaging: the package's build compiles the app with its own config, after which
# asking cargo again would compile it once more.
echo "== the installed-package tests, from the workspace's test build"
test_bins="$(cargo test --workspace --no-run --message-format=json |
  python3 -c '
import json, sys
for line in sys.stdin:
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] in ("installed", "installed_update") and msg.get("executable"):
        print(msg["target"]["name"], msg["executable"])
')"
tests_bin="$(awk '$1 == "installed" { print $2 }' <<<"$test_bins")"
update_tests_bin="$(awk '$1 == "installed_update" { print $2 }' <<<"$test_bins")"
[ -n "$tests_bin" ] || fail "the build made no installed-package test binary"
[ -n "$update_tests_bin" ] || fail "the build made no installed_update test binary"

echo "== building the package (debug, signed with a throwaway key whose public half it embeds)"
"$tauri" signer generate --ci -p "test-package" -w "$work/updater.key" >/dev/null
pubkey_config="$(python3 -c 'import json, sys; print(json.dumps({"plugins": {"updater": {"pubkey": open(sys.argv[1]).read().strip()}}}))' "$work/updater.key.pub")"
deb="$(TAURI_SIGNING_PRIVATE_KEY="$(cat "$work/updater.key")" \
  TAURI_SIGNING_PRIVATE_KEY_PASSWORD="test-package" \
  bash scripts/package.sh "${package_args[@]}" --config "$pubkey_config" --out "$work/out")"
version="$(sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -n 1)"
[ "$deb" = "$work/out/jiayi_${version}_amd64.deb" ] || fail "package.sh printed \"$deb\""
[ -f "$deb" ] || fail "no package at $deb"
sig="$(base64 -d "$deb.sig" 2>/dev/null)" || fail "$deb.sig is not base64"
grep -q "^untrusted comment:" <<<"$sig" || fail "$deb.sig is no minisign signature"
echo "package: $deb ($(du -h "$deb" | cut -f1)), signature beside it"

echo "== control fields and contents"
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = jiayi ] || fail "Package is $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version is $(field Version), not $version"
[ "$(field Architecture)" = amd64 ] || fail "Architecture is $(field Architecture)"
for dep in libwebkit2gtk-4.1-0 libgtk-3-0 libssl3; do
  grep -q "$dep" <<<"$(field Depends)" || fail "Depends lacks $dep: $(field Depends)"
done
description="$(field Description)"
grep -q "家医签约" <<<"$description" || fail "no Chinese description"
grep -q "village doctors" <<<"$description" || fail "no English description"
dpkg-deb -I "$deb" | sed -n '/Package:/,$p'
contents="$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./||')"
grep -qx "usr/bin/jiayi-desktop" <<<"$contents" || fail "no /usr/bin/jiayi-desktop"
desktop="$(grep -E '^usr/share/applications/.*\.desktop$' <<<"$contents")" || fail "no desktop entry"
for size in 32x32 128x128 256x256@2; do
  grep -qE "^usr/share/icons/hicolor/${size}/apps/.*\.png$" <<<"$contents" || fail "no ${size} icon"
done
mkdir "$work/unpacked"
dpkg-deb -x "$deb" "$work/unpacked"
entry="$work/unpacked/$desktop"
cat "$entry"
grep -qx "Name\[zh_CN\]=家医签约" "$entry" || fail "the desktop entry has no Name[zh_CN]=家医签约"
grep -q "^Name=" "$entry" || fail "the desktop entry has no Name="
grep -q "^Comment\[zh_CN\]=" "$entry" || fail "the desktop entry has no Chinese comment"
grep -qx "Exec=env MALLOC_ARENA_MAX=2 jiayi-desktop" "$entry" || fail "the desktop entry does not start jiayi-desktop (with two allocator arenas)"
icon="$(sed -n 's/^Icon=//p' "$entry")"
[ -f "$work/unpacked/usr/share/icons/hicolor/128x128/apps/$icon.png" ] || fail "no icon named $icon"
desktop-file-validate "$entry" || fail "desktop-file-validate refuses the entry"

echo "== installing"
installed=true
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "$deb"
[ -x /usr/bin/jiayi-desktop ] || fail "/usr/bin/jiayi-desktop is not installed"
libraries="$(ldd /usr/bin/jiayi-desktop)"
if grep -q "not found" <<<"$libraries"; then
  grep "not found" <<<"$libraries"
  fail "the installed binary misses libraries"
fi
echo "Installed-Size: $(dpkg-query -W -f='${Installed-Size}' jiayi) KiB (dpkg);" \
  "files: $(dpkg -L jiayi | while read -r f; do [ -f "$f" ] && echo "$f"; done | xargs du -ch | tail -n 1 | cut -f1)"

echo "== the installed app, driven under Xvfb with an empty home folder"
home="$work/home"
mkdir -p "$home"
screens="${JIAYI_E2E_SCREENS:-$CARGO_TARGET_DIR/e2e-screens}"
(
  cd tests/desktop
  env -u XDG_DATA_HOME -u XDG_CONFIG_HOME -u XDG_CACHE_HOME HOME="$home" \
    JIAYI_DESKTOP_BIN=/usr/bin/jiayi-desktop JIAYI_E2E_SCREENS="$screens" JIAYI_NO_VIEWER=1 \
    WEBKIT_DISABLE_COMPOSITING_MODE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1 LIBGL_ALWAYS_SOFTWARE=1 \
    xvfb-run -a -s "-screen 0 1366x768x24" "$tests_bin" --ignored --test-threads=1
)

echo "== removing the package keeps the doctor's data"
"${sudo_cmd[@]}" dpkg -r jiayi
installed=false
[ ! -e /usr/bin/jiayi-desktop ] || fail "/usr/bin/jiayi-desktop is still there after dpkg -r"
data="$home/.local/share/org.jiayi.desktop"
for file in jiayi.sqlite3 jiayi.sqlite3.key; do
  [ -s "$data/$file" ] || fail "$data/$file is gone after dpkg -r"
done
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$data/jiayi.sqlite3.key" ||
  fail "the key file is no longer readable"
echo "test-package: passed ($deb; screenshots $screens/installed-*.png)"

# The same package updated to the next version through a township server, as installed.
update_args=(--old-package "$deb" --key "$work/updater.key" --key-password "test-package"
  --tests-bin "$update_tests_bin")
if [ "${1:-}" = "--skip-ui" ]; then update_args+=(--skip-ui); fi
started=$SECONDS
bash scripts/test-update.sh "${update_args[@]}"
echo "test-package: the update test took $((SECONDS - started)) s"
