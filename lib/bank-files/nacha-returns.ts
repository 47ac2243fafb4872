// A NACHA returns file from the utility's bank: the autopay debits that came back. Parsed strictly —
// a file that is not exactly what the NACHA format says is refused whole, naming every bad record,
// because a returns file moves money and a half-read one is worse than none.
//
// Layout (all records 94 characters; positions 1-based, inclusive):
//   1 File header      1 type '1' | 2-3 priority | 4-13 immediate destination | 14-23 immediate origin
//                      | 24-29 creation date YYMMDD | 30-33 time HHMM | 34 file id modifier
//                      | 35-37 record size '094' | 38-39 blocking factor '10' | 40 format code '1'
//                      | 41-63 destination name | 64-86 origin name | 87-94 reference code
//   5 Batch header     2-4 service class | 5-20 company name | 21-40 discretionary data
//                      | 41-50 company id | 51-53 SEC code | 54-63 entry description
//                      | 64-69 descriptive date | 70-75 effective entry date YYMMDD | 76-78 settlement
//                      | 79 originator status | 80-87 originating DFI | 88-94 batch number
//   6 Entry detail     2-3 transaction code (26/36: return of a checking/savings debit)
//                      | 4-11 receiving DFI routing | 12 check digit | 13-29 DFI account number
//                      | 30-39 amount in cents | 40-54 individual id (the Millbrook account number)
//                      | 55-76 individual name | 77-78 discretionary | 79 addenda indicator '1'
//                      | 80-94 trace number
//   7 Addenda (99)     2-3 addenda type '99' | 4-6 return reason code R01…R99 | 7-21 original
//                      entry trace number | 22-27 date of death | 28-35 original receiving DFI
//                      | 36-79 addenda information | 80-94 trace number (the entry's)
//   8 Batch control    2-4 service class | 5-10 entry/addenda count | 11-20 entry hash
//                      | 21-32 total debits | 33-44 total credits | 45-54 company id | 55-73 MAC
//                      | 74-79 reserved | 80-87 originating DFI | 88-94 batch number
//   9 File control     2-7 batch count | 8-13 block count | 14-21 entry/addenda count
//                      | 22-31 entry hash | 32-43 total debits | 44-55 total credits | 56-94 reserved
// After the file control, records of all 9s pad the file to a multiple of 10 records (a block).
// The entry hash is the sum of the 8-digit receiving DFI routing numbers, last 10 digits.

export interface AchReturn {
  /** Record number (1-based line) of the entry detail record. */
  record: number;
  /** The individual identification field: the Millbrook account number. */
  accountId: string;
  amountCents: bigint;
  /** R01…R99 */
  returnCode: string;
  /** The return entry's trace number. */
  traceNumber: string;
  /** The trace number of the debit we originated, as the bank echoes it back. */
  originalTrace: string;
  name: string;
  transactionCode: string;
  /** Receiving DFI routing number (8 digits + check digit). */
  receivingDfi: string;
  addendaInformation: string;
  /** The batch's effective entry date, YYYY-MM-DD. */
  effectiveDate: string;
}

export interface NachaReturnsFile {
  /** File creation date, YYYY-MM-DD. */
  createdOn: string;
  immediateOrigin: string;
  originName: string;
  batches: number;
  returns: AchReturn[];
}

export interface NachaProblem {
  record: number;
  message: string;
}

export class NachaParseError extends Error {
  constructor(readonly problems: NachaProblem[]) {
    const first = problems[0];
    super(
      first
        ? `record ${first.record}: ${first.message}` +
            (problems.length > 1
              ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})`
              : '')
        : 'not a NACHA file',
    );
    this.name = 'NachaParseError';
  }
}

export const RECORD_LENGTH = 94;
const RETURN_TRANSACTION_CODES = new Set(['26', '36']);

/** 1-based inclusive columns, as the NACHA layout tables give them. */
const col = (r: string, from: number, to: number) => r.slice(from - 1, to);
const digits = (s: string) => /^\d+$/.test(s);

function yymmdd(s: string): string | null {
  if (!/^\d{6}$/.test(s)) return null;
  const y = 2000 + Number(s.slice(0, 2));
  const m = Number(s.slice(2, 4));
  const d = Number(s.slice(4, 6));
  const days = [31, y % 4 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
  if (!days || d < 1 || d > days) return null;
  return `${y}-${s.slice(2, 4)}-${s.slice(4, 6)}`;
}

export function parseNachaReturns(text: string): NachaReturnsFile {
  const problems: NachaProblem[] = [];
  const bad = (record: number, message: string) => problems.push({ record, message });

  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop(); // the final newline
  lines.forEach((r, i) => {
    if (r.length !== RECORD_LENGTH)
      bad(i + 1, `is ${r.length} characters long; every NACHA record is exactly ${RECORD_LENGTH}`);
    else if (!'156789'.includes(r[0]!)) bad(i + 1, `record type '${r[0]}' is not one of 1, 5, 6, 7, 8, 9`);
  });
  if (problems.length) throw new NachaParseError(problems);
  if (lines.length === 0 || lines[0] === undefined)
    throw new NachaParseError([{ record: 1, message: 'the file is empty' }]);

  const header = lines[0]!;
  let createdOn = '';
  if (header[0] !== '1') bad(1, 'the first record must be the file header (type 1)');
  else {
    createdOn = yymmdd(col(header, 24, 29)) ?? '';
    if (!createdOn) bad(1, `file creation date '${col(header, 24, 29)}' is not a date as YYMMDD`);
    if (col(header, 35, 37) !== '094') bad(1, `record size '${col(header, 35, 37)}' must be 094`);
    if (col(header, 38, 39) !== '10') bad(1, `blocking factor '${col(header, 38, 39)}' must be 10`);
    if (col(header, 40, 40) !== '1') bad(1, `format code '${col(header, 40, 40)}' must be 1`);
  }

  const returns: AchReturn[] = [];
  let batches = 0;
  let fileEntryAddenda = 0;
  let fileHash = 0n;
  let fileDebits = 0n;
  let fileCredits = 0n;
  let fileControlAt = -1;

  let i = 1;
  while (i < lines.length) {
    const r = lines[i]!;
    const n = i + 1;
    if (r[0] === '9') {
      fileControlAt = i;
      break;
    }
    if (r[0] !== '5') {
      bad(n, `expected a batch header (type 5) or the file control (type 9), found type ${r[0]}`);
      i++;
      continue;
    }
    // ---- one batch
    batches++;
    const serviceClass = col(r, 2, 4);
    const batchNumber = col(r, 88, 94);
    const effectiveDate = yymmdd(col(r, 70, 75)) ?? '';
    if (!effectiveDate) bad(n, `effective entry date '${col(r, 70, 75)}' is not a date as YYMMDD`);
    if (!['200', '220', '225'].includes(serviceClass))
      bad(n, `service class code '${serviceClass}' is not 200, 220 or 225`);
    let count = 0;
    let hash = 0n;
    let debits = 0n;
    const credits = 0n; // only returned debits (26, 36) are accepted, so the batch carries no credits
    i++;
    while (i < lines.length && lines[i]![0] === '6') {
      const e = lines[i]!;
      const en = i + 1;
      count++;
      // Columns 13-29, the customer's DFI account number, are deliberately never read: a return is
      // matched by the individual id and the original trace, so the number is not held, echoed in
      // an answer or a refusal, or logged. Any message about this record quotes other columns only.
      const tc = col(e, 2, 3);
      const routing = col(e, 4, 11);
      const amount = col(e, 30, 39);
      const accountId = col(e, 40, 54).trim();
      const trace = col(e, 80, 94);
      if (!RETURN_TRANSACTION_CODES.has(tc))
        bad(en, `transaction code '${tc}' is not a returned debit (26 or 36)`);
      if (!digits(routing) || !digits(col(e, 12, 12)))
        bad(en, `receiving DFI '${col(e, 4, 12)}' is not 9 digits`);
      if (!digits(amount)) bad(en, `amount '${amount}' is not 10 digits of cents`);
      if (!accountId) bad(en, 'individual identification (the account number) is blank');
      if (!digits(trace)) bad(en, `trace number '${trace}' is not 15 digits`);
      if (col(e, 79, 79) !== '1')
        bad(en, 'addenda record indicator must be 1: a return carries its addenda 99');
      if (digits(routing)) hash += BigInt(routing);
      if (digits(amount)) debits += BigInt(amount);
      i++;
      const a = lines[i];
      if (!a || a[0] !== '7') {
        bad(en, 'the entry detail is not followed by its return addenda (type 7)');
        continue;
      }
      const an = i + 1;
      count++;
      const code = col(a, 4, 6);
      const originalTrace = col(a, 7, 21);
      if (col(a, 2, 3) !== '99') bad(an, `addenda type code '${col(a, 2, 3)}' must be 99 (return)`);
      if (!/^R\d{2}$/.test(code)) bad(an, `return reason code '${code}' is not R followed by two digits`);
      if (!digits(originalTrace)) bad(an, `original entry trace number '${originalTrace}' is not 15 digits`);
      if (col(a, 80, 94) !== trace)
        bad(an, `trace number '${col(a, 80, 94)}' does not match its entry's '${trace}'`);
      returns.push({
        record: en,
        accountId,
        amountCents: digits(amount) ? BigInt(amount) : 0n,
        returnCode: code,
        traceNumber: trace,
        originalTrace,
        name: col(e, 55, 76).trim(),
        transactionCode: tc,
        receivingDfi: col(e, 4, 12),
        addendaInformation: col(a, 36, 79).trim(),
        effectiveDate,
      });
      i++;
    }
    const c = lines[i];
    const cn = i + 1;
    if (!c || c[0] !== '8') {
      bad(
        cn,
        `expected the batch control (type 8) of batch ${batchNumber}, found ${c ? `type ${c[0]}` : 'the end of the file'}`,
      );
      continue;
    }
    const want = {
      count: col(c, 5, 10),
      hash: col(c, 11, 20),
      debits: col(c, 21, 32),
      credits: col(c, 33, 44),
    };
    if (col(c, 2, 4) !== serviceClass)
      bad(cn, `service class '${col(c, 2, 4)}' differs from the batch header's '${serviceClass}'`);
    if (col(c, 88, 94) !== batchNumber)
      bad(cn, `batch number '${col(c, 88, 94)}' differs from the batch header's '${batchNumber}'`);
    if (!digits(want.count) || Number(want.count) !== count)
      bad(cn, `entry/addenda count '${want.count}' but the batch has ${count}`);
    if (!digits(want.hash) || BigInt(want.hash) !== hash % 10_000_000_000n)
      bad(cn, `entry hash '${want.hash}' but the entries sum to ${hash % 10_000_000_000n}`);
    if (!digits(want.debits) || BigInt(want.debits) !== debits)
      bad(cn, `total debits '${want.debits}' but the entries sum to ${debits}`);
    if (!digits(want.credits) || BigInt(want.credits) !== credits)
      bad(cn, `total credits '${want.credits}' but the entries sum to ${credits}`);
    fileEntryAddenda += count;
    fileHash += hash;
    fileDebits += debits;
    fileCredits += credits;
    i++;
  }

  if (fileControlAt < 0) bad(lines.length, 'the file has no file control record (type 9)');
  else {
    const f = lines[fileControlAt]!;
    const fn = fileControlAt + 1;
    const blocks = Math.ceil(lines.length / 10);
    if (col(f, 2, 7) !== String(batches).padStart(6, '0'))
      bad(fn, `batch count '${col(f, 2, 7)}' but the file has ${batches}`);
    if (col(f, 8, 13) !== String(blocks).padStart(6, '0'))
      bad(fn, `block count '${col(f, 8, 13)}' but the file has ${blocks}`);
    if (!digits(col(f, 14, 21)) || Number(col(f, 14, 21)) !== fileEntryAddenda)
      bad(fn, `entry/addenda count '${col(f, 14, 21)}' but the file has ${fileEntryAddenda}`);
    if (!digits(col(f, 22, 31)) || BigInt(col(f, 22, 31)) !== fileHash % 10_000_000_000n)
      bad(fn, `entry hash '${col(f, 22, 31)}' but the entries sum to ${fileHash % 10_000_000_000n}`);
    if (!digits(col(f, 32, 43)) || BigInt(col(f, 32, 43)) !== fileDebits)
      bad(fn, `total debits '${col(f, 32, 43)}' but the file sums to ${fileDebits}`);
    if (!digits(col(f, 44, 55)) || BigInt(col(f, 44, 55)) !== fileCredits)
      bad(fn, `total credits '${col(f, 44, 55)}' but the file sums to ${fileCredits}`);
    for (let k = fileControlAt + 1; k < lines.length; k++)
      if (lines[k] !== '9'.repeat(RECORD_LENGTH))
        bad(k + 1, 'only padding records (all 9s) may follow the file control');
    if (lines.length % 10 !== 0)
      bad(lines.length, `the file has ${lines.length} records, not a whole number of blocks of 10`);
  }

  if (problems.length) throw new NachaParseError(problems);
  return {
    createdOn,
    immediateOrigin: col(header, 14, 23).trim(),
    originName: col(header, 64, 86).trim(),
    batches,
    returns,
  };
}
