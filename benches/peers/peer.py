"""The Python side of the peer benchmark (run.sh): the official SDK,
PureCloudPlatformClientV2, running the same sequential workload as peer_ureq.

    python peer.py BASE_URL TOKEN ROOM_JID ITERATIONS WARMUP MESSAGE

Prints one JSON line, like peer_ureq.
"""

import json
import math
import platform
import sys
import time

import PureCloudPlatformClientV2 as sdk

HISTORY = 25


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    rank = math.ceil((p / 100) * len(sorted_values))
    return sorted_values[min(max(rank, 1), len(sorted_values)) - 1]


def peak_rss_kib():
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


def main():
    if len(sys.argv) != 7:
        sys.exit("usage: python peer.py BASE_URL TOKEN ROOM_JID ITERATIONS WARMUP MESSAGE")
    base, token, room, iterations, warmup, message = sys.argv[1:]
    iterations, warmup = int(iterations), int(warmup)

    # The configuration is a singleton; the API client takes its host when created.
    sdk.configuration.host = base
    sdk.configuration.access_token = token
    chat = sdk.ChatApi()
    body = sdk.SendMessageBody()
    body.message = message

    latencies_ms = []

    def once(record):
        t0 = time.perf_counter()
        chat.post_chats_room_messages(room, body)
        t1 = time.perf_counter()
        page = chat.get_chats_room_messages(room, limit=str(HISTORY))
        t2 = time.perf_counter()
        got = len(page.entities or [])
        if got != HISTORY:
            raise RuntimeError(f"{got} messages instead of {HISTORY}")
        if record:
            latencies_ms.append((t1 - t0) * 1e3)
            latencies_ms.append((t2 - t1) * 1e3)

    for _ in range(warmup):
        once(False)
    started = time.perf_counter()
    for _ in range(iterations):
        once(True)
    seconds = time.perf_counter() - started
    latencies_ms.sort()
    from importlib.metadata import version

    print(json.dumps({
        "name": f"PureCloudPlatformClientV2 {version('PureCloudPlatformClientV2')} (python {platform.python_version()})",
        "iterations": iterations,
        "calls": len(latencies_ms),
        "seconds": seconds,
        "calls_per_second": len(latencies_ms) / seconds,
        "p50_ms": percentile(latencies_ms, 50),
        "p99_ms": percentile(latencies_ms, 99),
        "peak_rss_kib": peak_rss_kib(),
    }))


if __name__ == "__main__":
    main()
