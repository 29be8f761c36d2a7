#!/usr/bin/env bash
# Instructions per operation under callgrind: repeatable on a shared machine, where
# timings are not.
#
#   bash benches/callgrind.sh [core|e2e] [ITERATIONS]     # needs valgrind
#
# core (default, 5000 iterations): each core routine and its hand-written baseline
#   (the core_ops binary).
# e2e (2000 workloads): each stack of the end-to-end workload against the in-process
#   emulator (the e2e_ops binary); the server's share is the same for every stack, so
#   differences between stacks are the clients' own costs.
#
# Each figure is (instructions(N) - instructions(0)) / N with the same binary and
# set-up, so the set-up cancels out.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PART=${1:-core}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/tmp/target-bench}
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind is not installed" >&2; exit 2; }
(cd "$ROOT" && cargo build --quiet --release -p genesys-chat-benches --bin core_ops --bin e2e_ops)
BIN="$CARGO_TARGET_DIR/release"

instructions() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 |
        sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}

per_op() { # N command...
    local n=$1 zero full
    shift
    zero=$(instructions "$@" 0)
    full=$(instructions "$@" "$n")
    echo $(((full - zero) / n))
}

case "$PART" in
core)
    N=${2:-5000}
    printf '| case | core instr/op | baseline instr/op | ratio |\n|---|---|---|---|\n'
    for case in $("$BIN/core_ops" --list); do
        core=$(per_op "$N" "$BIN/core_ops" "$case" core)
        base=$(per_op "$N" "$BIN/core_ops" "$case" baseline)
        ratio=$(awk -v a="$core" -v b="$base" 'BEGIN { printf "%.3f", a / b }')
        printf '| %s | %d | %d | %s |\n' "$case" "$core" "$base" "$ratio"
    done
    ;;
e2e)
    N=${2:-2000}
    printf '| stack | instructions per workload (client and in-process server) |\n|---|---|\n'
    for stack in ureq-client ureq-raw ureq-raw-parse ureq-raw-no-global-timeout \
        reqwest-client reqwest-raw reqwest-raw-parse; do
        printf '| %s | %d |\n' "$stack" "$(per_op "$N" "$BIN/e2e_ops" "$stack")"
    done
    ;;
*)
    echo "usage: callgrind.sh [core|e2e] [ITERATIONS]" >&2
    exit 2
    ;;
esac
