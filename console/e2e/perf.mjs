// Measurements of the console in Debian's Chromium (playwright-core), for docs/benchmarks/console.md: time to first
// paint and to interactive of the mission (DAG) and analytics pages, the JS bundle gzipped, the frame rate while a
// 200-step DAG updates live, and axe-core's results on every page. Run by ConsoleBenchmark (./gpilot bench console),
// which starts a stack whose ClickHouse holds 10 M cost rows; or by hand against any running G-Pilot:
//   GPILOT_URL=http://127.0.0.1:8080 GPILOT_TOKEN=$(cat .gpilot/token) node e2e/perf.mjs [out.json]
//
// Definitions (all from navigation start, in ms, medians of RUNS loads, each in a fresh browser context: no HTTP
// cache; the tab is signed in, its sessionStorage holding the key and its permissions as sign-in leaves them):
//   firstPaint, firstContentfulPaint: the Paint Timing API;
//   contentReady: the page's content is on screen (the DAG's nodes; the analytics table's rows and both charts);
//   interactive: contentReady, or later the end of the last long task (>= 50 ms, Long Tasks API) followed by 1 s
//   without one: from then on the page answers input at once.
import axe from 'axe-core';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const BASE = (process.env.GPILOT_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const TOKEN = process.env.GPILOT_TOKEN ?? '';
const OUT = process.argv[2] ?? process.env.GPILOT_PERF_OUT ?? 'perf.json';
const RUNS = Number(process.env.GPILOT_PERF_RUNS ?? 7);
const HERE = dirname(fileURLToPath(import.meta.url));
const DIST = process.env.GPILOT_CONSOLE_DIST ?? join(HERE, '..', '..', 'control-api', 'target', 'classes', 'console');

async function http(method, path, body) {
  const r = await fetch(BASE + path, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return JSON.parse(text);
}
const FINAL = ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'BUDGET_EXCEEDED'];
async function finished(id, ms = 180_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (FINAL.includes((await http('GET', `/api/v1/missions/${id}`)).status)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`mission ${id} did not finish`);
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : null;
};
const round = (x) => (x == null ? null : Math.round(x));

let browser;
// A tab that has signed in: the key and what the API said about it (sign-in keeps both in sessionStorage).
let keyring = '[]';
async function page(viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport, baseURL: BASE });
  // Observers from the first byte on: paints, long tasks, and when the page's content appeared.
  await context.addInitScript(([token, keys]) => {
    sessionStorage.setItem('gpilot.apiKey', token);
    sessionStorage.setItem('gpilot.keys', keys);
    window.__perf = { longTasks: [], ready: null, lcp: null };
    try {
      new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__perf.longTasks.push([e.startTime, e.startTime + e.duration])))
        .observe({ type: 'longtask', buffered: true });
      new PerformanceObserver((l) => l.getEntries().forEach((e) => { window.__perf.lcp = e.startTime; }))
        .observe({ type: 'largest-contentful-paint', buffered: true });
    } catch { /* not supported */ }
  }, [TOKEN, keyring]);
  const p = await context.newPage();
  const errors = [];
  p.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  p.on('pageerror', (e) => errors.push(e.message));
  p.errors = errors;
  return p;
}

/** Loads `path` RUNS times, each in a fresh context; `ready` is a function evaluated in the page until true. */
async function loadTimes(name, path, ready) {
  const runs = [];
  let scripts = null;
  for (let i = 0; i < RUNS; i++) {
    const p = await page();
    const cdp = await p.context().newCDPSession(p);
    await cdp.send('Performance.enable');
    await cdp.send('Network.enable');
    const transferred = new Map();
    cdp.on('Network.responseReceived', (e) => transferred.set(e.requestId, { url: e.response.url, type: e.type }));
    let jsBytes = 0;
    cdp.on('Network.loadingFinished', (e) => {
      const r = transferred.get(e.requestId);
      if (r && r.type === 'Script') jsBytes += e.encodedDataLength;
    });
    await p.goto(path);
    await p.waitForFunction(ready, null, { timeout: 60_000, polling: 'raf' });
    const readyAt = await p.evaluate(() => performance.now());
    await p.waitForTimeout(1500); // long tasks right after the content count too
    const m = await p.evaluate((readyAt) => {
      const paint = Object.fromEntries(performance.getEntriesByType('paint').map((e) => [e.name, e.startTime]));
      let t = readyAt;
      const tasks = [...window.__perf.longTasks].sort((a, b) => a[0] - b[0]);
      for (let changed = true; changed;) {
        changed = false;
        for (const [s, e] of tasks) if (s < t + 1000 && e > t) { t = e; changed = true; }
      }
      const nav = performance.getEntriesByType('navigation')[0];
      return {
        firstPaint: paint['first-paint'], firstContentfulPaint: paint['first-contentful-paint'],
        largestContentfulPaint: window.__perf.lcp, contentReady: readyAt, interactive: t,
        longTasks: tasks.length, longTaskMs: tasks.reduce((a, [s, e]) => a + e - s, 0),
        domContentLoaded: nav?.domContentLoadedEventEnd,
      };
    }, readyAt);
    const metrics = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value]));
    m.scriptSeconds = metrics.ScriptDuration;
    m.taskSeconds = metrics.TaskDuration;
    m.jsHeapMB = metrics.JSHeapUsedSize / 1e6;
    m.jsTransferredBytes = jsBytes;
    scripts = jsBytes;
    if (p.errors.length) m.consoleErrors = p.errors;
    runs.push(m);
    await p.context().close();
  }
  const keys = ['firstPaint', 'firstContentfulPaint', 'largestContentfulPaint', 'contentReady', 'interactive', 'longTasks', 'longTaskMs'];
  const summary = Object.fromEntries(keys.map((k) => [k, round(median(runs.map((r) => r[k]).filter((v) => v != null)))]));
  summary.maxInteractive = round(Math.max(...runs.map((r) => r.interactive)));
  summary.scriptSecondsMedian = median(runs.map((r) => r.scriptSeconds));
  summary.jsTransferredBytes = scripts;
  summary.consoleErrors = runs.flatMap((r) => r.consoleErrors ?? []);
  console.log(`${name}: ${JSON.stringify(summary)}`);
  return { summary, runs };
}

/** Frames per second while a 200-step mission runs and its DAG updates, with how many node states changed. */
async function dagFrameRate() {
  const steps = Array.from({ length: 200 }, (_, i) => ({ id: `s${i}`, agent: 'agent-scout', action: `part ${i}`, dependsOn: i < 8 ? [] : [`s${i - 8}`] }));
  const { missionId } = await http('POST', '/api/v1/missions', { mission: 'Two hundred steps (perf)', config: { plan: { steps } } });
  const p = await page();
  await p.goto(`/missions/${missionId}`);
  await p.locator('.react-flow__node').first().waitFor({ timeout: 60_000 });
  const mountedAt = await p.evaluate(() => performance.now());
  // Past the one-off mount of the plan (its layout, 200 nodes, 192 edges, the minimap): what is measured is the page
  // while events restyle its nodes.
  await p.waitForTimeout(2000);
  const windows = [];
  for (let w = 0; w < 6; w++) {
    const r = await p.evaluate(async () => {
      let changes = 0;
      const obs = new MutationObserver((ms) => { changes += ms.length; });
      obs.observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-status'] });
      const frames = [];
      const end = performance.now() + 3000;
      await new Promise((done) => {
        const f = (t) => { frames.push(t); if (t < end) requestAnimationFrame(f); else done(); };
        requestAnimationFrame(f);
      });
      obs.disconnect();
      const gaps = frames.slice(1).map((t, i) => t - frames[i]).sort((a, b) => a - b);
      const running = document.querySelectorAll('.step-node[data-status="RUNNING"]').length;
      const done = document.querySelectorAll('.step-node[data-status="SUCCEEDED"]').length;
      return { fps: (frames.length - 1) / ((frames.at(-1) - frames[0]) / 1000), p95FrameMs: gaps[Math.floor(gaps.length * 0.95)], maxFrameMs: gaps.at(-1), statusChanges: changes, running, succeeded: done };
    });
    windows.push(r);
    console.log(`  200-step DAG window ${w}: ${JSON.stringify(r)}`);
    if (r.succeeded === 200) break;
  }
  await p.context().close();
  const live = windows.filter((w) => w.statusChanges > 0);
  return {
    missionId,
    firstNodeAtMs: Math.round(mountedAt),
    windows,
    whileUpdating: live.length ? { fps: median(live.map((w) => w.fps)), p95FrameMs: median(live.map((w) => w.p95FrameMs)), maxFrameMs: Math.max(...live.map((w) => w.maxFrameMs)) } : null,
  };
}

/** axe-core's violations by impact on every page (all impacts, not only serious and critical). */
async function axeAll(missionId) {
  const out = {};
  for (const [name, path, signedIn] of [['signin', '/', false], ['launch', `/launch?mission=${missionId}`, true], ['missions', '/missions', true], ['dag', `/missions/${missionId}`, true], ['analytics', '/analytics', true], ['vault', '/vault', true], ['workspace', '/workspace', true]]) {
    const context = await browser.newContext({ baseURL: BASE });
    if (signedIn) await context.addInitScript((t) => sessionStorage.setItem('gpilot.apiKey', t), TOKEN);
    const p = await context.newPage();
    await p.goto(path);
    await p.waitForLoadState('networkidle').catch(() => {});
    await p.waitForTimeout(1500);
    await p.addScriptTag({ content: axe.source });
    const v = await p.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations.map((x) => ({ id: x.id, impact: x.impact, nodes: x.nodes.length })));
    out[name] = { violations: v, byImpact: v.reduce((a, x) => ({ ...a, [x.impact]: (a[x.impact] ?? 0) + 1 }), {}) };
    console.log(`  axe ${name}: ${JSON.stringify(out[name].byImpact)} ${v.map((x) => x.id).join(' ')}`);
    await context.close();
  }
  return out;
}

/** Every JS file of the build, raw and gzipped (level 9), and what the first load of each page needs. */
function bundle() {
  const dir = join(DIST, 'assets');
  const files = readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => {
    const bytes = readFileSync(join(dir, f));
    return { file: f, bytes: statSync(join(dir, f)).size, gzip: gzipSync(bytes, { level: 9 }).length };
  }).sort((a, b) => b.gzip - a.gzip);
  const css = readdirSync(dir).filter((f) => f.endsWith('.css')).map((f) => ({ file: f, gzip: gzipSync(readFileSync(join(dir, f)), { level: 9 }).length }));
  return { totalGzip: files.reduce((a, f) => a + f.gzip, 0), totalBytes: files.reduce((a, f) => a + f.bytes, 0), files, css };
}

const out = { at: new Date().toISOString(), base: BASE, runs: RUNS, cores: cpus().length, loadAverageAtStart: loadavg() };
browser = await chromium.launch({
  executablePath: process.env.GPILOT_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
out.browser = browser.version();
try {
  const own = (await http('GET', '/api/v1/workspaces')).workspaces.find((w) => w.role);
  keyring = JSON.stringify([{ key: TOKEN, workspaceId: own.workspaceId, name: own.name, role: own.role, permissions: own.permissions }]);
  out.bundle = bundle();
  console.log(`bundle: ${out.bundle.totalGzip} bytes gzipped in ${out.bundle.files.length} files`);
  const { missionId } = await http('POST', '/api/v1/missions', { mission: 'A mission to measure the page with', config: { explicitAgents: ['agent-scout', 'seo-analyst', 'independent-verifier'] } });
  await finished(missionId);
  out.missionId = missionId;
  out.missionPage = await loadTimes('mission page', `/missions/${missionId}`, () => document.querySelectorAll('.react-flow__node').length >= 3 && document.querySelector('h1 .badge.status-completed') != null);
  const analyticsReady = () => document.querySelectorAll('table.costs tbody tr').length >= 1 && !document.querySelector('table.costs tbody tr td.muted') && document.querySelectorAll('.recharts-pie-sector').length >= 1 && document.querySelectorAll('.recharts-line').length >= 1;
  out.analyticsPage24h = await loadTimes('analytics page (24 h)', '/analytics', analyticsReady);
  out.analyticsPage30d = await loadTimes('analytics page (30 days)', '/analytics?range=30d', analyticsReady);
  out.dag200 = await dagFrameRate();
  out.axe = await axeAll(missionId);
} finally {
  await browser.close();
}
out.loadAverageAtEnd = loadavg();
writeFileSync(OUT, JSON.stringify(out, null, 2) + '\n');
console.log(`saved ${OUT}`);
