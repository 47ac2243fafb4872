// The AMI head-end's billing-read export, read as a stream: one record in memory at a time, so a
// file of millions of rows costs the same memory as a file of ten. Each data row comes out either
// as the row (strings as the file has them) or as a rejection naming the line, the field, the
// value and the problem. Domain checks (unknown meter, duplicates, windows, consumption) are
// domain/reads/validate.ts's business, not this file's.
//
// Layout: Account_ID,Location_ID,Service_Point_ID,Meter_ID,Register_Number,Endpoint_SN,
//         Read_Method,Read_Unit,Read,Read_Time,Flags   (one row per register)

import { createReadStream } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { parseLocalDateTime } from '../../domain/reads/time';
import { KNOWN_FLAGS, READ_UNITS, parseFlags, type IncomingRead } from '../../domain/reads/validate';

export const AMI_COLUMNS = [
  'Account_ID',
  'Location_ID',
  'Service_Point_ID',
  'Meter_ID',
  'Register_Number',
  'Endpoint_SN',
  'Read_Method',
  'Read_Unit',
  'Read',
  'Read_Time',
  'Flags',
] as const;
export type AmiColumn = (typeof AMI_COLUMNS)[number];

/** A data row, every field as the file has it (leading zeros kept). */
export interface AmiRawRead {
  readonly accountId: string;
  readonly locationId: string;
  readonly servicePointId: string;
  readonly meterId: string;
  readonly registerNumber: string;
  readonly endpointSn: string;
  readonly readMethod: string;
  readonly readUnit: string;
  readonly read: string;
  readonly readTime: string;
  readonly flags: string;
}

const FIELD: Record<AmiColumn, keyof AmiRawRead> = {
  Account_ID: 'accountId',
  Location_ID: 'locationId',
  Service_Point_ID: 'servicePointId',
  Meter_ID: 'meterId',
  Register_Number: 'registerNumber',
  Endpoint_SN: 'endpointSn',
  Read_Method: 'readMethod',
  Read_Unit: 'readUnit',
  Read: 'read',
  Read_Time: 'readTime',
  Flags: 'flags',
};

export interface AmiRow {
  readonly kind: 'row';
  /** 1-based line the record starts on. */
  readonly line: number;
  readonly raw: AmiRawRead;
}

export interface AmiRejection {
  readonly kind: 'rejected';
  readonly line: number;
  /** Column name, or "(row)" for a wrong column count. */
  readonly field: string;
  readonly value: string;
  readonly problem: string;
  /** The row, when it had the right shape: lets validation still attribute it to its meter. */
  readonly raw?: AmiRawRead;
}

export type AmiItem = AmiRow | AmiRejection;

/** The file cannot be read at all: no header, a header without required columns, broken quoting. */
export class AmiFileError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
    readonly missingColumns: readonly string[] = [],
  ) {
    super(message);
    this.name = 'AmiFileError';
  }
}

export interface AmiReadOptions {
  /** Units accepted in Read_Unit; defaults to the CIS's ReadUnit enum. */
  readonly units?: readonly string[];
  /** Largest record accepted, in characters (guards against a wrong delimiter); default 64 KiB. */
  readonly maxRecordSize?: number;
}

/**
 * Streams the billing-read rows of an AMI export (a file path or a Readable of its bytes).
 * Throws AmiFileError for a missing or incomplete header (naming the missing columns) and for
 * CSV that cannot be tokenised (naming the line); otherwise every data row is yielded as a row or
 * a rejection. Blank lines are skipped. Extra columns are allowed and ignored.
 */
export async function* readAmiBillingReads(
  source: Readable | string,
  options: AmiReadOptions = {},
): AsyncGenerator<AmiItem, void, undefined> {
  const units = options.units ?? READ_UNITS;
  const input = typeof source === 'string' ? createReadStream(source) : source;
  // No `info`: cloning it for every record costs as much as the parse. Lines are counted here
  // instead, which is why blank lines come through (as one empty field) and are skipped below.
  const parser = parse({
    bom: true,
    relax_column_count: true,
    skip_empty_lines: false,
    max_record_size: options.maxRecordSize ?? 65536,
  });
  // pipeline forwards a source error to the parser (and so to this loop) and, when the consumer
  // stops early, destroys the source.
  const records = pipeline(input, parser, () => undefined) as AsyncIterable<string[]>;

  let index: Map<AmiColumn, number> | null = null;
  let width = 0;
  let nextLine = 1;
  try {
    for await (const record of records) {
      const line = nextLine;
      nextLine += 1 + lineBreaks(record);
      if (record.length <= 1 && (record[0] ?? '').trim() === '') continue; // a blank line
      if (!index) {
        index = headerIndex(record, line);
        width = record.length;
        continue;
      }
      yield checkRow(record, line, index, width, units);
    }
  } catch (e) {
    if (e instanceof AmiFileError) throw e;
    const err = e as { code?: unknown; lines?: unknown; message?: string };
    // csv-parse names its errors CSV_* (limits) or after the fault (INVALID_OPENING_QUOTE, ...).
    if (e instanceof CsvError || (typeof err.code === 'string' && err.code.startsWith('CSV_'))) {
      const line = typeof err.lines === 'number' ? err.lines : null;
      throw new AmiFileError(`AMI billing-read file: line ${line ?? '?'}: ${err.message ?? err.code}`, line);
    }
    throw e;
  }
  if (!index) throw new AmiFileError('AMI billing-read file is empty: no header row', null, [...AMI_COLUMNS]);
}

/** Reads every row of a source into memory; for small files and tests. */
export async function readAllAmiBillingReads(
  source: Readable | string,
  options?: AmiReadOptions,
): Promise<AmiItem[]> {
  const out: AmiItem[] = [];
  for await (const item of readAmiBillingReads(source, options)) out.push(item);
  return out;
}

/**
 * What validation needs from a row or a rejection: a row, or a rejection that still had the
 * right shape and a meter id (a non-numeric read, a bad timestamp, an unknown unit — validation
 * reports those per meter). Returns null for rows that cannot be attributed to a meter.
 */
export function toIncomingRead(item: AmiItem): IncomingRead | null {
  const raw = item.raw;
  if (!raw || raw.meterId === '') return null;
  return {
    line: item.line,
    accountId: raw.accountId,
    meterId: raw.meterId,
    readUnit: raw.readUnit,
    read: raw.read,
    readTime: raw.readTime,
    flags: raw.flags,
  };
}

// ---- internals ----------------------------------------------------------------------------------

/** Line breaks inside (quoted) fields: the record spans that many more lines. */
function lineBreaks(record: string[]): number {
  let n = 0;
  for (const field of record) {
    if (field.includes('\n') || field.includes('\r')) n += field.match(/\r\n|[\r\n]/g)?.length ?? 0;
  }
  return n;
}

function headerIndex(record: string[], line: number): Map<AmiColumn, number> {
  const names = record.map((h) => h.trim());
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n) && n !== '')
      throw new AmiFileError(
        `AMI billing-read file: line ${line}: column "${n}" appears twice in the header`,
        line,
      );
    seen.add(n);
  }
  const missing = AMI_COLUMNS.filter((c) => !seen.has(c));
  if (missing.length > 0) {
    const looksLikeData = missing.length === AMI_COLUMNS.length;
    throw new AmiFileError(
      looksLikeData
        ? `AMI billing-read file has no header row: line ${line} is not a header (expected ${AMI_COLUMNS.join(',')})`
        : `AMI billing-read file: the header on line ${line} is missing column(s) ${missing.join(', ')}`,
      line,
      missing,
    );
  }
  return new Map(AMI_COLUMNS.map((c) => [c, names.indexOf(c)]));
}

function checkRow(
  record: string[],
  line: number,
  index: Map<AmiColumn, number>,
  width: number,
  units: readonly string[],
): AmiItem {
  if (record.length !== width) {
    return {
      kind: 'rejected',
      line,
      field: '(row)',
      value: record.join(','),
      problem: `has ${record.length} fields where the header has ${width}`,
    };
  }
  const fields = {} as Record<keyof AmiRawRead, string>;
  for (const c of AMI_COLUMNS) fields[FIELD[c]] = (record[index.get(c) ?? -1] ?? '').trim();
  const raw: AmiRawRead = fields;
  const reject = (field: AmiColumn, value: string, problem: string): AmiRejection => ({
    kind: 'rejected',
    line,
    field,
    value,
    problem,
    raw,
  });

  if (raw.meterId === '') return reject('Meter_ID', raw.meterId, 'the meter id is empty');
  if (!units.includes(raw.readUnit))
    return reject('Read_Unit', raw.readUnit, `unknown unit; expected one of ${units.join(', ')}`);
  const flags = raw.flags === '' ? [] : parseFlags(raw.flags);
  const noRead = flags.includes('NO_READ');
  if (raw.read === '' && !noRead)
    return reject('Read', raw.read, 'the read is empty and the row is not flagged NO_READ');
  if (raw.read !== '' && !/^\d+$/.test(raw.read))
    return reject('Read', raw.read, 'the read is not a whole, non-negative number');
  const time = parseLocalDateTime(raw.readTime);
  if (!time || time.dateOnly)
    return reject('Read_Time', raw.readTime, 'not a local timestamp YYYY-MM-DDTHH:MM[:SS]');
  const unknown = flags.filter((f) => !(KNOWN_FLAGS as readonly string[]).includes(f));
  if (unknown.length > 0) return reject('Flags', raw.flags, `unknown flag(s) ${unknown.join(', ')}`);
  return { kind: 'row', line, raw };
}
