// The system under fault, one OS process per part so that SIGKILL is a real crash: embedded
// Postgres (the postmaster and its backends), the Temporal dev server on its SQLite file, the SMTP
// catcher, the worker and the API. Every part keeps its port and its files across restarts, so a
// restarted part finds the durable state the killed one left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPg } from '../../lib/runtime/embedded-postgres';
import { isPortFree, waitForPort } from '../../lib/runtime/ports';
import { startTemporalDevServer, type DevServer } from '../../lib/runtime/temporal-dev-server';

const ROOT = path.resolve(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `pid` no longer exists (signal 0 fails). */
async function waitGone(pid: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    if (Date.now() > deadline) throw new Error(`process ${pid} still exists ${timeoutMs} ms after SIGKILL`);
    await sleep(50);
  }
}

async function waitPortFree(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await isPortFree(port))) {
    if (Date.now() > deadline) throw new Error(`port ${port} is still in use ${timeoutMs} ms after the kill`);
    await sleep(100);
  }
}

/** The pids whose parent is `ppid` (from /proc: Linux only, as the suite is). */
function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command may contain spaces and parentheses: the fields after the last ')' are fixed.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === ppid) out.push(Number(name));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

// ---- Postgres -------------------------------------------------------------------------------------

export class Postgres {
  private pg: EmbeddedPg | null = null;
  constructor(
    readonly dataDir: string,
    readonly port: number,
  ) {}

  get adminUrlBase(): string {
    return `postgresql://postgres:postgres@127.0.0.1:${this.port}`;
  }

  async start(): Promise<EmbeddedPg> {
    this.pg = await startEmbeddedPostgres({ dataDir: this.dataDir, port: this.port, persistent: true });
    return this.pg;
  }

  /**
   * A crash: SIGKILL to the postmaster and then to every backend it had, so nothing is flushed or
   * checkpointed and the next start runs crash recovery from the WAL.
   */
  async kill(): Promise<void> {
    const pidFile = path.join(this.dataDir, 'postmaster.pid');
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no postmaster pid in ${pidFile}`);
    const backends = childrenOf(pid);
    process.kill(pid, 'SIGKILL');
    for (const b of [...backends, ...childrenOf(pid)]) {
      try {
        process.kill(b, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await waitGone(pid);
    for (const b of backends) await waitGone(b);
    await waitPortFree(this.port);
    this.pg = null;
  }

  async stop(): Promise<void> {
    await this.pg?.stop();
    this.pg = null;
  }
}

// ---- Temporal dev server ------------------------------------------------------------------------

export class Temporal {
  private dev: DevServer | null = null;
  constructor(
    readonly cliPath: string,
    readonly dataDir: string,
    readonly port: number,
    readonly uiPort: number,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts (or restarts) the dev server on the same SQLite file (dataDir/temporal.sqlite). */
  async start(): Promise<void> {
    this.dev = await startTemporalDevServer({
      cliPath: this.cliPath,
      dataDir: this.dataDir,
      port: this.port,
      uiPort: this.uiPort,
      namespace: 'default',
    });
  }

  async kill(): Promise<void> {
    const child = this.dev?.process;
    if (!child?.pid) throw new Error('the Temporal dev server is not running');
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await exited;
    await waitPortFree(this.port);
    await waitPortFree(this.uiPort);
    this.dev = null;
  }

  async stop(): Promise<void> {
    await this.dev?.stop();
    this.dev = null;
  }
}

// ---- node processes (worker, API, SMTP catcher) ------------------------------------------------

/**
 * A node process kept running as a process supervisor would: when it exits for any reason other
 * than stop(), it is started again after a second. kill() is SIGKILL; the supervisor restarts it.
 */
export class Supervised {
  private child: ChildProcess | null = null;
  private stopping = false;
  private log: WriteStream;
  private ready: Promise<void> = Promise.resolve();
  /** Starts after the first, whatever the cause (a kill, or a crash on a lost dependency). */
  restarts = 0;
  crashes: string[] = [];

  constructor(
    readonly name: string,
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
    logFile: string,
    /** Resolves when the freshly started process can do its work. */
    private readonly whenReady: (child: ChildProcess) => Promise<void>,
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
  }

  start(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', ...this.args], {
      cwd: ROOT,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.pipe(this.log, { end: false });
    child.stderr!.pipe(this.log, { end: false });
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) => reject(new Error(`${this.name} exited (${signal ?? code})`))),
    );
    exited.catch(() => undefined);
    child.once('exit', (code, signal) => {
      this.log.write(`--- ${this.name} exited (${signal ?? code}) at ${new Date().toISOString()}\n`);
      if (this.child !== child || this.stopping) return;
      if (signal !== 'SIGKILL') this.crashes.push(`${signal ?? code}`);
      this.restarts++;
      setTimeout(() => {
        if (!this.stopping && this.child === child) void this.start().catch(() => undefined);
      }, 1_000);
    });
    this.ready = Promise.race([this.whenReady(child), exited]);
    return this.ready;
  }

  /** Resolves once the current process (or the one the supervisor started after it) is ready. */
  async waitReady(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const child = this.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) {
        // dead, and its successor not spawned yet
        if (Date.now() > deadline) throw new Error(`${this.name} was not started again in ${timeoutMs} ms`);
        await sleep(100);
        continue;
      }
      try {
        await this.ready;
        if (child === this.child) return;
      } catch {
        // that one died; the supervisor starts another within a second
        await sleep(1_200);
      }
      if (Date.now() > deadline) throw new Error(`${this.name} did not become ready in ${timeoutMs} ms`);
    }
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** SIGKILL; resolves once it is gone. The supervisor starts it again a second later. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    await new Promise<void>((r) => this.log.end(() => r()));
  }
}

/** Ready when the process prints `line` on stdout. */
export function printed(line: string) {
  return (child: ChildProcess) =>
    new Promise<void>((resolve) => {
      let buf = '';
      const on = (d: Buffer) => {
        buf += d.toString();
        if (buf.includes(line)) {
          child.stdout!.off('data', on);
          resolve();
        }
      };
      child.stdout!.on('data', on);
    });
}

/** Ready when something listens on the port. */
export function listening(port: number) {
  return () => waitForPort(port, '127.0.0.1', 120_000);
}

export function fileExists(p: string): boolean {
  return existsSync(p);
}
