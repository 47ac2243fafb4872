// `npm start` end to end: the real entry point brings up embedded Postgres, the Temporal dev
// server, the SMTP catcher, the worker and the API; /health reports each part; SIGTERM leaves no
// process behind; a second start keeps the data.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../lib/runtime/ports';

jest.setTimeout(240_000);

const ROOT = path.resolve(__dirname, '..');
let dataDir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'opencis-start-'));
  env = {
    ...process.env,
    DATA_DIR: dataDir,
    API_PORT: String(await freePort()),
    EMBEDDED_PG_PORT: String(await freePort()),
    TEMPORAL_DEV_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    SMTP_CATCHER_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
  };
  for (const k of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL', 'DATA_ENCRYPTION_KEY']) delete env[k];
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function start(args: string[]): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts/bootstrap.cjs'), 'start', ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 180 s:\n${out}`)), 180_000);
    child.stdout!.on('data', () => {
      if (out.includes('OpenCIS is up')) {
        clearTimeout(timer);
        resolve({ child, output: () => out });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`start exited with ${code}:\n${out}`));
    });
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

/** Processes whose command line names this run's data directory (Postgres, Temporal). */
function leftovers(): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return ps.split('\n').filter((l) => l.includes(dataDir));
}

const api = (
  p: string,
  key?: string,
  init: RequestInit = {},
): Promise<{ status: number; json(): Promise<any> }> =>
  fetch(`http://127.0.0.1:${env.API_PORT}${p}`, {
    ...init,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      'content-type': 'application/json',
      ...(init.headers ?? {}),
    },
  });

/** The notice print schedule as the dev server describes it. */
async function printSchedule() {
  const connection = await Connection.connect({ address: `127.0.0.1:${env.TEMPORAL_DEV_PORT}` });
  try {
    const d = await new Client({ connection }).schedule.getHandle('notice-print-schedule').describe();
    const c = d.spec.calendars![0]!;
    return {
      hour: c.hour[0]!.start,
      minute: c.minute[0]!.start,
      days: `${c.dayOfWeek[0]!.start}-${c.dayOfWeek[0]!.end}`,
      timezone: d.spec.timezone,
    };
  } finally {
    await connection.close();
  }
}

test('start with the demo, health, stop cleanly, start again with the data kept', async () => {
  const first = await start(['--demo']);
  expect(first.output()).toMatch(/Postgres\s+embedded/);
  expect(first.output()).toMatch(/Temporal\s+127\.0\.0\.1:\d+\s+\(Web UI http/);

  const health = await (await api('/health')).json();
  expect(health).toMatchObject({
    status: 'ok',
    parts: { postgres: { ok: true }, temporal: { ok: true }, smtp: { ok: true } },
  });

  const keys = JSON.parse(readFileSync(path.join(dataDir, 'demo-keys.json'), 'utf8')) as Record<
    string,
    string
  >;
  const customers = await (await api('/customers?limit=1', keys.csr)).json();
  expect(customers.total).toBe(240);
  const created = await api('/customers', keys.csr, {
    method: 'POST',
    body: JSON.stringify({
      name: 'Kept Across Restarts',
      mailingAddress: '1 Persist Way, Millbrook, PA 16801',
    }),
  });
  expect(created.status).toBe(201);
  const { id } = await created.json();

  // The print vendor's daily close is scheduled on the dev server, and a supervisor can close a
  // batch at once through the real worker (nothing waits yet: no batch is made).
  const schedule = await printSchedule();
  expect(schedule).toMatchObject({
    hour: 16,
    minute: 0,
    days: 'MONDAY-FRIDAY',
    timezone: 'America/New_York',
  });
  const closed = await api('/print-batches/notices', keys.supervisor, { method: 'POST', body: '{}' });
  expect(closed.status).toBe(201);
  expect(await closed.json()).toEqual({ batch: null, claimed: 0 });

  expect(await stop(first.child)).toBe(0);
  expect(leftovers()).toEqual([]);

  // A new close time reaches the existing schedule.
  env.NOTICE_PRINT_TIME = '17:30';
  const second = await start(['--demo']);
  expect(await printSchedule()).toMatchObject({ hour: 17, minute: 30, days: 'MONDAY-FRIDAY' });
  delete env.NOTICE_PRINT_TIME;
  const again = await (await api(`/customers/${id}`, keys.csr)).json();
  expect(again.name).toBe('Kept Across Restarts');
  expect((await (await api('/customers?limit=1', keys.csr)).json()).total).toBe(241); // demo not loaded twice
  expect(second.output()).not.toMatch(/migration\(s\)/); // nothing left to migrate
  expect(await stop(second.child)).toBe(0);
  expect(leftovers()).toEqual([]);
});
