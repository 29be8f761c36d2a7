"""Summarises the rounds of run.sh: the median of the rounds for calls per second and
latency, the largest peak RSS, and the ratios of genesys-chat-ureq to each SDK against
the targets (at least 5x the calls per second, at most 1/10 of the peak memory). The
raw ureq runners (no client) show the ceiling the server and loopback leave.

    python3 summary.py results.jsonl
"""

import json
import statistics
import sys

MIN_SPEEDUP = 5.0
MAX_MEMORY_SHARE = 0.10
# Runners that are ours: the client, and the raw baselines that show the ceiling.
OURS = ("rust", "raw", "raw-no-global-timeout")


def main():
    runs = {}
    names = {}
    with open(sys.argv[1], encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            runs.setdefault(record["runner"], []).append(record["result"])
            names[record["runner"]] = record["result"]["name"]

    summary = {}
    for runner, results in runs.items():
        summary[runner] = {
            "calls_per_second": statistics.median(r["calls_per_second"] for r in results),
            "p50_ms": statistics.median(r["p50_ms"] for r in results),
            "p99_ms": statistics.median(r["p99_ms"] for r in results),
            "peak_rss_kib": max(r["peak_rss_kib"] for r in results),
            "each": [round(r["calls_per_second"]) for r in results],
        }

    print("| runner | calls/s (median of rounds) | calls/s each round | p50 ms | p99 ms | peak RSS MiB |")
    print("|---|---|---|---|---|---|")
    for runner, s in summary.items():
        print(
            f"| {names[runner]} | {s['calls_per_second']:.0f} | {s['each']} "
            f"| {s['p50_ms']:.3f} | {s['p99_ms']:.3f} | {s['peak_rss_kib'] / 1024:.1f} |"
        )

    ours = summary.get("rust")
    if ours is None:
        return
    peers = [r for r in summary if r not in OURS]
    print()
    print("| against | genesys-chat-ureq calls/s ratio | target | peak RSS ratio | target |")
    print("|---|---|---|---|---|")
    for runner in peers:
        s = summary[runner]
        speed = ours["calls_per_second"] / s["calls_per_second"]
        memory = ours["peak_rss_kib"] / s["peak_rss_kib"]
        print(
            f"| {names[runner]} | {speed:.2f}x | >= {MIN_SPEEDUP:.0f}x "
            f"{'met' if speed >= MIN_SPEEDUP else 'MISSED'} | {memory:.3f} (1/{1 / memory:.1f}) "
            f"| <= {MAX_MEMORY_SHARE:.2f} {'met' if memory <= MAX_MEMORY_SHARE else 'MISSED'} |"
        )

    ceilings = [r for r in ("raw", "raw-no-global-timeout") if r in summary]
    if ceilings:
        print()
        print("| ceiling (no client) | calls/s | genesys-chat-ureq / ceiling | "
              + " | ".join(f"ceiling / {names[r]}" for r in peers) + " |")
        print("|---|---|---|" + "---|" * len(peers))
        for label in ceilings:
            c = summary[label]["calls_per_second"]
            print(
                f"| {names[label]} | {c:.0f} | {ours['calls_per_second'] / c:.2f} | "
                + " | ".join(f"{c / summary[r]['calls_per_second']:.2f}x" for r in peers)
                + " |"
            )


if __name__ == "__main__":
    main()
