// What the API is built from. Everything is injected, so tests run the real app in-process
// against a test database and a Temporal test server.
import type { Client as TemporalClient } from '@temporalio/client';
import type { Db } from '../lib/db/prisma';
import type { Logger } from '../lib/logger';
import type { RateLimit } from '../lib/rate-limit';

export interface HealthPart {
  ok: boolean;
  detail: string;
}

export interface ApiDeps {
  db: Db;
  temporal: TemporalClient;
  taskQueue: string;
  logger: Logger;
  /** 32-byte key for personal fields at rest (lib/field-crypto.ts). */
  encryptionKey: Buffer;
  /** Where the worker writes print batches (<outDir>/print), for downloading them. */
  outDir?: string;
  /** Where the embedded SMTP catcher keeps mail; absent when an external SMTP server is used. */
  mailDir?: string;
  /** Failed authentications allowed per client address and window (default 20 a minute). */
  authFailureLimit?: RateLimit;
  /** Reports on each part of the system for GET /health. */
  health: () => Promise<Record<string, HealthPart>>;
  /**
   * The moment a rule is judged at, where the API judges one itself (a disconnection reported by a
   * crew). Default: the system clock. Tests pass the time-skipping server's clock, which the
   * workflows run on.
   */
  now?: () => Promise<Date>;
  /** Called after recorded weather changes, with each service area and day that changed. */
  onWeatherChanged?: (changed: { serviceArea: string; day: string }[]) => Promise<void> | void;
}
