#!/usr/bin/env bash
# The official SDKs side by side with genesys-chat-ureq, against the emulator process.
#
#   bash benches/peers/run.sh            # from the repository root; not part of CI
#
# Installs the official JavaScript SDK (npm) and Python SDK (pip, in a virtualenv) at
# pinned versions into a scratch folder outside the repository, builds the emulator and
# peer_ureq, starts the emulator on loopback, and runs the same sequential workload with
# each: post a message to a room, then read the room's 25 newest messages; WARMUP untimed
# iterations, then ITERATIONS timed ones. Before each run the emulator is reset and a
# room with 25 messages is created. Each program prints calls per second, p50/p99
# latency of a call and its own peak RSS (VmHWM); the rounds are interleaved and the
# summary takes the median of the rounds, with ratios to each SDK. `peer_ureq --raw`
# (the same requests through a bare ureq agent, bodies not parsed) shows the ceiling
# that this server and loopback leave to any client, and `--raw --no-global-timeout` the
# same without any timeout.
#
# Settings (environment): PEERS_DIR (default /tmp/genesys-peers), ITERATIONS (2000),
# WARMUP (200), ROUNDS (5), CARGO_TARGET_DIR (default /tmp/target-bench).
set -euo pipefail

JS_SDK_VERSION=262.0.0
PY_SDK_VERSION=269.0.0

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PEERS_DIR=${PEERS_DIR:-/tmp/genesys-peers}
ITERATIONS=${ITERATIONS:-2000}
WARMUP=${WARMUP:-200}
ROUNDS=${ROUNDS:-5}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/tmp/target-bench}
MESSAGE='Release **v2.4** ships at 10:00 — please review "notes.md" before the call. Thanks, Ålice 🚀'

mkdir -p "$PEERS_DIR"
PEERS_DIR=$(cd "$PEERS_DIR" && pwd)
case "$PEERS_DIR/" in
"$ROOT"/*)
    echo "run.sh: PEERS_DIR must be outside the repository ($ROOT)" >&2
    exit 2
    ;;
esac

echo "== installing the official SDKs into $PEERS_DIR"
JS_DIR="$PEERS_DIR/js"
mkdir -p "$JS_DIR"
[ -f "$JS_DIR/package.json" ] || echo '{"private": true}' >"$JS_DIR/package.json"
if ! grep -qs "\"version\": \"$JS_SDK_VERSION\"" "$JS_DIR/node_modules/purecloud-platform-client-v2/package.json"; then
    (cd "$JS_DIR" && npm install --no-audit --no-fund --save-exact --loglevel=error \
        "purecloud-platform-client-v2@$JS_SDK_VERSION")
fi
VENV="$PEERS_DIR/venv"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
if ! "$VENV/bin/python" -m pip show PureCloudPlatformClientV2 2>/dev/null | grep -qx "Version: $PY_SDK_VERSION"; then
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        "PureCloudPlatformClientV2==$PY_SDK_VERSION"
fi

echo "== building the emulator and peer_ureq (release, $CARGO_TARGET_DIR)"
(cd "$ROOT" && cargo build --quiet --release -p genesys-chat-testkit --bin genesys-chat-emulator \
    -p genesys-chat-benches --bin peer_ureq)
BIN="$CARGO_TARGET_DIR/release"

echo "== starting the emulator"
EMULATOR_LOG="$PEERS_DIR/emulator.log"
"$BIN/genesys-chat-emulator" --port 0 >"$EMULATOR_LOG" 2>&1 &
EMULATOR_PID=$!
trap 'kill "$EMULATOR_PID" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    grep -q '^access token:' "$EMULATOR_LOG" && break
    kill -0 "$EMULATOR_PID" 2>/dev/null || { cat "$EMULATOR_LOG" >&2; exit 1; }
    sleep 0.1
done
BASE=$(sed -n 's/^base URL: *//p' "$EMULATOR_LOG")
TOKEN=$(sed -n 's/^access token: *\([^ ]*\).*/\1/p' "$EMULATOR_LOG")
[ -n "$BASE" ] && [ -n "$TOKEN" ] || { cat "$EMULATOR_LOG" >&2; exit 1; }
echo "   $BASE"

# Resets the emulator, creates a room with 25 messages, prints its JID.
fresh_room() {
    curl -sf -X POST "$BASE/__emulator/reset" >/dev/null
    local jid encoded
    jid=$(curl -sf -X POST "$BASE/api/v2/chats/rooms" \
        -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
        -d '{"subject":"Peers"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["jid"])')
    encoded=${jid//@/%40}
    for i in $(seq 25); do
        curl -sf -X POST "$BASE/api/v2/chats/rooms/$encoded/messages" \
            -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
            -d "{\"message\":\"seed $i\"}" >/dev/null
    done
    echo "$jid"
}

RESULTS="$PEERS_DIR/results.jsonl"
: >"$RESULTS"
run_one() {
    local label=$1
    shift
    local room line
    room=$(fresh_room)
    line=$("$@" "$BASE" "$TOKEN" "$room" "$ITERATIONS" "$WARMUP" "$MESSAGE")
    echo "   $label: $line"
    echo "{\"runner\":\"$label\",\"result\":$line}" >>"$RESULTS"
}

echo "== $ROUNDS round(s) of $ITERATIONS iterations (2 calls each) after $WARMUP warm-up iterations"
for round in $(seq "$ROUNDS"); do
    echo "-- round $round"
    run_one rust "$BIN/peer_ureq"
    run_one raw "$BIN/peer_ureq" --raw
    run_one raw-no-global-timeout "$BIN/peer_ureq" --raw --no-global-timeout
    run_one js env NODE_PATH="$JS_DIR/node_modules" node "$HERE/peer.js"
    run_one python "$VENV/bin/python" "$HERE/peer.py"
done

echo
echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), load average $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$HERE/summary.py" "$RESULTS"
