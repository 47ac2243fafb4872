// HTTP load for the timeline benchmark, from a separate process so the client neither shares the
// server's event loop nor counts in the server process's CPU time (it still shares the machine's
// cores with the API and Postgres, so whatever CPU it spends is taken from the server under test).
// Two clients: wrk (C, a Lua script for the mix) when it is installed, which costs the least CPU per
// request; otherwise a Node child with node:http, a keep-alive agent, one socket per client and a
// bounded loop per client. (Node's fetch cost about 0.36 ms of CPU per request here, node:http about
// a third of that, wrk about a fifth of node:http.) The Node child's body is plain JavaScript, so it
// needs no TypeScript loader. BENCH_LOAD_CLIENT=node forces the Node client.
import { execFileSync, fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { percentile } from './harness';

export interface LoadPlan {
  baseUrl: string;
  apiKey: string;
  /** The account with many events: page 1, then page 2 through the cursor page 1 returned. */
  bigAccountId: string;
  /** Random accounts are `${randomPrefix}${n}` for n in 1..randomCount, zero-padded to randomPad. */
  randomPrefix: string;
  randomCount: number;
  randomPad: number;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  seed: number;
}

/** Latency percentiles (ms) of `n` requests. */
export interface LatencySummary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface LoadResult {
  /** Which client made the load: wrk, or the Node child. */
  client: 'wrk' | 'node';
  all: LatencySummary;
  /** Per request kind ('random p1', 'big p1', 'big p2'); the Node client only, wrk keeps one distribution. */
  byKind: Record<string, LatencySummary>;
  errors: number;
  firstError: string | null;
  /** Wall time from the start of the measured phase until every client finished. */
  wallMs: number;
  /** CPU time (user + system) the load client itself used in the measured phase. */
  clientCpuMs: number;
}

export interface WalkResult {
  /** Per page of the big account, walking every cursor to the end: the median latency (ms). */
  pageMedians: number[];
  randomP1Median: number;
  errors: number;
  firstError: string | null;
}

const CLIENT_JS = String.raw`
const http = require('node:http');
const job = JSON.parse(process.env.OPENCIS_LOAD_PLAN);
const p = job.plan;
const base = new URL(p.baseUrl);
const headers = { authorization: 'Bearer ' + p.apiKey };
const agent = new http.Agent({ keepAlive: true, maxSockets: p.concurrency, maxFreeSockets: p.concurrency });

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = prng(p.seed);
const randomAccount = () =>
  p.randomPrefix + String(1 + Math.floor(rnd() * p.randomCount)).padStart(p.randomPad, '0');
const timelinePath = (id, cursor) =>
  '/accounts/' + encodeURIComponent(id) + '/timeline' + (cursor ? '?cursor=' + encodeURIComponent(cursor) : '');

let errors = 0;
let firstError = null;
function fetchText(path) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: base.hostname, port: base.port, path, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
async function get(path, wantBody) {
  const t0 = performance.now();
  try {
    const res = await fetchText(path);
    const ms = performance.now() - t0;
    if (res.status !== 200) {
      errors++;
      firstError = firstError || res.status + ' ' + res.text.slice(0, 200);
      return { ms, body: null };
    }
    return { ms, body: wantBody ? JSON.parse(res.text) : null };
  } catch (err) {
    errors++;
    firstError = firstError || String(err);
    return { ms: performance.now() - t0, body: null };
  }
}

async function load() {
  const lat = { 'random p1': [], 'big p1': [], 'big p2': [] };
  let record = false;
  let until = performance.now() + p.warmupMs;
  // Each client repeats: random account, random account, big account page 1 then page 2; so half
  // of the requests are on the big account and half on random ones.
  async function client(offset) {
    for (let i = offset; performance.now() < until; i++) {
      if (i % 3 !== 2) {
        const r = await get(timelinePath(randomAccount()), false);
        if (record) lat['random p1'].push(r.ms);
      } else {
        const first = await get(timelinePath(p.bigAccountId), true);
        if (record) lat['big p1'].push(first.ms);
        const cursor = first.body && first.body.nextCursor;
        if (cursor) {
          const second = await get(timelinePath(p.bigAccountId, cursor), false);
          if (record) lat['big p2'].push(second.ms);
        }
      }
    }
  }
  const clients = () => Array.from({ length: p.concurrency }, (_, k) => client(k));
  if (p.warmupMs > 0) await Promise.all(clients());
  errors = 0;
  firstError = null;
  record = true;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  until = t0 + p.durationMs;
  await Promise.all(clients());
  const cpu = process.cpuUsage(cpu0);
  return { latencies: lat, errors, firstError, wallMs: performance.now() - t0, clientCpuMs: (cpu.user + cpu.system) / 1000 };
}

async function walk() {
  const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  const rounds = 5;
  const perPage = [];
  // Round 0 and the first 20 random requests warm up (JIT, connections) and are not kept.
  for (let r = -1; r < rounds; r++) {
    let cursor = null;
    let page = 0;
    do {
      const res = await get(timelinePath(p.bigAccountId, cursor), true);
      if (r >= 0) (perPage[page] = perPage[page] || []).push(res.ms);
      cursor = res.body && res.body.nextCursor;
      page++;
    } while (cursor && page < 1000);
  }
  const random = [];
  for (let i = 0; i < 70; i++) {
    const ms = (await get(timelinePath(randomAccount()), false)).ms;
    if (i >= 20) random.push(ms);
  }
  return { pageMedians: perPage.map(median), randomP1Median: median(random), errors, firstError };
}

(job.mode === 'walk' ? walk() : load()).then(
  (r) => process.send({ ok: true, r }, () => process.exit(0)),
  (err) => process.send({ ok: false, error: String(err && err.stack || err) }, () => process.exit(0)),
);
`;

function runClient<T>(mode: 'load' | 'walk', plan: LoadPlan): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'opencis-load-'));
  const script = path.join(dir, 'load-client.cjs');
  writeFileSync(script, CLIENT_JS);
  return new Promise<T>((resolve, reject) => {
    const child = fork(script, [], {
      env: { ...process.env, OPENCIS_LOAD_PLAN: JSON.stringify({ mode, plan }) },
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let settled = false;
    child.once('message', (m: { ok: boolean; r?: T; error?: string }) => {
      settled = true;
      if (m.ok) resolve(m.r as T);
      else reject(new Error(`load client failed: ${m.error}`));
    });
    child.once('error', (err) => {
      settled = true;
      reject(err);
    });
    child.once('exit', (code) => {
      if (!settled) reject(new Error(`load client exited with code ${code}`));
    });
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
}

interface NodeLoadResult extends Omit<LoadResult, 'client' | 'all' | 'byKind'> {
  latencies: Record<string, number[]>;
}

function summary(xs: number[]): LatencySummary {
  const sorted = xs.slice().sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
}

/**
 * `concurrency` clients, closed loop: a warm-up, then `durationMs` measured; wrk when it is
 * installed (and BENCH_LOAD_CLIENT is not `node`), else the Node child.
 */
export async function runLoad(plan: LoadPlan): Promise<LoadResult> {
  if (process.env.BENCH_LOAD_CLIENT !== 'node' && wrkPath()) return runWrk(plan);
  const { latencies, ...rest } = await runClient<NodeLoadResult>('load', plan);
  const byKind = Object.fromEntries(Object.entries(latencies).map(([k, xs]) => [k, summary(xs)]));
  return { client: 'node', all: summary(Object.values(latencies).flat()), byKind, ...rest };
}

let wrkFound: string | null | undefined;
/** wrk on PATH (Debian's package `wrk`), or null. */
export function wrkPath(): string | null {
  if (wrkFound === undefined) {
    try {
      wrkFound = execFileSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).trim() || null;
    } catch {
      wrkFound = null;
    }
  }
  return wrkFound;
}

// The mix of the Node client, by request number: random, random, big page 1, big page 2. wrk's
// connections share one request generator, so page 2 uses the cursor page 1 returns (fetched once
// beforehand: the data does not change during the run) instead of each connection's own answer.
// done() prints one JSON line; latency is in microseconds.
const WRK_LUA = String.raw`
local p = OPENCIS_PLAN
math.randomseed(p.seed)
wrk.headers["Authorization"] = "Bearer " .. p.apiKey
local big1, big2
local n = 0
-- Formatted once, in init: wrk adds the Host header only after the script's top level has run.
init = function()
  big1 = wrk.format("GET", p.big1)
  big2 = wrk.format("GET", p.big2)
end
request = function()
  n = n + 1
  local k = n % 4
  if k == 3 then return big1 end
  if k == 0 then return big2 end
  local id = p.randomPrefix .. string.format("%0" .. p.randomPad .. "d", math.random(p.randomCount))
  return wrk.format("GET", "/accounts/" .. id .. "/timeline")
end
done = function(s, latency, requests)
  local e = s.errors
  io.write(string.format(
    '\nOPENCIS {"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p95":%d,"p99":%d}\n',
    s.requests, s.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
`;

async function runWrk(plan: LoadPlan): Promise<LoadResult> {
  const headers = { authorization: `Bearer ${plan.apiKey}` };
  const big1 = `/accounts/${encodeURIComponent(plan.bigAccountId)}/timeline`;
  const first = (await (await fetch(plan.baseUrl + big1, { headers })).json()) as {
    nextCursor?: string | null;
  };
  const big2 = first.nextCursor ? `${big1}?cursor=${encodeURIComponent(first.nextCursor)}` : big1;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'opencis-wrk-'));
  const script = path.join(dir, 'timeline.lua');
  const luaPlan = { ...plan, big1, big2 };
  writeFileSync(
    script,
    `OPENCIS_PLAN = ${luaTable(luaPlan)}
${WRK_LUA}`,
  );
  // One wrk thread holds the 50 connections: a second would only take CPU from the server.
  const wrk = (ms: number) =>
    runWrkOnce([
      '-t1',
      `-c${plan.concurrency}`,
      `-d${Math.max(1, Math.round(ms / 1000))}s`,
      '--timeout',
      '10s',
      '-s',
      script,
      plan.baseUrl,
    ]);
  try {
    if (plan.warmupMs > 0) await wrk(plan.warmupMs);
    const r = await wrk(plan.durationMs);
    const errors = r.connect + r.read + r.write + r.status + r.timeout;
    const ms = (us: number) => us / 1000;
    return {
      client: 'wrk',
      all: { n: r.requests, p50: ms(r.p50), p95: ms(r.p95), p99: ms(r.p99) },
      byKind: {},
      errors,
      firstError: errors
        ? `wrk: connect ${r.connect}, read ${r.read}, write ${r.write}, non-2xx ${r.status}, timeout ${r.timeout}`
        : null,
      wallMs: r.durationUs / 1000,
      clientCpuMs: r.cpuMs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface WrkSummary {
  requests: number;
  durationUs: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
  p50: number;
  p95: number;
  p99: number;
  cpuMs: number;
}

/** One wrk run under bash's `time`, which reports the CPU wrk used (user and system seconds). */
function runWrkOnce(args: string[]): Promise<WrkSummary> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'bash',
      ['-c', 'TIMEFORMAT="OPENCIS_CPU %3U %3S"; time "$0" "$@"', wrkPath()!, ...args],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = /^OPENCIS (\{.*\})$/m.exec(out);
      const cpu = /OPENCIS_CPU ([\d.]+) ([\d.]+)/.exec(err);
      if (code !== 0 || !line || !cpu) {
        reject(new Error(`wrk failed (exit ${code}): ${(err || out).slice(-500)}`));
        return;
      }
      const r = JSON.parse(line[1]!) as Omit<WrkSummary, 'cpuMs'>;
      resolve({ ...r, cpuMs: (Number(cpu[1]) + Number(cpu[2])) * 1000 });
    });
  });
}

/** A Lua table literal of a flat object of strings and numbers. */
function luaTable(o: Record<string, unknown>): string {
  const value = (v: unknown) => (typeof v === 'number' ? String(v) : JSON.stringify(String(v)));
  return `{ ${Object.entries(o)
    .map(([k, v]) => `${k} = ${value(v)}`)
    .join(', ')} }`;
}

/** One client, sequentially, after a warm-up: every page of the big account (5 times), then 50 random accounts. */
export const walkPages = (plan: LoadPlan) => runClient<WalkResult>('walk', plan);
