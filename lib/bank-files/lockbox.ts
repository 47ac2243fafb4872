// A lockbox file: the checks the bank's lockbox opened and deposited for the utility, one per
// line. Each good line becomes a LOCKBOX payment; a bad line is rejected on its own, naming the
// line, the field and why, and the rest of the file still posts.
//
// Layout (CSV, UTF-8, comma-separated, RFC 4180 quoting, a header row exactly as below):
//
//   batch_date,check_number,account_id,amount,payer_name
//   2026-12-01,1043,100010,56.96,ROBERT HADDAD
//
//   batch_date    the day the bank deposited the batch, YYYY-MM-DD (the payment's received date)
//   check_number  the check's serial number, 1–15 digits
//   account_id    the Millbrook account number from the bill stub
//   amount        dollars with exactly two decimals, no sign, no thousands separator; more than
//                 0.00 and at most 1000000.00
//   payer_name    as printed on the check; optional, up to 100 characters
//
// Blank lines are skipped. A line's identity is (batch_date, check_number, account_id, amount):
// the same check in two files, or twice in one, is one payment (see `paymentKey`).
import { parse } from 'csv-parse/sync';
import { isIsoDate } from '../../domain/ledger/dates';
import { parseDollars } from '../../domain/ledger/money';

export const LOCKBOX_COLUMNS = ['batch_date', 'check_number', 'account_id', 'amount', 'payer_name'] as const;
export const MAX_LOCKBOX_AMOUNT_CENTS = 100_000_000n;

export interface LockboxLine {
  /** Line number in the file (the header is line 1). */
  line: number;
  batchDate: string;
  checkNumber: string;
  accountId: string;
  amountCents: bigint;
  payerName: string | null;
}

export interface LockboxRejection {
  line: number;
  field?: string;
  reason: string;
}

export interface LockboxFile {
  lines: LockboxLine[];
  rejections: LockboxRejection[];
}

/** The whole file is unreadable (not CSV, or the header is not the layout's). */
export class LockboxFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockboxFormatError';
  }
}

/** The idempotency key of a lockbox payment: the same check is never posted twice. */
export function paymentKey(l: Pick<LockboxLine, 'batchDate' | 'checkNumber' | 'accountId' | 'amountCents'>) {
  return `lockbox:${l.batchDate}:${l.checkNumber}:${l.accountId}:${l.amountCents}`;
}

export function parseLockbox(text: string): LockboxFile {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text.replace(/^\uFEFF/, ''), {
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    throw new LockboxFormatError(`not a readable CSV file: ${(err as Error).message}`);
  }
  const header = rows.shift();
  if (!header) throw new LockboxFormatError('the file is empty; the first line must be the header');
  if (header.record.join(',') !== LOCKBOX_COLUMNS.join(','))
    throw new LockboxFormatError(
      `line ${header.info.lines}: the header must be exactly ${LOCKBOX_COLUMNS.join(',')}, not ${header.record.join(',')}`,
    );

  const lines: LockboxLine[] = [];
  const rejections: LockboxRejection[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of rows) {
    const line = info.lines;
    const reject = (reason: string, field?: string) =>
      rejections.push({ line, ...(field ? { field } : {}), reason });
    if (record.length !== LOCKBOX_COLUMNS.length) {
      reject(`has ${record.length} fields; a lockbox line has ${LOCKBOX_COLUMNS.length}`);
      continue;
    }
    const [batchDate, checkNumber, accountId, amount, payerName] = record as [
      string,
      string,
      string,
      string,
      string,
    ];
    if (!isIsoDate(batchDate)) {
      reject(`batch_date '${batchDate}' is not a date as YYYY-MM-DD`, 'batch_date');
      continue;
    }
    if (!/^\d{1,15}$/.test(checkNumber)) {
      reject(`check_number '${checkNumber}' is not 1–15 digits`, 'check_number');
      continue;
    }
    if (!/^[A-Za-z0-9._-]{1,40}$/.test(accountId)) {
      reject(`account_id '${accountId}' is not an account number`, 'account_id');
      continue;
    }
    const cents = parseDollars(amount);
    if (cents === null) {
      reject(`amount '${amount}' is not dollars with two decimals (e.g. 56.96)`, 'amount');
      continue;
    }
    if (cents <= 0n || cents > MAX_LOCKBOX_AMOUNT_CENTS) {
      reject(`amount ${amount} must be more than 0.00 and at most 1000000.00`, 'amount');
      continue;
    }
    if (payerName.length > 100 || /[\r\n]/.test(payerName)) {
      reject('payer_name must be one line of at most 100 characters', 'payer_name');
      continue;
    }
    const parsed: LockboxLine = {
      line,
      batchDate,
      checkNumber,
      accountId,
      amountCents: cents,
      payerName: payerName || null,
    };
    const key = paymentKey(parsed);
    const first = seen.get(key);
    if (first !== undefined) {
      reject(`duplicates line ${first} (same batch date, check number, account and amount)`);
      continue;
    }
    seen.set(key, line);
    lines.push(parsed);
  }
  return { lines, rejections };
}
