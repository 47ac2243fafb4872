// Recorded weather per service area and day: forecast and observed highs and lows and National
// Weather Service heat advisories, entered through the API or a CSV import (nothing is fetched
// from the internet). The collections policy reads them to decide whether a disconnection may go
// ahead on a day, so a change is returned as the set of (service area, day) it touched: the
// caller wakes the collections cases in those areas to decide again.
//
// A row is an upsert by (service area, day) that merges the figures it gives into what is
// stored: a morning forecast and the evening's observed high may come from different sources.
// A request or file is recorded whole or not at all, with one audit event carrying every changed
// row before and after (batched work is audited per batch, not per line).
import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import type { WeatherObservation } from '@prisma/client';
import type { Db, Tx } from '../lib/db/prisma';
import { recordAudit, type Actor } from '../lib/audit';
import { invalid } from '../lib/errors';
import { dbDate, isoDay, TX_OPTIONS } from './ledger';

// ---- input ---------------------------------------------------------------------------------------

/** The figures a row may give; a row must give at least one. */
export const WEATHER_FIGURES = [
  'forecastHighF',
  'forecastLowF',
  'observedHighF',
  'observedLowF',
  'heatAdvisory',
] as const;

// Colder or hotter than anything recorded in the contiguous US: a typo, or Celsius, or Kelvin.
export const MIN_TEMPERATURE_F = -80;
export const MAX_TEMPERATURE_F = 140;
const temperature = z
  .number({ message: 'must be a whole number of °F' })
  .int('must be a whole number of °F')
  .min(MIN_TEMPERATURE_F, `must be at least ${MIN_TEMPERATURE_F} °F`)
  .max(MAX_TEMPERATURE_F, `must be at most ${MAX_TEMPERATURE_F} °F`);
const day = z.iso
  .date({ message: 'must be a date as YYYY-MM-DD' })
  .refine((s) => s >= '1900-01-01' && s <= '2100-12-31', 'must be between 1900-01-01 and 2100-12-31');

export const ZWeatherObservation = z
  .object({
    serviceArea: z.string().trim().min(1, 'is empty').max(60),
    day,
    forecastHighF: temperature.optional(),
    forecastLowF: temperature.optional(),
    observedHighF: temperature.optional(),
    observedLowF: temperature.optional(),
    heatAdvisory: z.boolean().optional(),
    source: z.string().trim().min(1, 'is empty: say where the figures come from (e.g. NWS)').max(100),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (WEATHER_FIGURES.every((f) => o[f] === undefined))
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `gives no figure: at least one of ${WEATHER_FIGURES.join(', ')} is needed`,
      });
    for (const kind of ['forecast', 'observed'] as const) {
      const [low, high] = [o[`${kind}LowF`], o[`${kind}HighF`]];
      if (low !== undefined && high !== undefined && low > high)
        ctx.addIssue({
          code: 'custom',
          path: [`${kind}LowF`],
          message: `is above ${kind}HighF (${low} > ${high})`,
        });
    }
  });
export type WeatherInput = z.infer<typeof ZWeatherObservation>;

export const MAX_WEATHER_ROWS = 1000;
export const ZWeatherRecord = z
  .object({ observations: z.array(ZWeatherObservation).min(1).max(MAX_WEATHER_ROWS) })
  .strict();

// ---- output --------------------------------------------------------------------------------------

/** A service area and day whose recorded weather changed: the cases there must decide again. */
export interface WeatherChange {
  serviceArea: string;
  /** YYYY-MM-DD */
  day: string;
}

export function weatherView(w: WeatherObservation) {
  return {
    serviceArea: w.serviceArea,
    day: isoDay(w.day),
    forecastHighF: w.forecastHighF,
    forecastLowF: w.forecastLowF,
    observedHighF: w.observedHighF,
    observedLowF: w.observedLowF,
    heatAdvisory: w.heatAdvisory,
    source: w.source,
    recordedBy: w.recordedBy,
    recordedAt: w.recordedAt.toISOString(),
  };
}
export type WeatherView = ReturnType<typeof weatherView>;

export interface RecordWeatherResult {
  counts: { rows: number; created: number; updated: number; unchanged: number };
  /** Rows whose stored values changed, sorted by service area and day. */
  changed: WeatherChange[];
  /** Every given row as stored after the merge, in input order. */
  items: WeatherView[];
}

// ---- checks shared by the JSON and CSV paths -----------------------------------------------------

interface RowProblem {
  index: number;
  field: 'serviceArea' | 'day';
  message: string;
  /** For a repeated area and day: the row that gave it first. */
  firstIndex?: number;
}

const keyOf = (o: { serviceArea: string; day: string }) => `${o.serviceArea}\u0000${o.day}`;

/**
 * Problems a row cannot show on its own: the same area and day twice (which figure would win is
 * a guess), and a service area no premise is in (a typo that would leave every case in the real
 * area without the day's weather).
 */
async function crossRowProblems(db: Db, rows: readonly WeatherInput[]): Promise<RowProblem[]> {
  const problems: RowProblem[] = [];
  const first = new Map<string, number>();
  rows.forEach((r, index) => {
    const prior = first.get(keyOf(r));
    if (prior === undefined) first.set(keyOf(r), index);
    else
      problems.push({ index, field: 'day', firstIndex: prior, message: `repeats ${r.serviceArea} ${r.day}` });
  });
  const areas = [...new Set(rows.map((r) => r.serviceArea))];
  const known = new Set(
    (
      await db.premise.findMany({
        where: { serviceArea: { in: areas } },
        distinct: ['serviceArea'],
        select: { serviceArea: true },
      })
    ).map((p) => p.serviceArea),
  );
  rows.forEach((r, index) => {
    if (!known.has(r.serviceArea))
      problems.push({
        index,
        field: 'serviceArea',
        message: `no premise is in service area '${r.serviceArea}' (names are case-sensitive)`,
      });
  });
  return problems.sort((a, b) => a.index - b.index);
}

// ---- writing -------------------------------------------------------------------------------------

// Weather writes merge into what is stored, so two writers of the same day must take turns or one
// would drop the other's figure. They are rare; one lock for all of them is enough.
const WEATHER_LOCK = 7240201;

const sameStored = (a: WeatherObservation, b: Omit<WeatherObservation, 'recordedBy' | 'recordedAt'>) =>
  a.forecastHighF === b.forecastHighF &&
  a.forecastLowF === b.forecastLowF &&
  a.observedHighF === b.observedHighF &&
  a.observedLowF === b.observedLowF &&
  a.heatAdvisory === b.heatAdvisory &&
  a.source === b.source;

async function writeObservations(
  tx: Tx,
  actor: Actor,
  rows: readonly WeatherInput[],
  audit: { action: string; reason: string | null; source?: unknown },
): Promise<RecordWeatherResult> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${WEATHER_LOCK})`;
  const stored = await tx.weatherObservation.findMany({
    where: {
      serviceArea: { in: [...new Set(rows.map((r) => r.serviceArea))] },
      day: { in: [...new Set(rows.map((r) => r.day))].map(dbDate) },
    },
  });
  const byKey = new Map(stored.map((w) => [keyOf({ serviceArea: w.serviceArea, day: isoDay(w.day) }), w]));
  const now = new Date();
  const changes: { before: WeatherObservation | null; after: WeatherObservation }[] = [];
  const items: WeatherObservation[] = [];
  let unchanged = 0;
  for (const r of rows) {
    const prior = byKey.get(keyOf(r)) ?? null;
    // A figure the row gives replaces the stored one; one it leaves out keeps what is stored.
    const merged = {
      serviceArea: r.serviceArea,
      day: dbDate(r.day),
      forecastHighF: r.forecastHighF ?? prior?.forecastHighF ?? null,
      forecastLowF: r.forecastLowF ?? prior?.forecastLowF ?? null,
      observedHighF: r.observedHighF ?? prior?.observedHighF ?? null,
      observedLowF: r.observedLowF ?? prior?.observedLowF ?? null,
      heatAdvisory: r.heatAdvisory ?? prior?.heatAdvisory ?? false,
      source: r.source,
    };
    if (prior && sameStored(prior, merged)) {
      unchanged++;
      items.push(prior);
      continue;
    }
    const after: WeatherObservation = { ...merged, recordedBy: actor.id, recordedAt: now };
    changes.push({ before: prior, after });
    items.push(after);
  }
  const created = changes.filter((c) => !c.before).map((c) => c.after);
  if (created.length) await tx.weatherObservation.createMany({ data: created });
  for (const { before, after } of changes) {
    if (!before) continue;
    const { serviceArea, day: d, ...fields } = after;
    await tx.weatherObservation.update({ where: { serviceArea_day: { serviceArea, day: d } }, data: fields });
  }
  const changed = changes
    .map((c) => ({ serviceArea: c.after.serviceArea, day: isoDay(c.after.day) }))
    .sort((a, b) => a.serviceArea.localeCompare(b.serviceArea) || a.day.localeCompare(b.day));
  if (changes.length) {
    const keys = changed.map((c) => `${c.serviceArea}:${c.day}`);
    await recordAudit(tx, actor, {
      action: audit.action,
      entityType: 'weather_observation',
      // One row: its own key, so the audit export finds it by entity id; a batch: a digest of keys.
      entityId:
        keys.length === 1
          ? keys[0]!
          : `batch:${createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 16)}`,
      before: changes.map((c) => (c.before ? weatherView(c.before) : null)),
      after: {
        ...(audit.source ? { source: audit.source } : {}),
        changed: keys,
        rows: changes.map((c) => weatherView(c.after)),
      },
      reason: audit.reason,
    });
  }
  return {
    counts: {
      rows: rows.length,
      created: created.length,
      updated: changes.length - created.length,
      unchanged,
    },
    changed,
    items: items.map(weatherView),
  };
}

/**
 * POST /weather: records up to 1,000 rows (already checked one by one at the edge). A repeated
 * area and day or an unknown service area is a 400 naming the row and field; nothing is written.
 */
export async function recordWeather(
  db: Db,
  actor: Actor,
  observations: readonly WeatherInput[],
): Promise<RecordWeatherResult> {
  const [problem] = await crossRowProblems(db, observations);
  if (problem) {
    const field = `observations.${problem.index}.${problem.field}`;
    const first = problem.firstIndex === undefined ? '' : ` of observations.${problem.firstIndex}`;
    throw invalid(field, `${field}: ${problem.message}${first}; give each service area and day once`);
  }
  return db.$transaction(
    (tx) => writeObservations(tx, actor, observations, { action: 'weather.record', reason: null }),
    TX_OPTIONS,
  );
}

// ---- CSV import ----------------------------------------------------------------------------------

/**
 * The import layout (CSV, UTF-8, RFC 4180 quoting, a header row exactly as below; blank lines are
 * skipped; an empty cell means "not given", so it keeps what is stored):
 *
 *   service_area,day,forecast_high_f,forecast_low_f,observed_high_f,observed_low_f,heat_advisory,source
 *   North,2026-12-02,31,18,,,,NWS forecast 2026-12-01 06:00
 *
 *   service_area     a service area premises are in (as on the premise record), case-sensitive
 *   day              YYYY-MM-DD, the utility's local day
 *   *_f              whole °F from -80 to 140
 *   heat_advisory    Y or N (also true/false, yes/no, 1/0)
 *   source           where the figures come from; required
 */
export const WEATHER_CSV_COLUMNS = [
  'service_area',
  'day',
  'forecast_high_f',
  'forecast_low_f',
  'observed_high_f',
  'observed_low_f',
  'heat_advisory',
  'source',
] as const;
type Column = (typeof WEATHER_CSV_COLUMNS)[number];
export const MAX_WEATHER_CSV_ROWS = 50_000;

const COLUMN_OF: Record<keyof WeatherInput, Column> = {
  serviceArea: 'service_area',
  day: 'day',
  forecastHighF: 'forecast_high_f',
  forecastLowF: 'forecast_low_f',
  observedHighF: 'observed_high_f',
  observedLowF: 'observed_low_f',
  heatAdvisory: 'heat_advisory',
  source: 'source',
};
const FIELD_OF = Object.fromEntries(Object.entries(COLUMN_OF).map(([f, c]) => [c, f])) as Record<
  Column,
  keyof WeatherInput
>;

/** A rejected line, as the read import reports them: line (the header is line 1), field, value, problem. */
export interface WeatherRejection {
  line: number;
  field: string;
  value: string;
  problem: string;
}

export type WeatherImportResult =
  | ({ status: 'completed'; fileHash: string; rejections: [] } & RecordWeatherResult)
  | {
      status: 'rejected';
      fileHash: string;
      counts: { rows: number; rejected: number };
      rejections: WeatherRejection[];
      changed: [];
    };

const BOOLEAN_CELL: Record<string, boolean> = {
  y: true,
  yes: true,
  true: true,
  '1': true,
  n: false,
  no: false,
  false: false,
  '0': false,
};

/**
 * POST /weather/import: the whole file or nothing. A file that is not CSV or has another header
 * is a 400 (`content`); otherwise every problem on every line is reported and, if there is any,
 * nothing is written (status 'rejected', answered 422).
 */
export async function importWeatherCsv(
  db: Db,
  actor: Actor,
  input: { content: string; fileName?: string },
): Promise<WeatherImportResult> {
  const fileHash = createHash('sha256').update(input.content).digest('hex');
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(input.content.replace(/^\uFEFF/, ''), {
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
    }) as unknown as typeof records;
  } catch (err) {
    throw invalid('content', `content: not a readable CSV file: ${(err as Error).message}`);
  }
  const header = records.shift();
  if (!header) throw invalid('content', `content: the file is empty; the first line must be the header`);
  if (header.record.join(',') !== WEATHER_CSV_COLUMNS.join(','))
    throw invalid(
      'content',
      `content: the header must be exactly ${WEATHER_CSV_COLUMNS.join(',')}, not ${header.record.join(',')}`,
    );
  if (records.length === 0) throw invalid('content', 'content: the file has a header but no observations');
  if (records.length > MAX_WEATHER_CSV_ROWS)
    throw invalid(
      'content',
      `content: ${records.length} observations; split the file into files of at most ${MAX_WEATHER_CSV_ROWS}`,
    );

  const rejections: WeatherRejection[] = [];
  const parsed: { line: number; row: WeatherInput; cells: Record<Column, string> }[] = [];
  for (const { record, info } of records) {
    const line = info.lines;
    const reject = (field: string, value: string, problem: string) =>
      rejections.push({ line, field, value, problem });
    if (record.length !== WEATHER_CSV_COLUMNS.length) {
      reject('', record.join(','), `has ${record.length} fields; a line has ${WEATHER_CSV_COLUMNS.length}`);
      continue;
    }
    const cells = Object.fromEntries(WEATHER_CSV_COLUMNS.map((c, i) => [c, record[i]!])) as Record<
      Column,
      string
    >;
    const candidate: Record<string, unknown> = {};
    let cellProblems = 0;
    for (const column of WEATHER_CSV_COLUMNS) {
      const text = cells[column];
      if (text === '') continue;
      const field = FIELD_OF[column];
      if (column.endsWith('_f')) {
        if (!/^[+-]?\d{1,4}$/.test(text)) {
          reject(column, text, 'is not a whole number of °F');
          cellProblems++;
        } else candidate[field] = Number(text);
      } else if (column === 'heat_advisory') {
        const flag = BOOLEAN_CELL[text.toLowerCase()];
        if (flag === undefined) {
          reject(column, text, 'must be Y or N');
          cellProblems++;
        } else candidate[field] = flag;
      } else candidate[field] = text;
    }
    if (cellProblems) continue;
    const r = ZWeatherObservation.safeParse(candidate);
    if (!r.success) {
      for (const issue of r.error.issues) {
        const field = issue.path[0] as keyof WeatherInput | undefined;
        // A row with no figure has no one cell to blame: name the first figure column.
        const column = field ? COLUMN_OF[field] : 'forecast_high_f';
        const problem = issue.code === 'invalid_type' && cells[column] === '' ? 'is required' : issue.message;
        reject(column, cells[column] ?? '', problem);
      }
      continue;
    }
    parsed.push({ line, row: r.data, cells });
  }
  for (const p of await crossRowProblems(
    db,
    parsed.map((p) => p.row),
  )) {
    const { line, cells } = parsed[p.index]!;
    const column = COLUMN_OF[p.field];
    const first = p.firstIndex === undefined ? '' : ` of line ${parsed[p.firstIndex]!.line}`;
    rejections.push({ line, field: column, value: cells[column], problem: `${p.message}${first}` });
  }
  if (rejections.length) {
    rejections.sort((a, b) => a.line - b.line);
    return {
      status: 'rejected',
      fileHash,
      counts: { rows: records.length, rejected: new Set(rejections.map((r) => r.line)).size },
      rejections,
      changed: [],
    };
  }
  const result = await db.$transaction(
    (tx) =>
      writeObservations(
        tx,
        actor,
        parsed.map((p) => p.row),
        {
          action: 'weather.import',
          reason: `weather import${input.fileName ? ` ${input.fileName}` : ''}`,
          source: { fileName: input.fileName ?? null, fileHash },
        },
      ),
    { ...TX_OPTIONS, timeout: 300_000 },
  );
  return { status: 'completed', fileHash, rejections: [], ...result };
}

// ---- whom a change concerns ----------------------------------------------------------------------

/**
 * The open collections cases at premises in the changed service areas: the workflows an
 * `onWeatherChanged` hook signals so each decides again with the new weather.
 */
export async function openCasesInAreas(
  db: Db | Tx,
  changed: readonly WeatherChange[],
): Promise<{ accountId: string; episode: number; workflowId: string }[]> {
  const areas = [...new Set(changed.map((c) => c.serviceArea))];
  if (!areas.length) return [];
  return db.$queryRaw<{ accountId: string; episode: number; workflowId: string }[]>`
    SELECT e.account_id AS "accountId", e.episode, e.workflow_id AS "workflowId"
      FROM collections_episode e
      JOIN account a ON a.id = e.account_id
      JOIN premise p ON p.id = a.premise_id
     WHERE e.closed_at IS NULL AND p.service_area = ANY(${areas}::text[])
     ORDER BY e.account_id, e.episode`;
}

// ---- reading -------------------------------------------------------------------------------------

export interface WeatherListQuery {
  serviceArea?: string;
  from?: string;
  to?: string;
  limit: number;
  offset: number;
}

/** GET /weather: recorded days, by day then service area. */
export async function listWeather(db: Db, q: WeatherListQuery) {
  if (q.from && q.to && q.from > q.to) throw invalid('from', `from: ${q.from} is after to (${q.to})`);
  const rows = await db.weatherObservation.findMany({
    where: {
      ...(q.serviceArea ? { serviceArea: q.serviceArea } : {}),
      ...(q.from || q.to
        ? { day: { ...(q.from ? { gte: dbDate(q.from) } : {}), ...(q.to ? { lte: dbDate(q.to) } : {}) } }
        : {}),
    },
    orderBy: [{ day: 'asc' }, { serviceArea: 'asc' }],
    skip: q.offset,
    take: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  return {
    items: page.map(weatherView),
    nextOffset: rows.length > q.limit ? q.offset + q.limit : null,
  };
}
