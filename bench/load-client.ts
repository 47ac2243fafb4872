// HTTP load for the timeline benchmark, run in a child process so the client neither shares the
// server's event loop nor counts in the server process's CPU time (they still share the machine's
// cores with Postgres). node:http with a keep-alive agent, one socket per client, and a bounded loop
// per client; no external tool. (Node's fetch cost about 0.36 ms of CPU per request here, node:http
// about a third of that: on 2 cores the client's CPU is taken from the server under test.) The
// child's body is plain JavaScript, so it needs no TypeScript loader.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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

export interface LoadResult {
  /** Latencies in ms per request kind ('random p1', 'big p1', 'big p2'). */
  latencies: Record<string, number[]>;
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

/** `concurrency` clients in a bounded loop: a warm-up, then `durationMs` measured. */
export const runLoad = (plan: LoadPlan) => runClient<LoadResult>('load', plan);

/** One client, sequentially, after a warm-up: every page of the big account (5 times), then 50 random accounts. */
export const walkPages = (plan: LoadPlan) => runClient<WalkResult>('walk', plan);
