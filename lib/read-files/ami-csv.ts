// The AMI head-end's billing-read export, read as a stream: one record in memory at a time, so a
// file of millions of rows costs the same memory as a file of ten. Each data row comes out either
// as the row (strings as the file has them) or as a rejection naming the line, the field, the
// value and the problem. Domain checks (unknown meter, duplicates, windows, consumption) are
// domain/reads/validate.ts's business, not this file's.
//
// Layout: Account_ID,Location_ID,Service_Point_ID,Meter_ID,Register_Number,Endpoint_SN,
//         Read_Method,Read_Unit,Read,Read_Time,Flags   (one row per register)

import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
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
  for await (const batch of readAmiBillingReadBatches(source, options)) yield* batch;
}

/**
 * The same items as readAmiBillingReads, in the order of the file, a batch per piece of input
 * (at most 64 KiB of text each): a bulk consumer pays one await per batch instead of per row.
 */
export async function* readAmiBillingReadBatches(
  source: Readable | string,
  options: AmiReadOptions = {},
): AsyncGenerator<AmiItem[], void, undefined> {
  const units = options.units ?? READ_UNITS;
  // Breaking out of the loop below (the consumer stopped early) destroys the source; a source
  // error surfaces from the loop.
  const input = typeof source === 'string' ? createReadStream(source) : source;
  const tokenizer = new CsvTokenizer(options.maxRecordSize ?? 65536);
  const decoder = new StringDecoder('utf8');
  let index: readonly number[] | null = null;
  let width = 0;
  let batch: AmiItem[] = [];
  const onRecord = (record: string[], line: number) => {
    if (record.length <= 1 && (record[0] ?? '').trim() === '') return; // a blank line
    if (!index) {
      index = headerIndex(record, line);
      width = record.length;
      return;
    }
    batch.push(checkRow(record, line, index, width, units));
  };
  const take = () => {
    const out = batch;
    batch = [];
    return out;
  };
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    // A large chunk (a whole file handed over as one Buffer) is worked in pieces, so rows flow
    // to the consumer while the rest is still being tokenised.
    for (let at = 0; at < text.length; at += PIECE) {
      tokenizer.push(text.slice(at, at + PIECE), false, onRecord);
      if (batch.length) yield take();
    }
  }
  tokenizer.push(decoder.end(), true, onRecord);
  if (batch.length) yield take();
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

/** Where each of AMI_COLUMNS is in the file's records, in AMI_COLUMNS order. */
function headerIndex(record: string[], line: number): number[] {
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
  return AMI_COLUMNS.map((c) => names.indexOf(c));
}

// Runs once per row of files with hundreds of thousands of rows: no closures (each would be a new
// function object per row) and no work for the common clean row beyond the checks themselves.
function checkRow(
  record: string[],
  line: number,
  index: readonly number[],
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
  // Literal keys in AMI_COLUMNS order: one object shape for every row.
  const raw: AmiRawRead = {
    accountId: fieldAt(record, index[0]!),
    locationId: fieldAt(record, index[1]!),
    servicePointId: fieldAt(record, index[2]!),
    meterId: fieldAt(record, index[3]!),
    registerNumber: fieldAt(record, index[4]!),
    endpointSn: fieldAt(record, index[5]!),
    readMethod: fieldAt(record, index[6]!),
    readUnit: fieldAt(record, index[7]!),
    read: fieldAt(record, index[8]!),
    readTime: fieldAt(record, index[9]!),
    flags: fieldAt(record, index[10]!),
  };

  if (raw.meterId === '') return rejectRow(line, 'Meter_ID', raw.meterId, 'the meter id is empty', raw);
  if (!units.includes(raw.readUnit))
    return rejectRow(
      line,
      'Read_Unit',
      raw.readUnit,
      `unknown unit; expected one of ${units.join(', ')}`,
      raw,
    );
  const flags = raw.flags === '' ? NO_FLAGS : parseFlags(raw.flags);
  if (raw.read === '' && !flags.includes('NO_READ'))
    return rejectRow(line, 'Read', raw.read, 'the read is empty and the row is not flagged NO_READ', raw);
  if (raw.read !== '' && !DIGITS.test(raw.read))
    return rejectRow(line, 'Read', raw.read, 'the read is not a whole, non-negative number', raw);
  const time = parseLocalDateTime(raw.readTime);
  if (!time || time.dateOnly)
    return rejectRow(line, 'Read_Time', raw.readTime, 'not a local timestamp YYYY-MM-DDTHH:MM[:SS]', raw);
  if (flags.length > 0) {
    const unknown = flags.filter(isUnknownFlag);
    if (unknown.length > 0)
      return rejectRow(line, 'Flags', raw.flags, `unknown flag(s) ${unknown.join(', ')}`, raw);
  }
  return { kind: 'row', line, raw };
}

const NO_FLAGS: readonly string[] = [];
const DIGITS = /^\d+$/;

function fieldAt(record: readonly string[], i: number): string {
  return (record[i] ?? '').trim();
}

function isUnknownFlag(f: string): boolean {
  return !(KNOWN_FLAGS as readonly string[]).includes(f);
}

function rejectRow(
  line: number,
  field: AmiColumn,
  value: string,
  problem: string,
  raw: AmiRawRead,
): AmiRejection {
  return { kind: 'rejected', line, field, value, problem, raw };
}

// ---- CSV tokenising -----------------------------------------------------------------------------

/** Text is tokenised in pieces of this many characters. */
const PIECE = 64 * 1024;

/**
 * RFC 4180 records from streamed text: comma-separated, double-quoted fields with "" for a quote
 * and line breaks inside quotes, records ended by LF or CRLF, a leading byte-order mark dropped,
 * any number of fields per record. A line without a quote character is split directly, which is
 * nearly every line of a head-end export; a line with one goes through the quote-aware scanner.
 * Faults a reader cannot recover from (text after a closing quote, a quote inside an unquoted
 * field, a quote never closed, a record over the size limit) are AmiFileErrors naming the line.
 */
class CsvTokenizer {
  /** Text not yet made into records: the start of a record that continues in the next piece. */
  private rest = '';
  /** Line number of the first character of `rest`. */
  private line = 1;
  private started = false;

  constructor(private readonly maxRecordSize: number) {}

  push(piece: string, final: boolean, emit: (record: string[], line: number) => void): void {
    let text = this.rest + piece;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const len = text.length;
    let pos = 0;
    let quote = text.indexOf('"');
    while (pos < len) {
      let nl = text.indexOf('\n', pos);
      if (nl === -1) {
        if (!final) break;
        nl = len;
      }
      if (quote !== -1 && quote < pos) quote = text.indexOf('"', pos);
      if (quote === -1 || quote > nl) {
        const end = nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        if (end - pos > this.maxRecordSize) this.tooLong(this.line);
        emit(text.slice(pos, end).split(','), this.line);
        this.line++;
        pos = nl + 1;
        continue;
      }
      const next = this.quoted(text, pos, final, emit);
      if (next < 0) break; // the record continues in the next piece
      pos = next;
    }
    this.rest = pos >= len ? '' : text.slice(pos);
    if (!final && this.rest.length > this.maxRecordSize + 2) this.tooLong(this.line);
  }

  /** Scans one record that has quotes; returns where the next one starts, or -1 for more text. */
  private quoted(
    text: string,
    from: number,
    final: boolean,
    emit: (record: string[], line: number) => void,
  ): number {
    const len = text.length;
    const fields: string[] = [];
    let line = this.line;
    let i = from;
    for (;;) {
      let field: string;
      if (text.charCodeAt(i) === 34) {
        // A quoted field: up to the quote that is not doubled.
        field = '';
        let j = i + 1;
        for (;;) {
          const q = text.indexOf('"', j);
          if (q === -1 || (q + 1 >= len && !final)) {
            if (!final) return -1;
            throw new AmiFileError(
              `AMI billing-read file: line ${this.line}: Quote Not Closed: the field opened on this line has no closing quote`,
              this.line,
            );
          }
          field += text.slice(j, q);
          if (text.charCodeAt(q + 1) === 34) {
            field += '"';
            j = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        line += breaks(field);
        if (i >= len && !final) return -1; // a comma or line break may follow in the next piece
        const c = i < len ? text.charCodeAt(i) : -1;
        if (c !== 44 && c !== 10 && c !== -1 && !(c === 13 && text.charCodeAt(i + 1) === 10)) {
          if (c === 13 && i + 1 >= len && !final) return -1;
          throw new AmiFileError(
            `AMI billing-read file: line ${line}: Invalid Closing Quote: found ${JSON.stringify(text[i])} after a closing quote, expected a comma or the end of the line`,
            line,
          );
        }
      } else {
        // An unquoted field: up to the next comma or line break; a quote inside it is a fault.
        let j = i;
        while (j < len) {
          const c = text.charCodeAt(j);
          if (c === 44 || c === 10) break;
          if (c === 34)
            throw new AmiFileError(
              `AMI billing-read file: line ${line}: Invalid Opening Quote: a quote inside the unquoted field ${fields.length + 1}`,
              line,
            );
          j++;
        }
        if (j >= len && !final) return -1;
        field = text.slice(i, j);
        if (j < len && text.charCodeAt(j) === 10 && field.endsWith('\r')) field = field.slice(0, -1);
        i = j;
      }
      fields.push(field);
      if (i - from > this.maxRecordSize) this.tooLong(this.line);
      const c = i < len ? text.charCodeAt(i) : -1;
      if (c === 44) {
        i++;
        continue;
      }
      if (c === 13) i++; // CRLF after a quoted field
      if (i < len) i++; // the LF
      emit(fields, this.line);
      this.line = line + 1;
      return i;
    }
  }

  private tooLong(line: number): never {
    throw new AmiFileError(
      `AMI billing-read file: line ${line}: Max Record Size: a record is longer than ${this.maxRecordSize} characters (is the file comma-separated?)`,
      line,
    );
  }
}

/** Line breaks inside a quoted field: the record spans that many more lines. */
function breaks(field: string): number {
  if (!field.includes('\n') && !field.includes('\r')) return 0;
  return field.match(/\r\n|[\r\n]/g)?.length ?? 0;
}
