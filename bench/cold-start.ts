// cold-start: `npm start` from nothing to serving, then again on the same data ("warm").
//
// The real start is spawned as npm start runs it (`node scripts/bootstrap.cjs start`, which
// checks what is installed and runs bin/start.ts) in a process group of its own, with DATA_DIR a
// fresh temp dir (a new embedded Postgres cluster, a new Temporal SQLite file, new mail and key
// files) and every port a free one (API_PORT, EMBEDDED_PG_PORT, TEMPORAL_DEV_PORT,
// TEMPORAL_UI_PORT, SMTP_CATCHER_PORT); DATABASE_URL, TEMPORAL_ADDRESS and SMTP_URL are left
// unset so every part is the embedded one. Measured from the spawn: the first 200 from
// GET /health (every part checked for real: a query, a Temporal RPC, an SMTP hello) and the first
// 200 from the dashboard's sign-in page. Then SIGTERM, as Ctrl-C would, and the time until the
// whole process group has exited (SIGKILL to the group after STOP_GRACE_MS, reported). The second
// start reuses the data dir: the cluster exists, migrations are current, the workflows bundle
// is built again.
//
// The bootstrap would install packages when node_modules or the Prisma client is stale; the
// benchmark refuses to run then (npm run bench has just checked both, so it does not happen).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../lib/runtime/ports';
import { fmt, type BenchOptions, type Figure, type Result } from './harness';

export const name = 'cold-start';
export const description =
  '`npm start` on a fresh data dir until /health and the dashboard answer, then a warm start';

const ROOT = path.resolve(__dirname, '..');
const READY_TIMEOUT_MS = 240_000;
const STOP_GRACE_MS = 30_000;
const POLL_MS = 100;

interface StartRun {
  healthyMs: number;
  dashboardMs: number;
  /** What the process itself printed ("OpenCIS is up in N s"), in seconds. */
  reportedS: number | null;
  stopMs: number;
  /** The group had to be killed after the grace period. */
  killed: boolean;
  error?: string;
}

export async function run(opts: BenchOptions): Promise<Result> {
  const stale = staleInstall();
  if (stale)
    throw new Error(`${stale}: run \`npm start\` once (it installs what is missing), then the benchmark`);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'opencis-bench-start-'));
  try {
    opts.log(`  cold start in ${dataDir}…`);
    const cold = await startAndStop(dataDir, opts.log);
    opts.log(
      `  cold: healthy in ${fmt(cold.healthyMs / 1000, 1)} s, stopped in ${fmt(cold.stopMs / 1000, 1)} s` +
        (cold.error ? ` (${cold.error})` : ''),
    );
    const warm = cold.error ? null : await startAndStop(dataDir, opts.log);
    if (warm)
      opts.log(
        `  warm: healthy in ${fmt(warm.healthyMs / 1000, 1)} s, stopped in ${fmt(warm.stopMs / 1000, 1)} s` +
          (warm.error ? ` (${warm.error})` : ''),
      );
    const figures: Figure[] = [];
    for (const [label, r] of [
      ['cold', cold],
      ['warm', warm],
    ] as const) {
      if (!r) continue;
      figures.push(
        {
          figure: `${label}: spawn → /health 200`,
          value: r.healthyMs / 1000,
          unit: 's',
        },
        { figure: `${label}: spawn → dashboard sign-in 200`, value: r.dashboardMs / 1000, unit: 's' },
        ...(r.reportedS !== null
          ? [{ figure: `${label}: "OpenCIS is up in" (its own clock)`, value: r.reportedS, unit: 's' }]
          : []),
        { figure: `${label}: SIGTERM → every process exited`, value: r.stopMs / 1000, unit: 's' },
      );
    }
    const failures = [cold, warm].flatMap((r) => (r?.error ? [r.error] : []));
    const killed = [cold, warm].some((r) => r?.killed);
    return {
      name,
      params: { readyTimeoutMs: READY_TIMEOUT_MS, stopGraceMs: STOP_GRACE_MS },
      figures,
      notes: [
        'node scripts/bootstrap.cjs start (as npm start) with DATA_DIR a fresh temp dir and free ports; ' +
          'embedded Postgres, Temporal dev server and SMTP catcher; times from the spawn, polled every 100 ms.',
        'cold: initdb, migrations, a new Temporal SQLite file, the workflows bundle, the administrator key; ' +
          'warm: the same data dir again (the bundle is built on every start).',
        killed
          ? `a stop did not finish within ${STOP_GRACE_MS / 1000} s and the process group was killed`
          : 'both stops were orderly: SIGTERM, and every process of the group exited by itself',
      ],
      ...(failures.length ? { failed: failures.join('; ') } : {}),
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function startAndStop(dataDir: string, log: (l: string) => void): Promise<StartRun> {
  const ports = {
    API_PORT: await freePort(),
    EMBEDDED_PG_PORT: await freePort(),
    TEMPORAL_DEV_PORT: await freePort(),
    TEMPORAL_UI_PORT: await freePort(),
    SMTP_CATCHER_PORT: await freePort(),
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    API_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  };
  for (const k of ['DATABASE_URL', 'DATABASE_ADMIN_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL', 'NODE_ENV'] as const)
    delete env[k];
  for (const [k, v] of Object.entries(ports)) env[k] = String(v);
  const base = `http://127.0.0.1:${ports.API_PORT}`;

  const t0 = performance.now();
  // detached: a process group of its own, so whatever it started can be stopped with it.
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'bootstrap.cjs'), 'start'], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killGroup = () => signalGroup(child, 'SIGKILL');
  process.once('exit', killGroup);
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));

  const result: StartRun = { healthyMs: NaN, dashboardMs: NaN, reportedS: null, stopMs: NaN, killed: false };
  try {
    const deadline = t0 + READY_TIMEOUT_MS;
    const healthy = await pollFor(`${base}/health`, deadline, () => exitedEarly);
    if (healthy === null) {
      result.error = exitedEarly
        ? `npm start exited before it was healthy: ${lastLines(output)}`
        : `/health did not answer 200 within ${READY_TIMEOUT_MS / 1000} s: ${lastLines(output)}`;
      return result;
    }
    result.healthyMs = healthy - t0;
    const dashboard = await pollFor(`${base}/dashboard/sign-in`, deadline, () => exitedEarly);
    if (dashboard === null)
      result.error = `the dashboard sign-in page did not answer 200: ${lastLines(output)}`;
    else result.dashboardMs = dashboard - t0;
    const up = /OpenCIS is up in ([\d.]+) s/.exec(output);
    result.reportedS = up ? Number(up[1]) : null;
    return result;
  } finally {
    const s0 = performance.now();
    if (!exitedEarly) signalGroup(child, 'SIGTERM');
    const stopped = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
    // The group may outlive its leader (a server the start had not yet taken charge of).
    const groupGone = stopped && (await groupExited(child, 5_000));
    if (!groupGone) {
      result.killed = true;
      log(`  the process group had not exited ${STOP_GRACE_MS / 1000} s after SIGTERM: killing it`);
      signalGroup(child, 'SIGKILL');
      await Promise.race([exited, sleep(5_000)]);
    }
    result.stopMs = performance.now() - s0;
    process.removeListener('exit', killGroup);
  }
}

/** Polls `url` until it answers 200; returns the moment (performance.now) or null. */
async function pollFor(url: string, deadline: number, gaveUp: () => boolean): Promise<number | null> {
  while (performance.now() < deadline && !gaveUp()) {
    if ((await status(url)) === 200) return performance.now();
    await sleep(POLL_MS);
  }
  return null;
}

function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 5_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone
  }
}

async function groupExited(child: ChildProcess, withinMs: number): Promise<boolean> {
  const end = performance.now() + withinMs;
  while (performance.now() < end) {
    try {
      process.kill(-child.pid!, 0);
    } catch {
      return true;
    }
    await sleep(100);
  }
  return false;
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-5).join(' | ').slice(0, 800);
}

/** Why the bootstrap would install something first, or null (the same stamps it checks). */
function staleInstall(): string | null {
  const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
  const lock = path.join(ROOT, 'package-lock.json');
  const stamp = (f: string) => {
    const p = path.join(ROOT, 'node_modules', f);
    return existsSync(p) ? readFileSync(p, 'utf8') : null;
  };
  if (stamp('.opencis-lock-hash') !== sha(lock)) return 'node_modules does not match package-lock.json';
  if (stamp('.opencis-prisma-hash') !== sha(path.join(ROOT, 'prisma', 'schema.prisma')) + sha(lock))
    return 'the Prisma client is older than prisma/schema.prisma';
  return null;
}
