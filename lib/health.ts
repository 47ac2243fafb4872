// GET /health: each part of the system, checked for real (a query, a Temporal RPC, an SMTP hello).
import type { Connection } from '@temporalio/client';
import type { Db } from './db/prisma';
import type { Mailer } from './mailer';
import type { HealthPart } from '../api/deps';

async function check(name: string, fn: () => Promise<string>): Promise<[string, HealthPart]> {
  try {
    return [name, { ok: true, detail: await withTimeout(fn(), 3000) }];
  } catch (err) {
    return [name, { ok: false, detail: (err as Error).message }];
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref()),
  ]);
}

export function healthCheck(parts: {
  db: Db;
  temporal: Connection;
  mailer: Mailer;
  smtpUrl: string;
  temporalAddress: string;
}) {
  return async (): Promise<Record<string, HealthPart>> =>
    Object.fromEntries(
      await Promise.all([
        check('postgres', async () => {
          const [r] = await parts.db.$queryRaw<
            { v: string }[]
          >`SELECT current_setting('server_version') AS v`;
          return `PostgreSQL ${r?.v}`;
        }),
        check('temporal', async () => {
          const info = await parts.temporal.workflowService.getSystemInfo({});
          return `Temporal server ${info.serverVersion} at ${parts.temporalAddress}`;
        }),
        check('smtp', async () => {
          await parts.mailer.verify();
          return `SMTP at ${parts.smtpUrl.replace(/\/\/[^@]*@/, '//')}`;
        }),
      ]),
    );
}
