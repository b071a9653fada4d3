#!/usr/bin/env bash
# Schemathesis against the township server's own OpenAPI document: a real `jiayi-server serve`
# on a temporary SQLite database on 127.0.0.1 (port chosen by the system), one enrolled device
# whose token authorises the requests, every operation exercised with generated valid and
# invalid inputs. Fails on any 5xx (check `not_a_server_error`) or any other failed check given.
#
#   JIAYI_ST_EXAMPLES  examples per operation and phase (default 200)
#   JIAYI_ST_CHECKS    schemathesis checks (default not_a_server_error)
#   JIAYI_ST_SEED      seed, for a reproducible run
#   JIAYI_ST_REPORT    directory for the JUnit report (default: a temporary one, removed)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

examples="${JIAYI_ST_EXAMPLES:-200}"
checks="${JIAYI_ST_CHECKS:-not_a_server_error}"

if ! command -v st >/dev/null 2>&1; then
    echo "schemathesis is not installed: pip install schemathesis" >&2
    exit 1
fi

# The build `cargo test --workspace` makes (nothing to do after it) holds the server binary; a `-p`
# build would resolve features differently and compile the server's dependencies again.
cargo test --workspace --no-run >/dev/null 2>&1 || cargo test --workspace --no-run
bin="${CARGO_TARGET_DIR:-$root/target}/debug/jiayi-server"

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

db="sqlite://$work/township.db"
village="00000000-0000-0000-0000-000000000071"
"$bin" --db "$db" migrate >/dev/null
token="$("$bin" --db "$db" enroll --doctor "李医生" --team "一组团队" --village "$village" --json |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')"

# A health-center admin for the dashboard; its session cookie comes from a real login below.
admin_password="schemathesis-admin-password"
echo "$admin_password" | "$bin" --db "$db" user add --name st-admin --role admin >/dev/null
"$bin" --db "$db" serve --listen 127.0.0.1:0 \
    >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
base=""
for _ in $(seq 1 100); do
    base="$(sed -n 's/^listening on //p' "$work/server.out" | head -n 1)"
    [ -n "$base" ] && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
        cat "$work/server.err" >&2
        exit 1
    fi
    sleep 0.1
done
if [ -z "$base" ]; then
    echo "the server did not start" >&2
    exit 1
fi
echo "server at $base"

report="${JIAYI_ST_REPORT:-$work/report}"
mkdir -p "$report"
seed_args=()
if [ -n "${JIAYI_ST_SEED:-}" ]; then
    seed_args=(--seed "$JIAYI_ST_SEED")
fi

# Each security scheme of the document gets its credential: devices their token, the dashboard
# the session cookie of a staff login.
session="$(curl -s -o /dev/null -D - --data-urlencode "name=st-admin" \
    --data-urlencode "password=$admin_password" "$base/login" |
    sed -n 's/^[Ss]et-[Cc]ookie: jiayi_session=\([^;]*\).*/\1/p' | head -n 1)"
if [ -z "$session" ]; then
    echo "the staff login gave no session" >&2
    exit 1
fi
export JIAYI_ST_DEVICE_TOKEN="$token" JIAYI_ST_ADMIN_SESSION="$session"
cat >"$work/schemathesis.toml" <<'TOML'
[auth.openapi.device_token]
bearer = "${JIAYI_ST_DEVICE_TOKEN}"

[auth.openapi.admin_session]
api_key = "${JIAYI_ST_ADMIN_SESSION}"
TOML

status=0
# Run from the temporary directory so schemathesis's cache stays out of the checkout.
(cd "$work" && st --config-file "$work/schemathesis.toml" run "$base/openapi.json" \
    --checks "$checks" \
    --max-examples "$examples" \
    --workers 2 \
    --request-timeout 30 \
    --report junit --report-junit-path "$report/schemathesis.xml" \
    "${seed_args[@]}") || status=$?

# A panic in a handler would be a 500 schemathesis sees; this catches anything logged besides.
if grep -q "panicked" "$work/server.err"; then
    echo "the server panicked:" >&2
    cat "$work/server.err" >&2
    status=1
fi
exit "$status"
