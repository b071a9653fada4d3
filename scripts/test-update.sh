#!/usr/bin/env bash
# The app's update, end to end on installed packages: two debug packages, the workspace's
# version and the next minor one (only the version differs: the second build relinks the app
# alone), both signed with a throwaway release key whose public half the builds embed. The
# older one is installed with apt-get; tests/desktop/tests/installed_update.rs then drives the
# INSTALLED app under Xvfb against a real jiayi-server on 127.0.0.1 (HTTPS, its own township
# CA): enrolled, synced, a package signed with another key offered and refused by the app, the
# signed one hosted with `jiayi-server update add`, offered, installed when the doctor agrees,
# the app restarted as the new version with the doctor's records, and nothing more offered.
# Afterwards dpkg must have the new version; the package is removed (the data folder kept) and
# the machine is left as it was. Needs root (or sudo) for apt-get and dpkg.
#
#   bash scripts/test-update.sh [--skip-ui] [--old-package DEB --key FILE --key-password TEXT]
#                               [--tests-bin FILE]
#
#   --skip-ui        the UI in ui/dist is current
#   --tests-bin      the installed_update test binary of the workspace's test build, found by
#                    the caller before it packaged (asked for after a package's build, cargo
#                    would compile the app again); without, it is asked of cargo here
#   --old-package    the older package, already built (scripts/test-package.sh hands over its
#                    own) and signed with --key (a `tauri signer generate` file, its .pub beside
#                    it, protected by --key-password), whose public half it embeds; without, the
#                    older package is built here too
#
# Installing as the app does: the updater plugin runs `dpkg -i` through pkexec, then a graphical
# sudo (zenity, kdialog), then sudo; on a doctor's laptop that asks for the administrator's
# password. The test runs as root, for whom sudo asks none; on a machine without sudo a
# stand-in that does what sudo does for root (runs the command, here also noting it) is put
# first on the app's PATH. The app itself is the installed package, unchanged.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="$(realpath -m "${CARGO_TARGET_DIR:-$root/target}")"

fail() {
  echo "test-update: FAILED: $*" >&2
  exit 1
}

package_args=(--debug)
old_deb=""
key_file=""
key_password=""
tests_bin=""
while [ $# -gt 0 ]; do
  case "$1" in
    --skip-ui) package_args+=(--skip-ui) ;;
    --old-package) [ $# -ge 2 ] || fail "--old-package needs a file"; old_deb="$2"; shift ;;
    --key) [ $# -ge 2 ] || fail "--key needs a file"; key_file="$2"; shift ;;
    --key-password) [ $# -ge 2 ] || fail "--key-password needs a value"; key_password="$2"; shift ;;
    --tests-bin) [ $# -ge 2 ] || fail "--tests-bin needs a file"; tests_bin="$2"; shift ;;
    *) fail "unknown argument: $1" ;;
  esac
  shift
done
if [ -n "$old_deb" ] && [ -z "$key_file" ]; then fail "--old-package needs --key"; fi

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

if [ "$(dpkg-query -W -f='${Status}' jiayi 2>/dev/null || true)" = "install ok installed" ]; then
  fail "the jiayi package is already installed on this machine; remove it first (dpkg -r jiayi)"
fi

echo "== the update test and the server, from the workspace's test build"
[ -n "$tests_bin" ] || tests_bin="$(cargo test --workspace --no-run --message-format=json |
  python3 -c '
import json, sys
for line in sys.stdin:
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == "installed_update" and msg.get("executable"):
        print(msg["executable"])
')"
[ -x "$tests_bin" ] || fail "no installed_update test binary (${tests_bin:-the build made none})"
server_bin="$CARGO_TARGET_DIR/debug/jiayi-server"
[ -x "$server_bin" ] || fail "no $server_bin: the workspace's test build makes it"

version="$(sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -n 1)"
next="$(awk -F. '{ printf "%d.%d.0", $1, $2 + 1 }' <<<"$version")"

if [ -z "$key_file" ]; then
  key_file="$work/updater.key"
  key_password="test-update"
  "$tauri" signer generate --ci -p "$key_password" -w "$key_file" >/dev/null
fi
[ -s "$key_file" ] && [ -s "$key_file.pub" ] || fail "no key pair at $key_file(.pub)"
# The release key's public half, compiled into both builds as the updater's.
pubkey_config="$(python3 -c 'import json, sys; print(json.dumps({"plugins": {"updater": {"pubkey": open(sys.argv[1]).read().strip()}}}))' "$key_file.pub")"
export TAURI_SIGNING_PRIVATE_KEY="$(cat "$key_file")"
export TAURI_SIGNING_PRIVATE_KEY_PASSWORD="$key_password"

if [ -z "$old_deb" ]; then
  echo "== building $version (debug, signed with a throwaway key)"
  old_deb="$(bash scripts/package.sh "${package_args[@]}" --config "$pubkey_config" --out "$work/old")"
fi
[ -f "$old_deb" ] || fail "no package at $old_deb"
[ "$(dpkg-deb -f "$old_deb" Version)" = "$version" ] || fail "$old_deb is not version $version"

echo "== building $next (debug, only the version differs)"
started=$SECONDS
new_deb="$(bash scripts/package.sh "${package_args[@]}" --version "$next" --config "$pubkey_config" --out "$work/new")"
echo "test-update: $next built and signed in $((SECONDS - started)) s"
[ -f "$new_deb" ] && [ -s "$new_deb.sig" ] || fail "no signed package at $new_deb"
[ "$(dpkg-deb -f "$new_deb" Version)" = "$next" ] || fail "$new_deb is not version $next"
unset TAURI_SIGNING_PRIVATE_KEY TAURI_SIGNING_PRIVATE_KEY_PASSWORD

echo "== installing $version"
installed=true
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "$old_deb" >/dev/null
[ "$(dpkg-query -W -f='${Version}' jiayi)" = "$version" ] || fail "dpkg does not have $version installed"

# What the app runs to install, when this machine has no sudo (see the top of this file).
elevate="$work/elevate"
mkdir -p "$elevate"
elevation_log="$work/elevation.log"
if ! command -v sudo >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || fail "neither root nor sudo: the app could not install"
  cat >"$elevate/sudo" <<EOF
#!/bin/sh
# sudo as root runs the command without a password; this stand-in does the same, and notes it.
[ "\$(id -u)" = 0 ] || { echo "sudo stand-in: only for root" >&2; exit 1; }
[ "\$1" = "-S" ] && shift
echo "\$*" >>"$elevation_log"
exec "\$@"
EOF
  chmod 755 "$elevate/sudo"
  echo "test-update: no sudo here; the app's sudo is a stand-in that runs as root (noted in $elevation_log)"
fi

echo "== the installed app updates itself, driven under Xvfb with an empty home folder"
# -noreset: an X server resets when its last client leaves, as the app does when it restarts
# itself after installing; a desktop session always has other clients, so no reset happens
# between the old process leaving and the new one connecting, and none may happen here.
home="$work/home"
mkdir -p "$home"
screens="${JIAYI_E2E_SCREENS:-$CARGO_TARGET_DIR/e2e-screens}"
(
  cd tests/desktop
  env -u XDG_DATA_HOME -u XDG_CONFIG_HOME -u XDG_CACHE_HOME HOME="$home" PATH="$elevate:$PATH" \
    JIAYI_DESKTOP_BIN=/usr/bin/jiayi-desktop JIAYI_SERVER_BIN="$server_bin" \
    JIAYI_UPDATE_PACKAGE="$new_deb" JIAYI_UPDATE_OLD_PACKAGE="$old_deb" \
    JIAYI_UPDATE_KEY="$key_file.pub" \
    JIAYI_E2E_SCREENS="$screens" JIAYI_NO_VIEWER=1 \
    WEBKIT_DISABLE_COMPOSITING_MODE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1 LIBGL_ALWAYS_SOFTWARE=1 \
    xvfb-run -a -s "-screen 0 1366x768x24 -noreset" "$tests_bin" --ignored --test-threads=1
)

echo "== dpkg has $next"
[ "$(dpkg-query -W -f='${Version}' jiayi)" = "$next" ] || fail "dpkg has $(dpkg-query -W -f='${Version}' jiayi), not $next"
if [ -f "$elevate/sudo" ]; then
  grep -Eq '^dpkg -i .*/package\.deb$' "$elevation_log" ||
    fail "the app did not install with dpkg -i: $(cat "$elevation_log" 2>/dev/null)"
  echo "the app ran: $(cat "$elevation_log")"
fi

echo "== removing the package keeps the doctor's data"
"${sudo_cmd[@]}" dpkg -r jiayi >/dev/null
installed=false
data="$home/.local/share/org.jiayi.desktop"
for file in jiayi.sqlite3 jiayi.sqlite3.key; do
  [ -s "$data/$file" ] || fail "$data/$file is gone after dpkg -r"
done
echo "test-update: passed ($version → $next; screenshots $screens/installed-update-*.png)"
