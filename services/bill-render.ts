// A bill as the customer reads it: `loadBillView` gathers an issued (or draft) bill, its lines, the
// customer and the premise into a plain view with every amount already formatted, and `renderBill`
// turns the view into an email (subject, text, HTML) from the Handlebars templates under
// notices/bill/<language>/. The view carries the bill's wording in its language (`texts`), so
// lib/pdf/bill-pdf.ts lays out the same content as the PDF bill without templates of its own.
// A bulk delivery loads the view without its wording (`loadBillData`, a `BillData`) and the render
// thread adds it (`withTexts`): the wording is Handlebars work and a few dozen strings per bill,
// which the delivering thread would otherwise run and then copy to the render thread.
//
// - Money is integer cents, formatted by string arithmetic on the digits (never a float): 123456n →
//   '1234.56' → '$1,234.56'. Rates and quantities are the exact decimals stored on the line.
// - Languages: English and Spanish. Any other preference (vi, ...) gets the English bill, with a
//   sentence saying so (notices/bill/en/parts/language-fallback.hbs); `language` is the language
//   actually rendered, `preferredLanguage` what the customer asked for.
// - Escaping: the HTML templates are compiled with Handlebars' HTML escaping on and use no
//   triple-stash, so a customer name like `<script>` arrives as text. The subject, the plain-text
//   body and the wording snippets (parts/*.hbs) are plain text, not markup, so they are compiled
//   with `noEscape` (an HTML entity there would be a visible `&amp;`); snippets reach the HTML body
//   only as data, through an escaping `{{...}}`.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import type { BillKind, BillStatus } from '@prisma/client';
import type { Db } from '../lib/db/prisma';
import { query } from '../lib/db/bulk';
import { notFound } from '../lib/errors';
import { printedSummary, type ActivityLabel } from '../domain/billing/statement';
import { loadStatements, type StoredStatement } from './statements';

export const BILL_LANGUAGES = ['en', 'es'] as const;
export type BillLanguage = (typeof BILL_LANGUAGES)[number];

/** The customer's language preference (a BCP 47 tag: 'es', 'es-MX') to a language bills exist in. */
export function billLanguage(preferred: string | null | undefined): BillLanguage {
  const primary = (preferred ?? '').trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return (BILL_LANGUAGES as readonly string[]).includes(primary) ? (primary as BillLanguage) : 'en';
}

export interface UtilityInfo {
  name: string;
  /** The state the utility serves, and the collections policy profile its premises follow there. */
  state: string;
  policyProfile: string;
  addressLines: string[];
  /** addressLines on one line. */
  address: string;
  phone: string;
  payUrl: string;
  payByMailLines: string[];
  payByMail: string;
}

/** A mailing address split for the print vendor; `parsed: false` leaves it all in `lines`. */
export interface PostalAddress {
  lines: string[];
  city: string;
  state: string;
  zip: string;
  parsed: boolean;
}

export interface BillLineView {
  lineNo: number;
  description: string;
  /** Exact, as stored, without trailing zeros: '4500', '1548.387'. */
  quantity: string;
  unit: string;
  /** '4,500 gal', '31 days', '$111.84' (a tax base). */
  quantityText: string;
  /** Exact, as stored: '5.25', '0.1125', '6' (a percentage on a tax line). */
  rate: string;
  /** '$5.25 / 1,000 gal', '$18.50 / 30 days', '$0.1125', '6%' (see ratePer). */
  rateText: string;
  amountCents: string;
  /** '12.34', '-1.00'. */
  amount: string;
  /** '$12.34', '-$1.00'. */
  amountText: string;
}

/**
 * A bill's account summary (domain/billing/statement.ts), formatted: bills issued before bills had
 * summaries have none, and show only their own charges.
 */
export interface StatementView {
  previousBalanceText: string;
  activity: { description: string; amountText: string }[];
  balanceForwardText: string;
  currentChargesText: string;
  pastDueCents: string;
  /** Null unless part of the balance forward was past due on the bill date. */
  pastDueText: string | null;
  /** Null unless the account is in credit after this bill. */
  creditText: string | null;
}

export interface BillView {
  billId: string;
  accountId: string;
  kind: BillKind;
  status: BillStatus;
  estimated: boolean;
  autopay: boolean;
  /** The language rendered. */
  language: BillLanguage;
  /** The customer's preference, as stored. */
  preferredLanguage: string;
  /** True when the preference is a language bills are not offered in (the bill is in English). */
  languageFallback: boolean;
  /** ISO dates (YYYY-MM-DD) and the same dates written out in `language`. */
  billDate: string;
  dueDate: string;
  periodFrom: string;
  periodTo: string;
  billDateText: string;
  dueDateText: string;
  periodFromText: string;
  periodToText: string;
  customer: {
    id: string;
    name: string;
    email: string | null;
    paperless: boolean;
    mailingAddress: string;
    postal: PostalAddress;
  };
  premise: { id: string; serviceAddress: string; zip: string };
  lines: BillLineView[];
  /** This bill's own charges (its current charges when it has a summary). */
  totalCents: string;
  /** '1234.56' */
  total: string;
  /** '$1,234.56' */
  totalText: string;
  statement: StatementView | null;
  /**
   * What the customer is asked to pay: the summary's total due (never below zero), or the bill's
   * own total when it has no summary. The remittance stub and the print vendor's amount_due.
   */
  amountDueCents: string;
  amountDue: string;
  amountDueText: string;
  utility: UtilityInfo;
  /** The wording in `language`, as plain text: what the email and the PDF both print. */
  texts: BillTexts;
}

/** A bill's view without its wording: what delivery needs to claim, record and list it. */
export type BillData = Omit<BillView, 'texts'>;

export interface RenderedBill {
  subject: string;
  html: string;
  text: string;
}

export interface BillLabels {
  title: string;
  accountNumber: string;
  customer: string;
  serviceAddress: string;
  billDate: string;
  dueDate: string;
  servicePeriod: string;
  periodTo: string;
  description: string;
  quantity: string;
  rate: string;
  amount: string;
  totalDue: string;
  accountSummary: string;
  previousBalance: string;
  balanceForward: string;
  currentCharges: string;
  pastDue: string;
  credit: string;
  /** Each activity line's wording; `{bill}` is the bill it names. */
  activity: Record<ActivityLabel, string>;
  /** The wording of entries summed into one line: '{label} ({count})'. */
  activityCount: string;
  estimatedBanner: string;
  howToPay: string;
  latePayment: string;
  page: string;
  months: string[];
  dateFormat: string;
  units: Record<string, string>;
  /**
   * How a charge line, worded in English by the rating engine from the tariff, reads in this
   * language: [pattern, replacement] pairs applied in order (none for English). What no rule
   * covers stays as the tariff words it.
   */
  lineWording?: [string, string][];
}

const lineRules = new WeakMap<BillLabels, [RegExp, string][]>();

/** A charge line's description in the bill's language (services/bill-render: BillLabels.lineWording). */
export function lineWording(description: string, labels: BillLabels): string {
  if (!labels.lineWording?.length) return description;
  let rules = lineRules.get(labels);
  if (!rules) {
    rules = labels.lineWording.map(([p, r]): [RegExp, string] => [new RegExp(p, 'g'), r]);
    lineRules.set(labels, rules);
  }
  let out = description;
  for (const [re, r] of rules) out = out.replace(re, r);
  return out;
}

/** The bill's wording in its language, as plain text: what the email and the PDF both print. */
export interface BillTexts {
  labels: BillLabels;
  lateCharge: string;
  /** Null unless the bill is estimated. */
  estimated: string | null;
  howToPay: string[];
  /** Null unless the customer's language is not offered. */
  languageFallback: string | null;
}

// ---- money and numbers, by string arithmetic ---------------------------------------------------

function toBigInt(cents: bigint | number | string): bigint {
  if (typeof cents === 'number' && !Number.isSafeInteger(cents)) {
    throw new RangeError(`cents must be a safe integer, got ${cents}`);
  }
  if (typeof cents === 'string' && !/^-?\d+$/.test(cents)) {
    throw new RangeError(`cents must be an integer, got ${JSON.stringify(cents)}`);
  }
  return BigInt(cents);
}

/** '1234567' → '1,234,567' (digits only). A bill run formats millions of these. */
function groupThousands(digits: string): string {
  if (digits.length <= 3) return digits;
  const head = digits.length % 3 || 3;
  let out = digits.slice(0, head);
  for (let i = head; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return out;
}

/** Integer cents as dollars with two decimals, from the digits: 123456n → '1234.56', -5 → '-0.05'. */
export function formatCents(cents: bigint | number | string): string {
  const c = toBigInt(cents);
  const digits = (c < 0n ? -c : c).toString().padStart(3, '0');
  return `${c < 0n ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** Integer cents as money for people: 123456n → '$1,234.56', -100n → '-$1.00'. */
export function moneyText(cents: bigint | number | string): string {
  const plain = formatCents(cents);
  // formatCents always writes digits, a point and two decimals.
  const negative = plain.startsWith('-');
  const point = plain.length - 3;
  return `${negative ? '-' : ''}$${groupThousands(plain.slice(negative ? 1 : 0, point))}${plain.slice(point)}`;
}

/** A plain decimal string without trailing zeros: '4500.000000' → '4500', '-0.50' → '-0.5'. */
export function trimDecimal(plain: string): string {
  // One pass over the characters (a bill run trims millions of these): an optional minus, at least
  // one digit, then optionally a point and digits; nothing else.
  const s = plain.trim();
  const start = s.charCodeAt(0) === MINUS ? 1 : 0;
  let point = -1;
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === POINT && point === -1 && i > start) point = i;
    else if (c < ZERO || c > NINE) throw notPlainDecimal(plain);
  }
  const wholeEnd = point === -1 ? s.length : point;
  if (wholeEnd === start) throw notPlainDecimal(plain);
  let wholeStart = start;
  while (wholeStart < wholeEnd - 1 && s.charCodeAt(wholeStart) === ZERO) wholeStart++;
  let fracEnd = s.length;
  if (point !== -1) while (fracEnd > point + 1 && s.charCodeAt(fracEnd - 1) === ZERO) fracEnd--;
  const whole = s.slice(wholeStart, wholeEnd);
  const frac = point === -1 ? '' : s.slice(point + 1, fracEnd);
  const sign = start === 1 && (whole !== '0' || frac !== '') ? '-' : '';
  return `${sign}${whole}${frac ? `.${frac}` : ''}`;
}
const [MINUS, POINT, ZERO, NINE] = [0x2d, 0x2e, 0x30, 0x39];

/**
 * At module level, not a closure inside trimDecimal: the worker runs under tsx, which names every
 * named inner function as it is created (esbuild's keepNames, a defineProperty of ~0.3 µs), and a
 * bill run trims millions of decimals.
 */
function notPlainDecimal(plain: string): RangeError {
  return new RangeError(`not a plain decimal: ${JSON.stringify(plain)}`);
}

/** A decimal for people: digits grouped, at least `minFraction` decimals: ('1548.387') → '1,548.387'. */
export function decimalText(plain: string, minFraction = 0): string {
  const t = trimDecimal(plain);
  const negative = t.startsWith('-');
  const point = t.indexOf('.');
  const whole = t.slice(negative ? 1 : 0, point === -1 ? t.length : point);
  const f = (point === -1 ? '' : t.slice(point + 1)).padEnd(minFraction, '0');
  return `${negative ? '-' : ''}${groupThousands(whole)}${f ? `.${f}` : ''}`;
}

function dollarsText(plain: string, minFraction = 2): string {
  const d = decimalText(plain, minFraction);
  return d.startsWith('-') ? `-$${d.slice(1)}` : `$${d}`;
}

// ---- dates and addresses -----------------------------------------------------------------------

/** A `@db.Date` column (midnight UTC) as YYYY-MM-DD. */
export function isoDay(d: Date): string {
  return remembered(isoDays, d.getTime(), () => d.toISOString().slice(0, 10));
}
const isoDays = new Map<number, string>();

/** The dates written out, per set of labels (language). */
const datesWritten = new WeakMap<object, Map<string, string>>();

export function dateText(iso: string, labels: Pick<BillLabels, 'months' | 'dateFormat'>): string {
  let written = datesWritten.get(labels);
  if (!written) datesWritten.set(labels, (written = new Map()));
  return remembered(written, iso, () => writeDate(iso, labels));
}

/**
 * `make()` for `key`, kept in `seen`: a bill run's dates are a handful, each written once. At most
 * a few thousand are kept, so a long-lived process does not collect every date it ever wrote.
 */
function remembered<K>(seen: Map<K, string>, key: K, make: () => string): string {
  let value = seen.get(key);
  if (value === undefined) {
    value = make();
    if (seen.size < 4096) seen.set(key, value);
  }
  return value;
}

function writeDate(iso: string, labels: Pick<BillLabels, 'months' | 'dateFormat'>): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) throw new RangeError(`not an ISO date: ${iso}`);
  const month = labels.months[Number(m[2]) - 1];
  if (!month) throw new RangeError(`not an ISO date: ${iso}`);
  return labels.dateFormat
    .replace('{month}', month)
    .replace('{day}', String(Number(m[3])))
    .replace('{year}', m[1] ?? '');
}

/**
 * 'Street, [more lines, ]City, ST 12345[-6789]' (the legacy export's layout) split for the print
 * vendor. Anything else is kept whole in `lines` with `parsed: false`, for a person to look at.
 */
export function parseMailingAddress(address: string): PostalAddress {
  const parts = address
    .split(/\s*[,\n]\s*/)
    .map((p) => p.trim())
    .filter(Boolean);
  const last = parts[parts.length - 1] ?? '';
  const m = /^([A-Za-z]{2})\s+(\d{5}(?:-\d{4})?)$/.exec(last);
  if (m && parts.length >= 3) {
    return {
      lines: parts.slice(0, -2),
      city: parts[parts.length - 2] ?? '',
      state: (m[1] ?? '').toUpperCase(),
      zip: m[2] ?? '',
      parsed: true,
    };
  }
  return { lines: [address.replace(/\s*\n\s*/g, ', ').trim()], city: '', state: '', zip: '', parsed: false };
}

// ---- templates ---------------------------------------------------------------------------------

const NOTICES_DIR = path.resolve(__dirname, '..', 'notices');
const BILL_DIR = path.join(NOTICES_DIR, 'bill');

type Template = Handlebars.TemplateDelegate;
interface LanguageTemplates {
  labels: BillLabels;
  subject: Template;
  text: Template;
  html: Template;
  lateCharge: Template;
  estimated: Template;
  howToPay: Template;
  languageFallback: Template | null;
}

const read = (...p: string[]) => readFileSync(path.join(BILL_DIR, ...p), 'utf8');

let utilityCache: UtilityInfo | null = null;
export function utilityInfo(): UtilityInfo {
  if (!utilityCache) {
    const u = JSON.parse(readFileSync(path.join(NOTICES_DIR, 'utility.json'), 'utf8')) as Omit<
      UtilityInfo,
      'address' | 'payByMail'
    >;
    utilityCache = { ...u, address: u.addressLines.join(', '), payByMail: u.payByMailLines.join(', ') };
  }
  return utilityCache;
}

const templates = new Map<BillLanguage, LanguageTemplates>();
function templatesFor(language: BillLanguage): LanguageTemplates {
  const cached = templates.get(language);
  if (cached) return cached;
  // Plain text: no HTML escaping (see the header). HTML: escaping on, strict (a misspelt field is
  // an error, not an empty string).
  const textEnv = Handlebars.create();
  const htmlEnv = Handlebars.create();
  const plain = (src: string) => textEnv.compile(src, { noEscape: true, strict: true });
  const html = (src: string) => htmlEnv.compile(src, { strict: true });
  htmlEnv.registerPartial('header', html(read('shared', 'header.html.hbs')));
  htmlEnv.registerPartial('details', html(read('shared', 'details.html.hbs')));
  // Only the fallback language (English) needs the sentence saying a bill is not in the
  // customer's language.
  const fallbackFile = path.join(BILL_DIR, language, 'parts', 'language-fallback.hbs');
  const fallback = existsSync(fallbackFile) ? plain(readFileSync(fallbackFile, 'utf8')) : null;
  const t: LanguageTemplates = {
    labels: JSON.parse(read(language, 'labels.json')) as BillLabels,
    subject: plain(read(language, 'subject.hbs')),
    text: plain(read(language, 'text.hbs')),
    html: html(read(language, 'html.hbs')),
    lateCharge: plain(read(language, 'parts', 'late-charge.hbs')),
    estimated: plain(read(language, 'parts', 'estimated.hbs')),
    howToPay: plain(read(language, 'parts', 'how-to-pay.hbs')),
    languageFallback: fallback,
  };
  templates.set(language, t);
  return t;
}

export const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The bill's wording in its language, rendered as plain text. */
function billTexts(view: BillData): BillTexts {
  const t = templatesFor(view.language);
  return {
    labels: t.labels,
    lateCharge: oneLine(t.lateCharge(view)),
    estimated: view.estimated ? oneLine(t.estimated(view)) : null,
    howToPay: t
      .howToPay(view)
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
    languageFallback: view.languageFallback && t.languageFallback ? oneLine(t.languageFallback(view)) : null,
  };
}

/** The email of a bill: subject, plain-text and HTML bodies, in the view's language. */
export function renderBill(view: BillView): RenderedBill {
  const t = templatesFor(view.language);
  const context = { ...view, t: view.texts.labels, notes: view.texts };
  return {
    subject: oneLine(t.subject(context)),
    text: t.text(context).replace(/\n{3,}/g, '\n\n'),
    html: t.html(context),
  };
}

// ---- loading -----------------------------------------------------------------------------------

/** An exact decimal as Prisma returns it (Decimal) or as text ('4500.000000'). */
type DecimalValue = string | { toFixed(): string };
const decimalString = (d: DecimalValue) => (typeof d === 'string' ? d : d.toFixed());

/** What a view needs of a bill line: Prisma's BillLine, or the same read as plain text. */
export interface BillLineRecord {
  lineNo: number;
  description: string;
  quantity: DecimalValue;
  unit: string;
  rate: DecimalValue;
  ratePer: DecimalValue | null;
  amountCents: bigint;
}

/** What a view needs of a bill (Prisma's Bill with its lines fits). */
export interface BillRecord {
  id: string;
  accountId: string;
  kind: BillKind;
  status: BillStatus;
  estimated: boolean;
  totalCents: bigint;
  billDate: Date;
  dueDate: Date;
  periodFrom: Date;
  periodTo: Date;
  lines: BillLineRecord[];
  /** Its account summary, when it was issued with one. */
  statement?: StoredStatement | null;
}

/** What a view needs of the account (Prisma's Account with customer and premise fits). */
export interface AccountRecord {
  autopay: boolean;
  customer: {
    id: string;
    name: string;
    email: string | null;
    paperless: boolean;
    mailingAddress: string;
    language: string;
  };
  premise: { id: string; serviceAddress: string; zip: string };
}

/** A plain decimal as an integer over a power of ten: '5.25' → [525n, 100n]. */
function ratio(plain: string): [bigint, bigint] {
  const t = trimDecimal(plain);
  const negative = t.startsWith('-');
  const point = t.indexOf('.');
  const whole = t.slice(negative ? 1 : 0, point === -1 ? t.length : point);
  const frac = point === -1 ? '' : t.slice(point + 1);
  const n = BigInt(whole + frac) * (negative ? -1n : 1n);
  return [n, 10n ** BigInt(frac.length)];
}

/** n ÷ d rounded half away from zero (d > 0). */
function roundDiv(n: bigint, d: bigint): bigint {
  const q = ((n < 0n ? -n : n) * 2n + d) / (2n * d);
  return n < 0n ? -q : q;
}

/**
 * What the line's rate is per, for lines stored before bill_line.rate_per existed (or made by hand
 * with its default of 1): recovered exactly from the line's own figures — the one candidate P with
 * amount = roundHalfUp(quantity × rate ÷ P) to the cent. None or several leave the rate as stored.
 */
export function ratePer(quantity: string, rate: string, amountCents: bigint, unit: string): bigint | null {
  const [qn, qd] = ratio(quantity);
  const [rn, rd] = ratio(rate);
  const candidates = [1n, 10n, 100n, 1000n, 10000n];
  if (unit === 'day') candidates.push(28n, 29n, 30n, 31n);
  const fits = candidates.filter((p) => roundDiv(qn * rn * 100n, qd * rd * p) === amountCents);
  return fits.length === 1 ? (fits[0] ?? null) : null;
}

function lineView(l: BillLineRecord, labels: BillLabels): BillLineView {
  const quantity = trimDecimal(decimalString(l.quantity));
  const rate = trimDecimal(decimalString(l.rate));
  const isTaxBase = l.unit === 'USD';
  const unitLabel = labels.units[l.unit] ?? l.unit;
  const storedPer = l.ratePer === null ? '1' : trimDecimal(decimalString(l.ratePer));
  const stored = storedPer !== '1' && /^\d+$/.test(storedPer) ? BigInt(storedPer) : null;
  const per = isTaxBase ? null : (stored ?? ratePer(quantity, rate, l.amountCents, l.unit));
  const perText =
    per && per !== 1n ? ` / ${decimalText(per.toString())}${unitLabel ? ` ${unitLabel}` : ''}` : '';
  return {
    lineNo: l.lineNo,
    description: lineWording(l.description, labels),
    quantity,
    unit: l.unit,
    quantityText: isTaxBase
      ? dollarsText(quantity)
      : `${decimalText(quantity)}${unitLabel ? ` ${unitLabel}` : ''}`,
    rate,
    rateText: isTaxBase ? `${decimalText(rate)}%` : `${dollarsText(rate)}${perText}`,
    amountCents: l.amountCents.toString(),
    amount: formatCents(l.amountCents),
    amountText: moneyText(l.amountCents),
  };
}

/** The view of a bill already loaded with its account (customer and premise). */
export const toBillView = (bill: BillRecord, account: AccountRecord): BillView =>
  withTexts(toBillData(bill, account));

/** The view with its wording in its language. */
export const withTexts = (data: BillData): BillView => ({ ...data, texts: billTexts(data) });

/** The view of a bill without its wording (see the header). */
export function toBillData(bill: BillRecord, account: AccountRecord): BillData {
  const language = billLanguage(account.customer.language);
  const labels = templatesFor(language).labels;
  const iso = {
    billDate: isoDay(bill.billDate),
    dueDate: isoDay(bill.dueDate),
    periodFrom: isoDay(bill.periodFrom),
    periodTo: isoDay(bill.periodTo),
  };
  const primary = account.customer.language.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return {
    billId: bill.id,
    accountId: bill.accountId,
    kind: bill.kind,
    status: bill.status,
    estimated: bill.estimated,
    autopay: account.autopay,
    language,
    preferredLanguage: account.customer.language,
    languageFallback: primary !== language,
    ...iso,
    billDateText: dateText(iso.billDate, labels),
    dueDateText: dateText(iso.dueDate, labels),
    periodFromText: dateText(iso.periodFrom, labels),
    periodToText: dateText(iso.periodTo, labels),
    customer: {
      id: account.customer.id,
      name: account.customer.name,
      email: account.customer.email,
      paperless: account.customer.paperless,
      mailingAddress: account.customer.mailingAddress,
      postal: parseMailingAddress(account.customer.mailingAddress),
    },
    premise: {
      id: account.premise.id,
      serviceAddress: account.premise.serviceAddress,
      zip: account.premise.zip,
    },
    lines: [...bill.lines].sort((a, b) => a.lineNo - b.lineNo).map((l) => lineView(l, labels)),
    totalCents: bill.totalCents.toString(),
    total: formatCents(bill.totalCents),
    totalText: moneyText(bill.totalCents),
    ...statementView(bill, labels),
    utility: utilityInfo(),
  };
}

/** The summary's view and the amount due, or the bill's own total when it has no summary. */
function statementView(
  bill: BillRecord,
  labels: BillLabels,
): Pick<BillData, 'statement' | 'amountDueCents' | 'amountDue' | 'amountDueText'> {
  if (!bill.statement) {
    // As such bills always said: their own total, whatever its sign.
    const due = bill.totalCents;
    return {
      statement: null,
      amountDueCents: due.toString(),
      amountDue: formatCents(due),
      amountDueText: moneyText(due),
    };
  }
  const s = printedSummary(bill.statement);
  return {
    statement: {
      previousBalanceText: moneyText(s.previousBalanceCents),
      activity: s.activity.map((a) => {
        const wording = labels.activity[a.label].replace('{bill}', a.billId ?? '');
        return {
          description:
            a.date !== null
              ? `${wording} (${dateText(a.date, labels)})`
              : labels.activityCount.replace('{label}', wording).replace('{count}', String(a.count)),
          amountText: moneyText(a.amountCents),
        };
      }),
      balanceForwardText: moneyText(s.balanceForwardCents),
      currentChargesText: moneyText(s.currentChargesCents),
      pastDueCents: s.pastDueCents.toString(),
      pastDueText: s.pastDueCents > 0n ? labels.pastDue.replace('{amount}', moneyText(s.pastDueCents)) : null,
      creditText: s.creditCents > 0n ? labels.credit.replace('{amount}', moneyText(s.creditCents)) : null,
    },
    amountDueCents: s.amountDueCents.toString(),
    amountDue: formatCents(s.amountDueCents),
    amountDueText: moneyText(s.amountDueCents),
  };
}

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

/**
 * Views of many bills, by bill id; a missing bill is an error naming it. Two queries on the pg pool
 * (lib/db/bulk.ts) whatever the number of bills: delivery loads a cycle's bills in slices. Each
 * bill is an index lookup by its key (LIMIT 1 keeps the planner from flattening the LATERAL into a
 * scan of the whole table, which stale statistics after a cycle's bulk inserts would invite).
 */
export async function loadBillData(db: Db, billIds: readonly string[]): Promise<Map<string, BillData>> {
  const out = new Map<string, BillData>();
  if (billIds.length === 0) return out;
  const ids = [...new Set(billIds)];
  const [bills, lines, statements] = await Promise.all([
    query<{
      id: string;
      account_id: string;
      kind: BillKind;
      status: BillStatus;
      estimated: boolean;
      total_cents: string;
      bill_date: string;
      due_date: string;
      period_from: string;
      period_to: string;
      autopay: boolean;
      customer_id: string;
      name: string;
      email: string | null;
      paperless: boolean;
      mailing_address: string;
      language: string;
      premise_id: string;
      service_address: string;
      zip: string;
    }>(
      db,
      `SELECT b.id, b.account_id, b.kind, b.status, b.estimated, b.total_cents::text, b.bill_date::text,
         b.due_date::text, b.period_from::text, b.period_to::text, a.autopay, c.id AS customer_id, c.name,
         c.email, c.paperless, c.mailing_address, c.language, p.id AS premise_id, p.service_address, p.zip
       FROM unnest($1::text[]) AS k(id)
       CROSS JOIN LATERAL (SELECT * FROM bill WHERE id = k.id LIMIT 1) b
       JOIN account a ON a.id = b.account_id
       JOIN customer c ON c.id = a.customer_id
       JOIN premise p ON p.id = a.premise_id`,
      [ids],
    ),
    query<{
      bill_id: string;
      line_no: number;
      description: string;
      quantity: string;
      unit: string;
      rate: string;
      rate_per: string;
      amount_cents: string;
    }>(
      db,
      `SELECT l.bill_id, l.line_no, l.description, l.quantity::text, l.unit, l.rate::text,
         l.rate_per::text, l.amount_cents::text
       FROM unnest($1::text[]) AS k(id)
       CROSS JOIN LATERAL (SELECT * FROM bill_line WHERE bill_id = k.id ORDER BY line_no) l`,
      [ids],
    ),
    loadStatements(db, ids),
  ]);
  const linesOf = new Map<string, BillLineRecord[]>();
  for (const l of lines) {
    const line: BillLineRecord = {
      lineNo: l.line_no,
      description: l.description,
      quantity: l.quantity,
      unit: l.unit,
      rate: l.rate,
      ratePer: l.rate_per,
      amountCents: BigInt(l.amount_cents),
    };
    const list = linesOf.get(l.bill_id);
    if (list) list.push(line);
    else linesOf.set(l.bill_id, [line]);
  }
  const byId = new Map(bills.map((b) => [b.id, b]));
  for (const id of billIds) {
    const b = byId.get(id);
    if (!b) throw notFound('Bill', id);
    out.set(
      id,
      toBillData(
        {
          id: b.id,
          accountId: b.account_id,
          kind: b.kind,
          status: b.status,
          estimated: b.estimated,
          totalCents: BigInt(b.total_cents),
          billDate: day(b.bill_date),
          dueDate: day(b.due_date),
          periodFrom: day(b.period_from),
          periodTo: day(b.period_to),
          lines: linesOf.get(id) ?? [],
          statement: statements.get(id) ?? null,
        },
        {
          autopay: b.autopay,
          customer: {
            id: b.customer_id,
            name: b.name,
            email: b.email,
            paperless: b.paperless,
            mailingAddress: b.mailing_address,
            language: b.language,
          },
          premise: { id: b.premise_id, serviceAddress: b.service_address, zip: b.zip },
        },
      ),
    );
  }
  return out;
}

/** The view of one bill: the bill, its lines, the customer and the premise, amounts formatted. */
export async function loadBillView(db: Db, billId: string): Promise<BillView> {
  const data = (await loadBillData(db, [billId])).get(billId);
  if (!data) throw notFound('Bill', billId);
  return withTexts(data);
}
