// The JavaScript side of the peer benchmark (run.sh): the official SDK,
// purecloud-platform-client-v2, running the same sequential workload as peer_ureq.
//
//   node peer.js BASE_URL TOKEN ROOM_JID ITERATIONS WARMUP MESSAGE
//
// Needs NODE_PATH to hold the folder the SDK was installed in (run.sh sets it).
// Prints one JSON line, like peer_ureq.
'use strict';

const fs = require('fs');
const platformClient = require('purecloud-platform-client-v2');

const HISTORY = 25;

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(Math.max(rank, 1), sorted.length) - 1];
}

function peakRssKib() {
  const line = fs.readFileSync('/proc/self/status', 'utf8')
    .split('\n').find((l) => l.startsWith('VmHWM:'));
  return line ? parseInt(line.slice(6), 10) : null;
}

async function main() {
  const [base, token, room, iterationsText, warmupText, message] = process.argv.slice(2);
  if (message === undefined) {
    throw new Error('usage: node peer.js BASE_URL TOKEN ROOM_JID ITERATIONS WARMUP MESSAGE');
  }
  const iterations = parseInt(iterationsText, 10);
  const warmup = parseInt(warmupText, 10);

  const client = platformClient.ApiClient.instance;
  client.setEnvironment('mypurecloud.com');
  // setEnvironment always makes an https://api.<env> URL: point it at the emulator after.
  client.config.basePath = base;
  client.setAccessToken(token);
  const chat = new platformClient.ChatApi();

  const latenciesMs = [];
  const once = async (record) => {
    const t0 = process.hrtime.bigint();
    await chat.postChatsRoomMessages(room, { message });
    const t1 = process.hrtime.bigint();
    const page = await chat.getChatsRoomMessages(room, { limit: String(HISTORY) });
    const t2 = process.hrtime.bigint();
    const got = (page.entities || []).length;
    if (got !== HISTORY) throw new Error(`${got} messages instead of ${HISTORY}`);
    if (record) {
      latenciesMs.push(Number(t1 - t0) / 1e6, Number(t2 - t1) / 1e6);
    }
  };
  for (let i = 0; i < warmup; i++) await once(false);
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await once(true);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latenciesMs.sort((a, b) => a - b);
  console.log(JSON.stringify({
    name: `purecloud-platform-client-v2 ${require('purecloud-platform-client-v2/package.json').version} (node ${process.versions.node})`,
    iterations,
    calls: latenciesMs.length,
    seconds,
    calls_per_second: latenciesMs.length / seconds,
    p50_ms: percentile(latenciesMs, 50),
    p99_ms: percentile(latenciesMs, 99),
    peak_rss_kib: peakRssKib(),
  }));
}

main().catch((e) => {
  console.error('peer.js:', e && e.message ? e.message : e);
  process.exit(1);
});
