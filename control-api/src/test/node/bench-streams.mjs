// The client side of `./gpilot bench streams` (driven by dev.gpilot.api.streams.StreamBench): many concurrent mission
// streams, every chunk validated by the Vercel AI SDK, every message assembled by it. The fan-out runs rounds, one per
// file of mission ids, and prints `ready` once every stream of a round has its plan; the first frames run once. Then
// one JSON line with the results (an array of rounds for the fan-out).
//
//   node bench-streams.mjs fanout <apiBase> <token> <clientsPerMission> <stepsPerMission> <missionIdsFile>...
//     (BENCH_SHARD=i/k: this process opens only the streams whose index modulo k is i, so that k processes share
//     the clients; each prints its own `ready`/`done` and its samples, which the driver merges)
//   node bench-streams.mjs firstframe <apiBase> <token> <missions> <concurrency> [<missionsPerSecond>]
//     (with a rate: missions arrive at it, open loop; without: <concurrency> clients, each submitting its next mission
//     once it has the previous one's first frame)
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import { parseJsonEventStream, readUIMessageStream, uiMessageChunkSchema } from 'ai';

const [mode, base, token, ...args] = process.argv.slice(2);
const auth = { Authorization: `Bearer ${token}` };
const [shard, shards] = (process.env.BENCH_SHARD ?? '0/1').split('/').map(Number);

// Latencies are whole milliseconds: a histogram (ms -> count) merges exactly across processes.
function histogram(values) {
  const h = {};
  for (const v of values) h[v] = (h[v] ?? 0) + 1;
  return h;
}

function percentiles(values) {
  const v = [...values].sort((a, b) => a - b);
  const at = p => (v.length ? v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)] : null);
  return { count: v.length, p50: at(50), p95: at(95), p99: at(99), max: v.length ? v[v.length - 1] : null };
}

async function assemble(chunks) {
  const errors = [];
  const stream = new ReadableStream({
    start(c) {
      chunks.forEach(x => c.enqueue(x));
      c.close();
    },
  });
  let message = null;
  for await (const m of readUIMessageStream({ stream, onError: e => errors.push(String(e?.message ?? e)) })) message = m;
  return { message, errors };
}

// Each client records the bytes it receives and reads the data-step `ts` out of them at arrival (one cheap regex), so
// a thousand clients in one node process keep up; once every stream has ended, each one's bytes go through the SDK:
// parseJsonEventStream with uiMessageChunkSchema, then readUIMessageStream. Reception uses node:http rather than
// fetch: a WHATWG body stream costs several times more per chunk, and with a thousand streams in one process that
// cost would be measured as latency (the bytes, and what the SDK makes of them, are the same).
// An agent per round: a later round must not reuse a connection of an earlier one that the server has closed as idle
// meanwhile (its idle timeout is 30 s, and validating a round on a busy machine can take longer), which node reports
// as "socket hang up".
async function fanoutRound(idsFile, perMission, steps) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const ids = readFileSync(idsFile, 'utf8').split('\n').filter(Boolean);
  const latencies = [];
  const problems = [];
  let ready = 0;
  let chunksTotal = 0;
  // This process's share of the streams: stream j of mission i is number i * perMission + j.
  const mine = ids.flatMap((id, i) =>
    Array.from({ length: perMission }, (_, n) => [id, n]).filter((_, n) => (i * perMission + n) % shards === shard),
  );
  const total = mine.length;
  const markReady = () => {
    if (++ready === total) process.stdout.write('ready\n');
  };
  if (total === 0) process.stdout.write('ready\n');
  const consume = (id, n) =>
    new Promise(resolve => {
      const label = `${id}#${n}`;
      let sawPlan = false;
      let settled = false;
      const fail = e => {
        if (settled) return;
        settled = true;
        problems.push(`${label}: ${String(e?.message ?? e)}`);
        if (!sawPlan) {
          sawPlan = true;
          markReady();
        }
        resolve(null);
      };
      const request = http.get(`${base}/api/v1/missions/${id}/stream`, { headers: auth, agent }, response => {
        if (response.statusCode !== 200) {
          response.resume();
          fail(new Error(`status ${response.statusCode}`));
          return;
        }
        const received = [];
        const decoder = new TextDecoder();
        let partial = '';
        response.on('data', bytes => {
          const now = Date.now();
          received.push(bytes);
          const lines = (partial + decoder.decode(bytes, { stream: true })).split('\n');
          partial = lines.pop();
          for (const line of lines) {
            if (line.startsWith('data: {"type":"text-delta"')) {
              const ts = /"delta":"@(\d+) /.exec(line);
              if (ts) latencies.push(now - Number(ts[1]));
            } else if (line.startsWith('data: {"type":"data-step"')) {
              const ts = /"ts":(\d+)/.exec(line);
              if (ts) latencies.push(now - Number(ts[1]));
            } else if (!sawPlan && line.startsWith('data: {"type":"data-plan"')) {
              sawPlan = true;
              markReady();
            }
          }
        });
        response.on('end', () => {
          settled = true;
          resolve({ label, raw: new Blob(received) });
        });
        response.on('error', fail);
        response.on('close', () => fail(new Error('connection closed before the end of the stream')));
      });
      request.on('error', fail);
    });
  // After every stream has ended, so that validating one does not delay the others' reception.
  const validate = async ({ label, raw }) => {
    try {
      const tail = await raw.slice(Math.max(0, raw.size - 64)).text();
      if (!tail.endsWith('data: [DONE]\n\n')) problems.push(`${label}: no [DONE]`);
      const chunks = [];
      for await (const parsed of parseJsonEventStream({ stream: raw.stream(), schema: uiMessageChunkSchema })) {
        if (parsed.success) chunks.push(parsed.value);
        else problems.push(`${label}: invalid chunk ${String(parsed.error?.message ?? parsed.error).slice(0, 200)}`);
      }
      chunksTotal += chunks.length;
      const { message, errors } = await assemble(chunks);
      if (errors.length) problems.push(`${label}: ${errors.join('; ')}`);
      if (message?.metadata?.status !== 'COMPLETED') problems.push(`${label}: status ${message?.metadata?.status}`);
      const stepStarts = message?.parts.filter(p => p.type === 'step-start').length;
      if (stepStarts !== steps) problems.push(`${label}: ${stepStarts} steps, expected ${steps}`);
    } catch (e) {
      problems.push(`${label}: ${String(e?.message ?? e)}`);
    }
  };
  // What the client itself adds to the measured latency: its event loop's delays and its garbage collector's pauses.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const gcPauses = [];
  const gc = new PerformanceObserver(list => list.getEntries().forEach(e => gcPauses.push(e.duration)));
  gc.observe({ entryTypes: ['gc'] });
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  const received = await Promise.all(mine.map(([id, n]) => consume(id, n)));
  const receiveMs = Date.now() - t0;
  agent.destroy();
  process.stdout.write('done\n');
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  gc.disconnect();
  for (const r of received) if (r) await validate(r);
  return {
    clientEventLoopDelayMs: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
    clientGcPausesMs: { ...percentiles(gcPauses.map(Math.round)), total: Math.round(gcPauses.reduce((a, b) => a + b, 0)) },
    receiveMs,
    clientCpuPercentOfOneCore: Math.round((cpu.user + cpu.system) / 10 / receiveMs),
    streams: total,
    streamsWithProblems: new Set(problems.map(p => p.split(':')[0])).size,
    protocolErrors: problems.length,
    problems: problems.slice(0, 20),
    chunks: chunksTotal,
    kafkaToClientMs: percentiles(latencies),
    wallMs: Date.now() - t0,
    // For the driver, which merges the processes' samples before it takes percentiles.
    samples: { kafkaToClientMs: histogram(latencies), clientGcPausesMs: gcPauses.map(Math.round) },
  };
}

// Rounds one after the other in this process (the first warms up its JIT as well as the server's): each prints
// `ready` when its streams are open, and ends once they have all ended and been validated.
async function fanout(perMission, steps, idsFiles) {
  const rounds = [];
  for (const idsFile of idsFiles) rounds.push(await fanoutRound(idsFile, perMission, steps));
  return rounds;
}

async function firstFrame(missions, concurrency, rate) {
  const total = [];
  const post = [];
  const open = [];
  const first = [];
  const problems = [];
  let next = 0;
  const one = async i => {
    const t0 = performance.now();
    const accepted = await fetch(`${base}/api/v1/missions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ mission: `bench mission ${i}`, config: { explicitAgents: ['agent-scout'] } }),
    });
    if (accepted.status !== 202) throw new Error(`POST answered ${accepted.status}`);
    const { missionId } = await accepted.json();
    const t1 = performance.now();
    const controller = new AbortController();
    const response = await fetch(`${base}/api/v1/missions/${missionId}/stream`, {
      headers: auth,
      signal: controller.signal,
    });
    const th = performance.now();
    if (response.status !== 200) throw new Error(`stream answered ${response.status}: ${await response.text()}`);
    const reader = parseJsonEventStream({ stream: response.body, schema: uiMessageChunkSchema }).getReader();
    const { value } = await reader.read();
    const t2 = performance.now();
    controller.abort();
    if (!value?.success || value.value.type !== 'start') throw new Error(`first chunk ${JSON.stringify(value)}`);
    post.push(t1 - t0);
    open.push(th - t1);
    first.push(t2 - th);
    total.push(t2 - t0);
  };
  if (rate > 0) {
    // Open loop: missions arrive at `rate` per second on average (exponential gaps), each on its own however many
    // are still in flight, so a slow answer delays no later arrival and latency is measured at that load.
    const started = [];
    let at = performance.now();
    for (let i = 0; i < missions; i++) {
      at += (-Math.log(1 - Math.random()) * 1000) / rate;
      const wait = at - performance.now();
      if (wait > 0) await new Promise(r => setTimeout(r, wait));
      started.push(one(i).catch(e => problems.push(String(e?.message ?? e))));
    }
    await Promise.all(started);
  } else {
    const worker = async () => {
      while (next < missions) {
        const i = next++;
        await one(i).catch(e => problems.push(String(e?.message ?? e)));
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }
  const round = p => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v == null ? v : Math.round(v * 10) / 10]));
  return {
    missions,
    ...(rate > 0 ? { missionsPerSecond: rate } : { concurrency }),
    problems: problems.slice(0, 20),
    postToFirstFrameMs: round(percentiles(total)),
    postMs: round(percentiles(post)),
    streamHeadersMs: round(percentiles(open)),
    headersToFirstChunkMs: round(percentiles(first)),
  };
}

try {
  const result =
    mode === 'fanout'
      ? await fanout(Number(args[0]), Number(args[1]), args.slice(2))
      : await firstFrame(Number(args[0]), Number(args[1]), Number(args[2] ?? 0));
  process.stdout.write(JSON.stringify(result) + '\n');
} catch (e) {
  process.stdout.write(JSON.stringify({ failure: String(e?.stack ?? e) }) + '\n');
  process.exitCode = 1;
}
