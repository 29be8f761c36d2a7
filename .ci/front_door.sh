#!/usr/bin/env bash
# The front-door examples against the emulator binary, as a user would run them: the
# emulator on a free port, a 429 fault set through its admin endpoint, each example
# configured by the environment alone (`Client::from_env()`), the emulator stopped at exit.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build -q -p genesys-chat-testkit --bin genesys-chat-emulator
cargo build -q -p genesys-chat-ureq --example front_door
cargo build -q -p genesys-chat-reqwest --example front_door_async
target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"

banner="$(mktemp)"
"$target_dir/debug/genesys-chat-emulator" --port 0 --json >"$banner" &
emulator=$!
trap 'kill "$emulator" 2>/dev/null || true; wait "$emulator" 2>/dev/null || true; rm -f "$banner"' EXIT

base_url=""
for _ in $(seq 1 100); do
    base_url="$(sed -n 's/.*"baseUrl":"\([^"]*\)".*/\1/p' "$banner")"
    [ -n "$base_url" ] && break
    kill -0 "$emulator" 2>/dev/null || { echo "the emulator exited before printing its banner" >&2; exit 1; }
    sleep 0.1
done
[ -n "$base_url" ] || { echo "the emulator printed no baseUrl within 10 s" >&2; exit 1; }
client_id="$(sed -n 's/.*"clients":\[{"clientId":"\([^"]*\)","clientSecret":"\([^"]*\)".*/\1/p' "$banner")"
client_secret="$(sed -n 's/.*"clients":\[{"clientId":"\([^"]*\)","clientSecret":"\([^"]*\)".*/\2/p' "$banner")"
[ -n "$client_id" ] && [ -n "$client_secret" ] || { echo "the banner names no OAuth client" >&2; exit 1; }

for example in front_door front_door_async; do
    # The example's next getChatsSettings gets a 429 whose Retry-After (120 s) is over the
    # client's cap (60 s): it is returned at once, for the example to match.
    curl -fsS -X POST -H 'Content-Type: application/json' "$base_url/__emulator/faults" \
        -d '{"route":"getChatsSettings","fault":{"kind":"status","status":429,"retryAfter":120},"times":1}'
    echo "== $example"
    GENESYSCLOUD_API_REGION="$base_url" \
    GENESYSCLOUD_OAUTHCLIENT_ID="$client_id" \
    GENESYSCLOUD_OAUTHCLIENT_SECRET="$client_secret" \
        timeout 120 "$target_dir/debug/examples/$example"
done
echo "front door passed"
