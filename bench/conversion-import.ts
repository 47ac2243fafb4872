// conversion-import: the legacy conversion (services/import-legacy.ts importLegacyExport) on a
// synthetic Millbrook-layout export, against a raw bulk load of the same rows into the same tables
// of a second fresh database. The raw baseline is a multi-row INSERT of 1,000 rows per statement
// (pg-copy-streams, for COPY FROM STDIN, is not a dependency of the project), in one transaction,
// as the application role, like the import.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Client } from 'pg';
import { convertLegacyExport, LEGACY_FILES, type LegacyExport } from '../domain/legacy-export';
import { createPrisma } from '../lib/db/prisma';
import { encryptField, maskLast } from '../lib/field-crypto';
import { importLegacyExport } from '../services/import-legacy';
import {
  fmt,
  MiB,
  sampleRss,
  timed,
  withClient,
  withServer,
  type BenchOptions,
  type Figure,
  type Result,
} from './harness';
import { asSourceRows, generateExport, writeExport } from './synthetic-export';

export const name = 'conversion-import';
export const description =
  'importLegacyExport on a synthetic legacy export vs a raw multi-row INSERT of the same rows';

const SEED = 20261127;
const BATCH = 1000;
/** The timeout importLegacyExport gives its transaction (services/import-legacy.ts), for context. */
const IMPORT_TX_TIMEOUT_S = 120;

export async function run(opts: BenchOptions): Promise<Result> {
  const customers = Math.max(10, Math.round(10_000 * opts.scale));
  const exp = generateExport(customers, SEED);
  const csvRows = exp.counts.customers + exp.counts.premises + exp.counts.accounts + exp.counts.meters;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'opencis-bench-export-'));
  const encryptionKey = randomBytes(32);
  const actor = { id: 'bench:conversion-import', role: 'admin' };
  opts.log(
    `  export: ${exp.counts.customers} customers, ${exp.counts.premises} premises, ` +
      `${exp.counts.accounts} accounts, ${exp.counts.meters} meters (seed ${SEED}) in ${dir}`,
  );
  try {
    writeExport(exp, dir);
    // The rows exactly as the import will write them, for the baselines (built untimed).
    const converted = convertLegacyExport(asSourceRows(exp));
    if (converted.rejections.length > 0)
      throw new Error(`synthetic export has ${converted.rejections.length} rejections: generator bug`);
    const entityRows = csvRows + converted.servicePoints.length;

    return await withServer('conversion', opts.log, async (server) => {
      // One at a time: concurrent migrations would race on the same role's grants.
      const dbImport = await server.createDatabase('bench_import');
      const dbRaw = await server.createDatabase('bench_raw');
      const dbRawAudit = await server.createDatabase('bench_raw_audit');

      // ---- the import, through the product code, as the application role ----
      const db = createPrisma(dbImport.appUrl);
      let importMs: number;
      let importError: string | undefined;
      let rssBefore: number;
      let rssPeak: number;
      try {
        await db.$queryRaw`SELECT 1`; // connect outside the timing
        rssBefore = process.memoryUsage.rss();
        const rss = sampleRss();
        opts.log('  importing through importLegacyExport…');
        const t0 = performance.now();
        try {
          const result = await importLegacyExport(db, { dir, actor, encryptionKey });
          if (result.status !== 'completed' || result.counts.accounts.created !== exp.counts.accounts)
            importError = `import did not complete: ${result.status} ${JSON.stringify(result.counts)}`;
        } catch (err) {
          // Recorded, not thrown: an import that cannot finish at this size is itself the finding.
          importError = (err as Error).message.trim();
        } finally {
          importMs = performance.now() - t0;
          rssPeak = rss.stop();
        }
      } finally {
        await db.$disconnect();
      }
      if (importError) opts.log(`  importLegacyExport FAILED after ${fmt(importMs / 1000, 1)} s`);
      const written = await withClient(dbImport.adminUrl, async (c) => {
        const n = async (table: string) =>
          Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
        return { audit: await n('audit_event'), timeline: await n('timeline_event') };
      });

      // ---- raw baselines, same rows, same tables, fresh databases ----
      const keyed = converted.customers.map((c) => ({
        ...c,
        dateOfBirthEnc: c.dateOfBirth ? encryptField(c.dateOfBirth, encryptionKey) : null,
      }));
      opts.log(`  raw baseline: multi-row INSERT, ${BATCH} rows per statement…`);
      const raw = await withClient(dbRaw.appUrl, (c) =>
        timed(() => inTransaction(c, () => insertEntities(c, converted, keyed))),
      );
      opts.log('  raw baseline with the audit and timeline rows the import also writes…');
      const rawAudit = await withClient(dbRawAudit.appUrl, (c) =>
        timed(() =>
          inTransaction(c, async () => {
            await insertEntities(c, converted, keyed);
            await insertTrail(c, converted, actor);
          }),
        ),
      );

      // ---- the Node-only part of the import: CSV parsing and checking, no database ----
      const parseConvert = await timed(async () => {
        const rows = LEGACY_FILES.map((f) =>
          parse(readFileSync(path.join(dir, f)), {
            bom: true,
            info: true,
            skip_empty_lines: true,
            relax_column_count: true,
          }),
        );
        convertLegacyExport(asSourceRows(exp));
        return rows.length;
      });

      const s = importMs / 1000;
      const importFigures: Figure[] = importError
        ? [{ figure: 'import: FAILED after', value: s, unit: 's' }]
        : [
            { figure: 'import: elapsed', value: s, unit: 's' },
            { figure: 'import: rows/s (all four files)', value: csvRows / s, unit: 'rows/s', target: 'none yet' },
            { figure: 'import: accounts/s', value: exp.counts.accounts / s, unit: 'accounts/s', target: 'none yet' },
          ];
      const figures: Figure[] = [
        ...importFigures,
        { figure: 'raw INSERT: elapsed', value: raw.ms / 1000, unit: 's' },
        { figure: 'raw INSERT: rows/s (same rows)', value: csvRows / (raw.ms / 1000), unit: 'rows/s' },
        ...(importError
          ? []
          : [{ figure: 'ratio import/raw (elapsed)', value: importMs / raw.ms, unit: 'x' }]),
        { figure: 'raw INSERT + audit/timeline rows: elapsed', value: rawAudit.ms / 1000, unit: 's' },
        ...(importError
          ? []
          : [{ figure: 'ratio import/(raw + audit/timeline)', value: importMs / rawAudit.ms, unit: 'x' }]),
        { figure: 'CSV parse + check (Node only)', value: parseConvert.ms / 1000, unit: 's' },
        { figure: 'audit rows written by the import', value: written.audit, unit: 'rows' },
        { figure: 'timeline rows written by the import', value: written.timeline, unit: 'rows' },
        { figure: 'RSS before import', value: rssBefore / MiB, unit: 'MiB' },
        { figure: 'peak RSS during import', value: rssPeak / MiB, unit: 'MiB' },
        { figure: 'peak RSS of the process (maxRSS)', value: process.resourceUsage().maxRSS / 1024, unit: 'MiB' },
      ];
      return {
        name,
        ...(importError ? { failed: `importLegacyExport failed after ${fmt(s, 1)} s: ${importError}` } : {}),
        params: {
          seed: SEED,
          scale: opts.scale,
          customers: exp.counts.customers,
          premises: exp.counts.premises,
          accounts: exp.counts.accounts,
          meters: exp.counts.meters,
          servicePoints: converted.servicePoints.length,
          csvRows,
          entityRows,
          baseline: `multi-row INSERT, ${BATCH} rows per statement, one transaction (pg-copy-streams not installed)`,
          prismaPool: 10,
        },
        figures,
        notes: [
          `pg-copy-streams is not in node_modules, so the raw baseline is a multi-row INSERT of ${BATCH} rows per statement, not COPY FROM STDIN; COPY would be faster still.`,
          `rows/s counts the ${fmt(csvRows, 0)} rows of the four CSV files; both sides also write ${fmt(converted.servicePoints.length, 0)} derived service points.`,
          `The import also writes one audit row per entity row (+1 summary) through the hash-chain trigger and one timeline row per account; "raw INSERT + audit/timeline rows" adds equivalent rows with the same multi-row INSERTs.`,
          'Both sides connect as the application role (opencis_app) to a freshly migrated database; date-of-birth encryption is done before the raw timing starts.',
          'RSS is this Node process only (Postgres runs in its own processes); "before" is after the export was generated and held in memory.',
          `importLegacyExport loads in one interactive transaction with a ${IMPORT_TX_TIMEOUT_S} s timeout (services/import-legacy.ts); this run took ${fmt(s, 1)} s from start to ${importError ? 'failure' : 'end'} (${fmt((100 * s) / IMPORT_TX_TIMEOUT_S, 0)}% of that timeout, counting the CSV reading before the transaction).`,
          ...(importError
            ? ['The import failed, so the rows written by it are what its rolled-back transaction left: none.']
            : []),
        ],
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function inTransaction(c: Client, fn: () => Promise<void>): Promise<void> {
  await c.query('BEGIN');
  try {
    await fn();
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** INSERT INTO table (columns) VALUES (…),(…) in batches of BATCH rows. */
async function insertMany(c: Client, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) {
    const batch = rows.slice(i, i + BATCH);
    const params: unknown[] = [];
    const tuples = batch.map((row) => {
      const ph = row.map((v) => {
        params.push(v);
        return `$${params.length}`;
      });
      return `(${ph.join(',')})`;
    });
    await c.query(`INSERT INTO ${table} (${columns.map((x) => `"${x}"`).join(',')}) VALUES ${tuples.join(',')}`, params);
  }
}

type KeyedCustomer = LegacyExport['customers'][number] & { dateOfBirthEnc: string | null };

/** Parents before children, as the import does. */
async function insertEntities(c: Client, exp: LegacyExport, customers: KeyedCustomer[]): Promise<void> {
  await insertMany(
    c,
    'customer',
    ['id', 'name', 'mailing_address', 'email', 'phone', 'language', 'paperless', 'date_of_birth_enc'],
    customers.map((r) => [r.id, r.name, r.mailingAddress, r.email, r.phone, r.language, r.paperless, r.dateOfBirthEnc]),
  );
  await insertMany(
    c,
    'premise',
    [
      'id',
      'service_address',
      'zip',
      'service_area',
      'state',
      'jurisdiction_profile',
      'premise_type',
      'heating',
      'service_line_public',
      'service_line_private',
    ],
    exp.premises.map((r) => [
      r.id,
      r.serviceAddress,
      r.zip,
      r.serviceArea,
      r.state,
      r.jurisdictionProfile,
      r.premiseType,
      r.heating,
      r.serviceLinePublic,
      r.serviceLinePrivate,
    ]),
  );
  await insertMany(
    c,
    'service_point',
    ['id', 'premise_id', 'service'],
    exp.servicePoints.map((r) => [r.id, r.premiseId, r.service]),
  );
  await insertMany(
    c,
    'meter',
    ['id', 'service_point_id', 'service', 'read_unit', 'dials', 'multiplier', 'size', 'ami_endpoint', 'installed_on'],
    exp.meters.map((r) => [
      r.id,
      r.servicePointId,
      r.service,
      r.readUnit,
      r.dials,
      r.multiplier,
      r.size,
      r.amiEndpoint,
      r.installedOn,
    ]),
  );
  await insertMany(
    c,
    'account',
    ['id', 'customer_id', 'premise_id', 'class', 'bill_cycle', 'start_date', 'deposit_held_cents', 'autopay'],
    exp.accounts.map((r) => [
      r.id,
      r.customerId,
      r.premiseId,
      r.class,
      r.billCycle,
      r.startDate,
      r.depositHeldCents,
      r.autopay,
    ]),
  );
}

/** Audit rows (through the chain trigger) and timeline rows equivalent to what the import writes. */
async function insertTrail(c: Client, exp: LegacyExport, actor: { id: string; role: string }): Promise<void> {
  const reason = 'Converted from the legacy system (bench baseline)';
  const audit = (type: string, id: string, after: unknown, accountId: string | null = null) => [
    actor.id,
    actor.role,
    `${type}.create`,
    type,
    id,
    accountId,
    JSON.stringify(after),
    reason,
  ];
  const rows = [
    ...exp.customers.map(({ dateOfBirth, ...c2 }) =>
      audit('customer', c2.id, { ...c2, dateOfBirth: dateOfBirth ? maskLast(dateOfBirth, 2) : null }),
    ),
    ...exp.premises.map((r) => audit('premise', r.id, r)),
    ...exp.accounts.map((r) => audit('account', r.id, r, r.id)),
    ...exp.meters.map((r) => audit('meter', r.id, r)),
    ...exp.servicePoints.map((r) => audit('service_point', r.id, r)),
    [actor.id, actor.role, 'import.completed', 'import_run', 'bench', null, '{}', null],
  ];
  await insertMany(
    c,
    'audit_event',
    ['actor', 'actor_role', 'action', 'entity_type', 'entity_id', 'account_id', 'after', 'reason'],
    rows,
  );
  const now = new Date();
  await insertMany(
    c,
    'timeline_event',
    ['account_id', 'occurred_at', 'kind', 'entity_type', 'entity_id', 'summary', 'actor', 'data'],
    exp.accounts.map((a) => [
      a.id,
      now,
      'account.converted',
      'account',
      a.id,
      'Account converted from the legacy system',
      actor.id,
      JSON.stringify({ customerId: a.customerId, premiseId: a.premiseId }),
    ]),
  );
}
