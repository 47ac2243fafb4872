// Conversion of a legacy export into OpenCIS: all or nothing by default. The four CSV files are
// checked as a whole (domain/legacy-export.ts) and against what the database already holds; with
// any problem, nothing is written but the run and its rejection report, so a go-live never starts
// from half a conversion. `validOnly` loads the referentially whole valid subset instead.
//
// Re-running is safe: an export already imported is recognised by its hash and answered from the
// earlier run, and a row whose id already exists with the same values is left alone.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Prisma } from '@prisma/client';
import { parse } from 'csv-parse/sync';
import type { Info } from 'csv-parse/sync';
import {
  LEGACY_FILES,
  convertLegacyExport,
  sortRejections,
  withdrawRows,
  type AccountRow,
  type CustomerRow,
  type LegacyExport,
  type LegacyExportRows,
  type LegacyFile,
  type MeterRow,
  type PremiseRow,
  type Rejection,
  type ServicePointRow,
  type SourceRow,
} from '../domain/legacy-export';
import { toJson, type Actor } from '../lib/audit';
import { utilityDate } from './ledger';
import type { Db, Tx } from '../lib/db/prisma';
import { AppError, invalid } from '../lib/errors';
import { decryptField, encryptField, maskLast } from '../lib/field-crypto';
import { isSeniorOn } from '../domain/collections/age';
import { defaultPolicyProfile } from './premise-profile';

export type { Rejection } from '../domain/legacy-export';

export const IMPORT_KIND = 'legacy-export';
const ENTITIES = ['customers', 'premises', 'accounts', 'meters', 'servicePoints'] as const;
type Entity = (typeof ENTITIES)[number];
type FileEntity = Exclude<Entity, 'servicePoints'>;

export interface EntityCounts {
  created: number;
  unchanged: number;
  rejected: number;
}
export type ImportCounts = Record<Entity, EntityCounts>;

export interface ImportResult {
  status: 'completed' | 'rejected' | 'unchanged';
  runId: string;
  counts: ImportCounts;
  rejections: Rejection[];
}

export interface ImportOptions {
  /** Directory holding customers.csv, premises.csv, accounts.csv and meters.csv. */
  dir: string;
  /** Load the valid rows and report the rest, instead of refusing the whole export. */
  validOnly?: boolean;
  actor: Actor;
  /** Data encryption key (lib/field-crypto.ts): dates of birth are stored encrypted. */
  encryptionKey: Buffer;
}

const FILE_OF: Record<FileEntity, LegacyFile> = {
  customers: 'customers.csv',
  premises: 'premises.csv',
  accounts: 'accounts.csv',
  meters: 'meters.csv',
};
const ID_COLUMN: Record<FileEntity, string> = {
  customers: 'customer_id',
  premises: 'premise_id',
  accounts: 'account_id',
  meters: 'meter_id',
};
const ENTITY_TYPE: Record<Entity, string> = {
  customers: 'customer',
  premises: 'premise',
  accounts: 'account',
  meters: 'meter',
  servicePoints: 'service_point',
};
/** Records created in OpenCIS are numbered from these; converted ids must never be handed out again. */
const NUMBER_SEQUENCES: [Entity, string][] = [
  ['customers', 'customer_number_seq'],
  ['premises', 'premise_number_seq'],
  ['accounts', 'account_number_seq'],
];
/** Serialises imports: two at once would each see the other's rows as missing. */
const IMPORT_LOCK = 7_240_119;
const DIFFERENT = 'already exists with different values';

export async function importLegacyExport(db: Db, opts: ImportOptions): Promise<ImportResult> {
  const source = readExport(opts.dir);
  const earlier = await completedRun(db, source.hash, opts.validOnly ?? false);
  if (earlier) return earlier;
  const parsed = convertLegacyExport(source.rows);
  // A premise in the utility's state follows the utility's profile (Millbrook: its ordinance),
  // elsewhere its state's preset; one in a state with neither is refused, with what hangs on it,
  // as the API refuses it, rather than failing when a collections case first opens.
  const noProfile: Rejection[] = [];
  const premises = parsed.premises.map((p) => {
    const profile = defaultPolicyProfile(p.state);
    if (!profile)
      noProfile.push({
        file: 'premises.csv',
        line: parsed.sourceLines.premises.get(p.id)!,
        field: 'state',
        value: p.state,
        problem:
          "no collections policy profile covers this state (neither the utility's own nor a state preset)",
      });
    return { ...p, jurisdictionProfile: profile ?? p.jurisdictionProfile };
  });
  const mapped = { ...parsed, premises };
  const converted = noProfile.length > 0 ? withdrawRows(mapped, noProfile) : mapped;
  const exp = { ...converted, rejections: sortRejections([...source.rejections, ...converted.rejections]) };
  if (exp.rejections.length > 0 && !opts.validOnly)
    return recordRejected(db, opts, source.hash, exp.rejections);
  const outcome = await db.$transaction((tx) => load(tx, exp, source.hash, opts), { timeout: 120_000 });
  return 'result' in outcome ? outcome.result : recordRejected(db, opts, source.hash, outcome.rejections);
}

// ---- reading the files --------------------------------------------------------------------------

interface ExportSource {
  hash: string;
  rows: LegacyExportRows;
  /** Records the CSV layout itself makes unusable (wrong number of fields). */
  rejections: Rejection[];
}

function readExport(dir: string): ExportSource {
  const hash = createHash('sha256');
  const rejections: Rejection[] = [];
  const parsed = LEGACY_FILES.map((file) => {
    const bytes = readSourceFile(dir, file);
    // Name and length delimit each file, so bytes moved between files change the hash.
    hash.update(`${file}\0${bytes.length}\0`).update(bytes);
    const { rows, problems } = parseCsv(file, bytes);
    rejections.push(...problems);
    return rows;
  });
  const [customers, premises, accounts, meters] = parsed as [
    SourceRow[],
    SourceRow[],
    SourceRow[],
    SourceRow[],
  ];
  return { hash: hash.digest('hex'), rows: { customers, premises, accounts, meters }, rejections };
}

function readSourceFile(dir: string, file: LegacyFile): Buffer {
  try {
    return readFileSync(path.join(dir, file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw invalid('dir', `${file} is missing from ${dir}`);
    throw err;
  }
}

function parseCsv(file: LegacyFile, bytes: Buffer): { rows: SourceRow[]; problems: Rejection[] } {
  let records: { record: string[]; info: Info }[];
  try {
    const options = { bom: true, info: true, skip_empty_lines: true, relax_column_count: true };
    records = parse(bytes, options) as unknown as typeof records;
  } catch (err) {
    throw invalid('dir', `${file} is not readable as CSV: ${(err as Error).message}`);
  }
  const [header, ...data] = records;
  const columns = (header?.record ?? []).map((c) => c.trim());
  const rows: SourceRow[] = [];
  const problems: Rejection[] = [];
  const lines = recordStartLines(
    bytes,
    data.map((r) => r.info.bytes),
    header?.info.bytes ?? 0,
  );
  for (const [i, { record }] of data.entries()) {
    const line = lines[i]!;
    if (record.length !== columns.length) {
      const problem = `has ${record.length} fields where the header has ${columns.length}`;
      problems.push({ file, line, field: '(row)', value: '', problem });
      continue;
    }
    rows.push({ line, values: Object.fromEntries(columns.map((c, i) => [c, record[i]])) });
  }
  return { rows, problems };
}

/**
 * The physical line (1-based) each record starts on, from where csv-parse says each record ends
 * (`info.bytes`, just past its line break). csv-parse's own line count (`info.lines`) counts the
 * CR and the LF of a CRLF inside a quoted field as two lines, so in a CRLF file every multi-line
 * address would push the line numbers of all the rows after it one further off. Here a line break
 * is LF, CRLF or a lone CR, as lib/read-files/ami-csv.ts counts them, and the blank lines csv-parse
 * skips still count. `from` is where the first record's line starts (the end of the header).
 */
function recordStartLines(bytes: Buffer, ends: readonly number[], from: number): number[] {
  const starts: number[] = [];
  let pos = 0;
  let line = 1;
  const step = () => {
    const c = bytes[pos++];
    if (c === 10) line++;
    else if (c === 13) {
      if (bytes[pos] === 10) pos++;
      line++;
    }
  };
  while (pos < from) step();
  for (const end of ends) {
    // Blank lines before the record (skipped by csv-parse).
    while (pos < end && (bytes[pos] === 10 || bytes[pos] === 13)) step();
    starts.push(line);
    while (pos < end) step();
  }
  return starts;
}

// ---- earlier runs and rejected runs -------------------------------------------------------------

/**
 * The answer of an earlier completed import of the very same files. A run that loaded only the
 * valid rows does not answer a request to load all or nothing: that one must be refused again.
 */
async function completedRun(db: Db, hash: string, validOnly: boolean): Promise<ImportResult | null> {
  const run = await db.importRun.findFirst({
    where: { kind: IMPORT_KIND, sourceHash: hash, status: 'completed' },
    orderBy: { createdAt: 'desc' },
  });
  const rejections = (run?.rejections ?? []) as unknown as Rejection[];
  if (!run || (rejections.length > 0 && !validOnly)) return null;
  const before = run.counts as unknown as ImportCounts;
  // Everything that run created is, as of this request, simply there.
  const counts = mapCounts((e) => ({
    created: 0,
    unchanged: before[e].created + before[e].unchanged,
    rejected: before[e].rejected,
  }));
  return { status: 'unchanged', runId: run.id, counts, rejections };
}

async function recordRejected(
  db: Db,
  opts: ImportOptions,
  hash: string,
  rejections: Rejection[],
): Promise<ImportResult> {
  const counts = mapCounts((e) => ({ created: 0, unchanged: 0, rejected: rejectedRows(rejections, e) }));
  const runId = await db.$transaction(async (tx) => {
    const id = await createRun(tx, opts, hash, 'rejected', counts, rejections);
    // The list itself stays in import_run: the audit row records the decision, not the data.
    const after = {
      sourceHash: hash,
      validOnly: opts.validOnly ?? false,
      counts,
      rejections: rejections.length,
    };
    await tx.auditEvent.create({
      data: auditRow(opts.actor, 'import.rejected', 'import_run', id, { after }),
    });
    return id;
  });
  return { status: 'rejected', runId, counts, rejections };
}

async function createRun(
  tx: Tx,
  opts: ImportOptions,
  hash: string,
  status: ImportResult['status'],
  counts: ImportCounts,
  rejections: Rejection[],
): Promise<string> {
  const run = await tx.importRun.create({
    data: {
      kind: IMPORT_KIND,
      sourceHash: hash,
      status,
      validOnly: opts.validOnly ?? false,
      counts: toJson(counts) as Prisma.InputJsonValue,
      rejections: toJson(rejections) as Prisma.InputJsonValue,
      actor: opts.actor.id,
    },
  });
  return run.id;
}

function mapCounts(f: (e: Entity) => EntityCounts): ImportCounts {
  return Object.fromEntries(ENTITIES.map((e) => [e, f(e)])) as ImportCounts;
}

/** Rows, not problems: one row with three problems is one rejected row. */
function rejectedRows(rejections: Rejection[], e: Entity): number {
  if (e === 'servicePoints') return 0; // derived from meters: a problem there is reported on the meter
  return new Set(rejections.filter((r) => r.file === FILE_OF[e]).map((r) => r.line)).size;
}

// ---- loading ------------------------------------------------------------------------------------

type Outcome = { result: ImportResult } | { rejections: Rejection[] };

async function load(tx: Tx, converted: LegacyExport, hash: string, opts: ImportOptions): Promise<Outcome> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${IMPORT_LOCK})`;
  const existing = await existingRows(tx, converted, opts.encryptionKey);
  const conflicts = findConflicts(converted, existing);
  const exp = conflicts.length > 0 ? withdrawRows(converted, conflicts) : converted;
  if (conflicts.length > 0 && !opts.validOnly) return { rejections: exp.rejections }; // nothing written yet
  const fresh = freshRows(exp, existing);
  await advanceNumberSequences(tx, exp);
  await insertRows(tx, fresh, opts.encryptionKey);
  const counts = mapCounts((e) => ({
    created: fresh[e].length,
    unchanged: exp[e].length - fresh[e].length,
    rejected: rejectedRows(exp.rejections, e),
  }));
  const created = ENTITIES.some((e) => fresh[e].length > 0);
  // Nothing new is not an event: no audit rows, so a repeated import leaves the trail as it was.
  const status = created ? 'completed' : 'unchanged';
  const runId = await createRun(tx, opts, hash, status, counts, exp.rejections);
  if (created) await recordCreation(tx, opts.actor, runId, fresh, counts);
  return { result: { status, runId, counts, rejections: exp.rejections } };
}

interface Rows {
  customers: CustomerRow[];
  premises: PremiseRow[];
  accounts: AccountRow[];
  meters: MeterRow[];
  servicePoints: ServicePointRow[];
}
type Existing = { [E in Entity]: Map<string, Rows[E][number]> } & {
  /** Unique elsewhere in the database: AMI endpoint → meter id, and premise + service → service point id. */
  endpointOwner: Map<string, string>;
  pointAt: Map<string, string>;
  /** The bill cycles the utility runs (table bill_cycle). */
  billCycles: Set<number>;
};
const pointKey = (sp: { premiseId: string; service: string }) => `${sp.premiseId}/${sp.service}`;

const day = (d: string | null) => (d ? new Date(`${d}T00:00:00Z`) : null);
const isoDay = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : null);
const ids = (rows: { id: string }[]) => rows.map((r) => r.id);

/** What the database holds under the export's ids, in the export's own shape, to compare. */
async function existingRows(tx: Tx, exp: LegacyExport, key: Buffer): Promise<Existing> {
  const byId = <T extends { id: string }>(rows: T[]) => new Map(rows.map((r) => [r.id, r]));
  const endpoints = exp.meters.flatMap((m) => (m.amiEndpoint ? [m.amiEndpoint] : []));
  const [customers, premises, accounts, meters, servicePoints, endpointMeters, cycles] = await Promise.all([
    tx.customer.findMany({ where: { id: { in: ids(exp.customers) } } }),
    tx.premise.findMany({ where: { id: { in: ids(exp.premises) } } }),
    tx.account.findMany({ where: { id: { in: ids(exp.accounts) } } }),
    tx.meter.findMany({ where: { id: { in: ids(exp.meters) } } }),
    tx.servicePoint.findMany({
      where: { OR: [{ id: { in: ids(exp.servicePoints) } }, { premiseId: { in: ids(exp.premises) } }] },
    }),
    tx.meter.findMany({ where: { amiEndpoint: { in: endpoints } }, select: { id: true, amiEndpoint: true } }),
    tx.billCycle.findMany({ select: { id: true }, orderBy: { id: 'asc' } }),
  ]);
  return {
    customers: byId(
      customers.map(({ dateOfBirthEnc, ...c }) => ({
        ...c,
        dateOfBirth: dateOfBirthEnc ? readDateOfBirth(dateOfBirthEnc, key) : null,
      })),
    ),
    premises: byId(premises),
    accounts: byId(accounts.map((a) => ({ ...a, startDate: isoDay(a.startDate)! }))),
    meters: byId(meters.map((m) => ({ ...m, installedOn: isoDay(m.installedOn) }))),
    servicePoints: byId(servicePoints),
    endpointOwner: new Map(endpointMeters.map((m) => [m.amiEndpoint!, m.id])),
    pointAt: new Map(servicePoints.map((sp) => [pointKey(sp), sp.id])),
    billCycles: new Set(cycles.map((c) => c.id)),
  };
}

/** A date of birth under another key cannot be shown equal, so it compares as different. */
function readDateOfBirth(token: string, key: Buffer): string {
  try {
    return decryptField(token, key);
  } catch {
    return '(unreadable)';
  }
}

/**
 * Rows whose id exists with other values (compared on the fields the export sets), accounts in a
 * bill cycle the utility does not run, and meters that would take an AMI endpoint or a premise's
 * service point already used otherwise.
 */
function findConflicts(exp: LegacyExport, existing: Existing): Rejection[] {
  const found: Rejection[] = [];
  for (const e of ['customers', 'premises', 'accounts', 'meters'] as const) {
    for (const row of exp[e]) {
      const before = existing[e].get(row.id);
      const differ = before ? differingFields(row, before) : [];
      if (differ.length === 0) continue;
      const problem = `${DIFFERENT} (${differ.join(', ')})`;
      found.push({
        file: FILE_OF[e],
        line: exp.sourceLines[e].get(row.id)!,
        field: ID_COLUMN[e],
        value: row.id,
        problem,
      });
    }
  }
  // The export's bill_cycle only has to be a day-like 1–31 (domain/legacy-export.ts), but a bill
  // run bills the accounts of one cycle in table bill_cycle: an account in any other cycle would
  // never be billed, silently.
  const cycles = [...existing.billCycles].join(', ');
  for (const a of exp.accounts)
    if (!existing.billCycles.has(a.billCycle))
      found.push({
        file: 'accounts.csv',
        line: exp.sourceLines.accounts.get(a.id)!,
        field: 'bill_cycle',
        value: String(a.billCycle),
        problem: `bill cycle ${a.billCycle} does not exist (the bill cycles are ${cycles || 'none yet'})`,
      });
  const points = new Map(exp.servicePoints.map((sp) => [sp.id, sp]));
  for (const m of exp.meters) {
    const reject = (field: string, value: string, problem: string) =>
      found.push({ file: 'meters.csv', line: exp.sourceLines.meters.get(m.id)!, field, value, problem });
    const owner = m.amiEndpoint ? existing.endpointOwner.get(m.amiEndpoint) : undefined;
    if (owner && owner !== m.id) reject('endpoint_sn', m.amiEndpoint!, `already belongs to meter ${owner}`);
    // A premise has one service point per service, whatever its id (one made in OpenCIS may differ).
    const sp = points.get(m.servicePointId)!;
    const before = existing.servicePoints.get(sp.id);
    const taken = existing.pointAt.get(pointKey(sp));
    if (before && differingFields(sp, before).length > 0)
      reject('premise_id', sp.premiseId, `service point ${sp.id} ${DIFFERENT}`);
    else if (taken && taken !== sp.id)
      reject('premise_id', sp.premiseId, `already has a ${sp.service} service point, ${taken}`);
  }
  return found;
}

/** Column names (snake_case, as in the database) of the fields that differ. */
function differingFields<T extends object>(row: T, before: T): string[] {
  return (Object.keys(row) as (keyof T)[])
    .filter((k) => JSON.stringify(row[k]) !== JSON.stringify(before[k] ?? null))
    .map((k) => String(k).replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
}

function freshRows(exp: LegacyExport, existing: Existing): Rows {
  const fresh = <E extends Entity>(e: E) =>
    (exp[e] as Rows[E][number][]).filter((r) => !existing[e].has(r.id));
  return {
    customers: fresh('customers'),
    premises: fresh('premises'),
    accounts: fresh('accounts'),
    meters: fresh('meters'),
    servicePoints: fresh('servicePoints'),
  } as Rows;
}

/** Parents before children, so every foreign key finds its row. */
async function insertRows(tx: Tx, r: Rows, key: Buffer): Promise<void> {
  await tx.customer.createMany({
    // The export has no "65 or older" flag: it is derived from the date of birth on the day of
    // conversion (a clerk keeps it, and the dependent-adult half, up to date after that).
    data: r.customers.map(({ dateOfBirth, ...c }) => ({
      ...c,
      dateOfBirthEnc: dateOfBirth ? encryptField(dateOfBirth, key) : null,
      age65OrDependent: dateOfBirth ? isSeniorOn(dateOfBirth, utilityDate()) : false,
    })),
  });
  await tx.premise.createMany({ data: r.premises });
  await tx.servicePoint.createMany({ data: r.servicePoints });
  await tx.meter.createMany({ data: r.meters.map((m) => ({ ...m, installedOn: day(m.installedOn) })) });
  await tx.account.createMany({ data: r.accounts.map((a) => ({ ...a, startDate: day(a.startDate)! })) });
  // A deposit the legacy system held is a HELD deposit here, so it earns interest, is refunded
  // after 12 timely months and is applied to a final bill like any other. The export gives no
  // date for it: it is taken as held since the start of service; the 12 months of timely payment
  // count from the conversion (deposit.history_from).
  await tx.deposit.createMany({
    data: r.accounts
      .filter((a) => a.depositHeldCents > 0)
      .map((a) => ({
        accountId: a.id,
        status: 'HELD' as const,
        amountCents: BigInt(a.depositHeldCents),
        heldSince: day(a.startDate)!,
        historyFrom: new Date(`${utilityDate()}T00:00:00Z`),
        reason:
          'Converted from the legacy system (held since the start of service; the export gives no date)',
      })),
  });
}

/** Numbers of the converted ids: the trailing digits (C00123 → 123, 100045 → 100045). */
function largestNumber(idList: string[]): bigint | null {
  let top: bigint | null = null;
  for (const id of idList) {
    const digits = /(\d+)$/.exec(id)?.[1];
    if (digits && (top === null || BigInt(digits) > top)) top = BigInt(digits);
  }
  return top;
}

/**
 * Moves each numbering sequence past the largest converted number, if it is not already, so
 * records created later in OpenCIS never take a converted id.
 */
async function advanceNumberSequences(tx: Tx, exp: LegacyExport): Promise<void> {
  for (const [e, seq] of NUMBER_SEQUENCES) {
    const top = largestNumber(ids(exp[e]));
    if (top === null) continue;
    const [state] = await tx.$queryRawUnsafe<{ next: bigint; may: boolean }[]>(
      `SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END AS next,
              has_sequence_privilege('${seq}', 'UPDATE') AS may FROM ${seq}`,
    );
    if (top < state!.next) continue;
    if (!state!.may) {
      throw new AppError(
        'internal',
        `Converted ids go up to ${top}, past where ${seq} stands, and this database role may not advance it. ` +
          `Grant it: GRANT UPDATE ON SEQUENCE ${seq} TO opencis_app`,
      );
    }
    await tx.$queryRawUnsafe(
      `SELECT setval('${seq}', GREATEST($1::bigint, last_value)) FROM ${seq}`,
      top.toString(),
    );
  }
}

// ---- audit trail and timelines ------------------------------------------------------------------

type AuditRow = Prisma.AuditEventCreateManyInput;

/** The same row recordAudit (lib/audit.ts) writes, built for createMany. */
function auditRow(
  actor: Actor,
  action: string,
  entityType: string,
  entityId: string,
  e: { accountId?: string; after: unknown; reason?: string },
): AuditRow {
  return {
    actor: actor.id,
    actorRole: actor.role,
    action,
    entityType,
    entityId,
    accountId: e.accountId ?? null,
    before: Prisma.JsonNull,
    after: toJson(e.after),
    reason: e.reason ?? null,
    requestId: actor.requestId ?? null,
  };
}

/** What the audit trail keeps of a created row: the date of birth only as its last 2 characters. */
function auditView(e: Entity, row: Rows[Entity][number]): unknown {
  if (e !== 'customers') return row;
  const { dateOfBirth, ...c } = row as CustomerRow;
  return { ...c, dateOfBirth: dateOfBirth ? maskLast(dateOfBirth, 2) : null };
}

async function recordCreation(
  tx: Tx,
  actor: Actor,
  runId: string,
  fresh: Rows,
  counts: ImportCounts,
): Promise<void> {
  const reason = `Converted from the legacy system (import run ${runId})`;
  const perRow = ENTITIES.flatMap((e) =>
    fresh[e].map((row) =>
      auditRow(actor, `${ENTITY_TYPE[e]}.create`, ENTITY_TYPE[e], row.id, {
        accountId: e === 'accounts' ? row.id : undefined,
        after: auditView(e, row),
        reason,
      }),
    ),
  );
  const summary = auditRow(actor, 'import.completed', 'import_run', runId, { after: { counts } });
  await tx.auditEvent.createMany({ data: [...perRow, summary] });
  const occurredAt = new Date();
  await tx.timelineEvent.createMany({
    data: fresh.accounts.map((a) => ({
      accountId: a.id,
      occurredAt,
      kind: 'account.converted',
      entityType: 'account',
      entityId: a.id,
      summary: 'Account converted from the legacy system',
      actor: actor.id,
      data: toJson({ customerId: a.customerId, premiseId: a.premiseId, importRunId: runId }),
    })),
  });
}

// ---- report -------------------------------------------------------------------------------------

const csvCell = (v: string | number) => {
  const s = String(v);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The rejections as CSV (file,line,field,value,problem), for the utility to fix its export. */
export function rejectionReportCsv(result: Pick<ImportResult, 'rejections'>): string {
  const lines = [
    ['file', 'line', 'field', 'value', 'problem'],
    ...result.rejections.map((r) => [r.file, r.line, r.field, r.value, r.problem]),
  ];
  return lines.map((cells) => cells.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export function writeRejectionReport(result: Pick<ImportResult, 'rejections'>, file: string): void {
  writeFileSync(file, rejectionReportCsv(result));
}

/** A fixed-width summary for terminals: one line per entity. */
export function formatImportSummary(result: ImportResult): string {
  const head = `Legacy import ${result.status} (run ${result.runId})`;
  const row = (cells: (string | number)[]) =>
    cells.map((c, i) => String(c)[i === 0 ? 'padEnd' : 'padStart'](i === 0 ? 14 : 10)).join('');
  const table = [row(['', 'created', 'unchanged', 'rejected'])];
  for (const e of ENTITIES)
    table.push(row([e, result.counts[e].created, result.counts[e].unchanged, result.counts[e].rejected]));
  return [head, ...table].join('\n');
}
