// The legacy export (customers.csv, premises.csv, accounts.csv, meters.csv) checked and normalized
// into OpenCIS rows. Pure: the caller parses the CSV files and writes the result. Every problem is
// reported against the file, line and column it came from, so the utility can fix its export; a row
// with any problem is not loaded, and neither is anything that depends on it, so the rows returned
// always form a referentially whole set.

export const LEGACY_FILES = ['customers.csv', 'premises.csv', 'accounts.csv', 'meters.csv'] as const;
export type LegacyFile = (typeof LEGACY_FILES)[number];

/** One parsed CSV record: values keyed by header, and the line it starts on (the header is line 1). */
export interface SourceRow {
  line: number;
  values: Readonly<Record<string, string | undefined>>;
}

export interface LegacyExportRows {
  customers: readonly SourceRow[];
  premises: readonly SourceRow[];
  accounts: readonly SourceRow[];
  meters: readonly SourceRow[];
}

export interface Rejection {
  file: LegacyFile;
  line: number;
  /** The CSV column at fault. */
  field: string;
  value: string;
  problem: string;
}

// Value sets mirror the Prisma enums (prisma/schema.prisma); the domain does not import Prisma.
const ACCOUNT_CLASSES = ['RES', 'COM'] as const;
const SERVICES = ['WATER', 'ELECTRIC', 'GAS', 'SEWER'] as const;
const READ_UNITS = ['GAL', 'CUBIC_FEET', 'KWH', 'THERM'] as const;
const PREMISE_TYPES = ['RESIDENTIAL', 'COMMERCIAL'] as const;
const HEATING = ['GAS', 'ELECTRIC', 'OIL', 'PROPANE', 'OTHER', 'NONE'] as const;
const SERVICE_LINE = ['LEAD', 'GALVANIZED_REQUIRING_REPLACEMENT', 'NON_LEAD', 'LEAD_STATUS_UNKNOWN'] as const;
type Service = (typeof SERVICES)[number];
type ReadUnit = (typeof READ_UNITS)[number];

/** A register in the wrong unit for its service would be billed nonsense (kWh of water). */
const UNITS_FOR_SERVICE: Record<Service, readonly ReadUnit[]> = {
  WATER: ['GAL', 'CUBIC_FEET'],
  SEWER: ['GAL', 'CUBIC_FEET'],
  ELECTRIC: ['KWH'],
  GAS: ['THERM', 'CUBIC_FEET'],
};

// USPS codes: the states, DC and the territories with US ZIP codes.
const STATES = new Set(
  (
    'AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND ' +
    'OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR VI GU AS MP'
  ).split(' '),
);

/** Postgres `integer`: the columns money, cycles and multipliers land in. */
const INT4_MAX = 2_147_483_647;

export interface CustomerRow {
  id: string;
  name: string;
  mailingAddress: string;
  email: string | null;
  phone: string | null;
  language: string;
  paperless: boolean;
  /** 'YYYY-MM-DD'; the persistence step encrypts it (Customer.dateOfBirthEnc). */
  dateOfBirth: string | null;
}

export interface PremiseRow {
  id: string;
  serviceAddress: string;
  zip: string;
  serviceArea: string;
  state: string;
  jurisdictionProfile: string;
  premiseType: (typeof PREMISE_TYPES)[number];
  heating: (typeof HEATING)[number] | null;
  serviceLinePublic: (typeof SERVICE_LINE)[number];
  serviceLinePrivate: (typeof SERVICE_LINE)[number];
}

export interface AccountRow {
  id: string;
  customerId: string;
  premiseId: string;
  class: (typeof ACCOUNT_CLASSES)[number];
  billCycle: number;
  /** 'YYYY-MM-DD' */
  startDate: string;
  depositHeldCents: number;
  autopay: boolean;
}

export interface ServicePointRow {
  id: string;
  premiseId: string;
  service: Service;
}

export interface MeterRow {
  id: string;
  servicePointId: string;
  service: Service;
  readUnit: ReadUnit;
  dials: number;
  multiplier: number;
  size: string | null;
  amiEndpoint: string | null;
  /** 'YYYY-MM-DD' */
  installedOn: string | null;
}

export interface LegacyExport {
  customers: CustomerRow[];
  premises: PremiseRow[];
  accounts: AccountRow[];
  meters: MeterRow[];
  servicePoints: ServicePointRow[];
  rejections: Rejection[];
  /** The line each loaded row came from, to report problems found later (e.g. against the database). */
  sourceLines: Record<'customers' | 'premises' | 'accounts' | 'meters', Map<string, number>>;
}

export function servicePointId(premiseId: string, service: string): string {
  return `SP-${premiseId}-${service}`;
}

// ---------------------------------------------------------------------------------------------
// Field parsers: each takes the trimmed, non-empty text and returns the value or what is wrong.

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };
type Parser<T> = (text: string) => Parsed<T>;

const good = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(problem: string): Parsed<T> => ({ ok: false, problem });

const text: Parser<string> = (s) => good(s);

const identifier: Parser<string> = (s) => (/\s/.test(s) ? bad('must not contain spaces') : good(s));

function oneOf<T extends string>(allowed: readonly T[]): Parser<T> {
  return (s) => {
    const v = s.toUpperCase();
    return (allowed as readonly string[]).includes(v)
      ? good(v as T)
      : bad(`is not one of ${allowed.join(', ')}`);
  };
}

const yesNo: Parser<boolean> = (s) => {
  const v = s.toUpperCase();
  return v === 'Y' ? good(true) : v === 'N' ? good(false) : bad('must be Y or N');
};

/** Same rule as the database check constraint customer_email_format, so what passes here loads. */
export const email: Parser<string> = (s) =>
  /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s) ? good(s) : bad('is not a valid email address');

/** North American (NANP) numbers in any common punctuation, normalized to 814-555-1001. */
export const phone: Parser<string> = (s) => {
  if (!/^[\d\s().+-]+$/.test(s)) return bad('is not a 10-digit North American phone number');
  let digits = s.replace(/\D/g, '');
  if (digits.length === 11 && digits.startsWith('1')) digits = digits.slice(1);
  // Area code and exchange cannot start with 0 or 1 in the NANP.
  const m = /^([2-9]\d{2})([2-9]\d{2})(\d{4})$/.exec(digits);
  return m ? good(`${m[1]}-${m[2]}-${m[3]}`) : bad('is not a 10-digit North American phone number');
};

/** ZIP or ZIP+4, normalized to the form the database accepts (16803 or 16803-1234). */
export const zip: Parser<string> = (s) => {
  const m = /^(\d{5})(?:-?(\d{4}))?$/.exec(s);
  if (!m) return bad('is not a 5- or 9-digit ZIP code');
  return good(m[2] ? `${m[1]}-${m[2]}` : m[1]!);
};

const state: Parser<string> = (s) => {
  const v = s.toUpperCase();
  return STATES.has(v) ? good(v) : bad('is not a US state or territory code');
};

/** Notices are chosen by the primary language subtag (ISO 639-1). */
const language: Parser<string> = (s) => {
  const v = s.toLowerCase();
  return /^[a-z]{2}$/.test(v) ? good(v) : bad('is not a 2-letter language code');
};

/** Strict 'YYYY-MM-DD' naming a real calendar day: 2023-02-29 is refused, not rolled over. */
export const isoDate: Parser<string> = (s) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return bad('is not a date in the form YYYY-MM-DD');
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  const real = t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
  return real && y >= 1800 ? good(s) : bad('is not a real calendar date');
};

/**
 * Dollars as written ("100", "100.5", "100.00") to integer cents, from the digits themselves: no
 * floating-point multiply, so 0.29 is 29 cents and never 28.999…
 */
export const moneyCents: Parser<number> = (s) => {
  if (s.startsWith('-')) return bad('is negative');
  const m = /^(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) return bad('is not an amount of money');
  const fraction = m[2] ?? '';
  if (fraction.length > 2) return bad('has more than 2 decimal places');
  const dollars = m[1]!.replace(/^0+(?=\d)/, '');
  if (dollars.length > 8) return bad('is too large');
  const cents = Number(dollars) * 100 + Number(fraction.padEnd(2, '0'));
  return cents <= INT4_MAX ? good(cents) : bad('is too large');
};

export function integerIn(min: number, max: number): Parser<number> {
  return (s) => {
    const n = /^\d+$/.test(s) ? Number(s) : NaN;
    return n >= min && n <= max ? good(n) : bad(`is not a whole number from ${min} to ${max}`);
  };
}

const positiveInteger: Parser<number> = (s) => {
  const n = /^\d+$/.test(s) ? Number(s) : NaN;
  return n >= 1 && n <= INT4_MAX ? good(n) : bad('is not a positive whole number');
};

// ---------------------------------------------------------------------------------------------
// Reading one row: every column is checked (so all of a row's problems are reported at once).

/**
 * Rejections are stored (import_run) and written to report files, so personal data in them is
 * masked the way the audit trail masks it; the line number still finds the row in the export.
 */
const SENSITIVE_COLUMNS = new Set(['date_of_birth']);
const maskAllButLast2 = (s: string) => '*'.repeat(Math.max(0, s.length - 2)) + s.slice(-2);

class RowReader {
  ok = true;
  constructor(
    private readonly file: LegacyFile,
    private readonly row: SourceRow,
    private readonly rejections: Rejection[],
  ) {}

  raw(column: string): string {
    return this.row.values[column] ?? '';
  }

  reject(column: string, problem: string): void {
    this.ok = false;
    const value = SENSITIVE_COLUMNS.has(column) ? maskAllButLast2(this.raw(column)) : this.raw(column);
    this.rejections.push({ file: this.file, line: this.row.line, field: column, value, problem });
  }

  /**
   * The parsed value, or a placeholder when it is missing or bad. The placeholder never escapes:
   * a reader that rejected anything has `ok` false and its row is dropped.
   */
  required<T>(column: string, parse: Parser<T>): T {
    const v = this.optional(column, parse);
    if (v === null && this.raw(column).trim() === '') this.reject(column, 'is required');
    return v as T;
  }

  optional<T>(column: string, parse: Parser<T>): T | null {
    const s = this.raw(column).trim();
    if (s === '') return null;
    const r = parse(s);
    if (r.ok) return r.value;
    this.reject(column, r.problem);
    return null;
  }
}

type Parent = 'customers' | 'premises';

/** A row of one file, with what it points at; `row` is absent when the row itself was rejected. */
interface Candidate<T> {
  line: number;
  id: string;
  row?: T;
  refs: { column: string; parent: Parent; id: string }[];
}

type Reader<T> = (r: RowReader) => Omit<Candidate<T>, 'line' | 'row'> & { row: T };

const readCustomer: Reader<CustomerRow> = (r) => {
  const row: CustomerRow = {
    id: r.required('customer_id', identifier),
    name: r.required('name', text),
    mailingAddress: r.required('mailing_address', text),
    email: r.optional('email', email),
    phone: r.optional('phone', phone),
    language: r.optional('language', language) ?? 'en',
    paperless: r.required('paperless', yesNo),
    dateOfBirth: r.optional('date_of_birth', isoDate),
  };
  return { id: row.id, row, refs: [] };
};

const readPremise: Reader<PremiseRow> = (r) => {
  const st = r.required('state', state);
  const row: PremiseRow = {
    id: r.required('premise_id', identifier),
    serviceAddress: r.required('service_address', text),
    zip: r.required('zip', zip),
    serviceArea: r.required('service_area', text),
    state: st,
    // The state's preset; the persistence step puts a premise in the utility's own state under
    // the utility's profile (services/premise-profile.ts).
    jurisdictionProfile: st,
    premiseType: r.required('premise_type', oneOf(PREMISE_TYPES)),
    heating: r.optional('heating', oneOf(HEATING)),
    // A blank service line is one the utility has not inventoried: LCRR's "status unknown".
    serviceLinePublic: r.optional('service_line_public', oneOf(SERVICE_LINE)) ?? 'LEAD_STATUS_UNKNOWN',
    serviceLinePrivate: r.optional('service_line_private', oneOf(SERVICE_LINE)) ?? 'LEAD_STATUS_UNKNOWN',
  };
  return { id: row.id, row, refs: [] };
};

const readAccount: Reader<AccountRow> = (r) => {
  const row: AccountRow = {
    id: r.required('account_id', identifier),
    customerId: r.required('customer_id', identifier),
    premiseId: r.required('premise_id', identifier),
    class: r.required('class', oneOf(ACCOUNT_CLASSES)),
    // Day-like here; that the utility runs this cycle (table bill_cycle) is checked by the import
    // against the database (services/import-legacy.ts findConflicts).
    billCycle: r.required('bill_cycle', integerIn(1, 31)),
    startDate: r.required('service_start', isoDate),
    depositHeldCents: r.optional('deposit_held', moneyCents) ?? 0,
    autopay: r.required('autopay', yesNo),
  };
  return {
    id: row.id,
    row,
    refs: [ref('customer_id', 'customers', row.customerId), ref('premise_id', 'premises', row.premiseId)],
  };
};

const readMeter: Reader<MeterRow> = (r) => {
  const id = r.required('meter_id', identifier);
  const premiseId = r.required('premise_id', identifier);
  const service = r.required('service', oneOf(SERVICES));
  const readUnit = r.required('read_unit', oneOf(READ_UNITS));
  if (service && readUnit && !UNITS_FOR_SERVICE[service].includes(readUnit)) {
    r.reject('read_unit', `is not a unit for a ${service} meter`);
  }
  const row: MeterRow = {
    id,
    servicePointId: servicePointId(premiseId, service),
    service,
    readUnit,
    dials: r.required('dials', integerIn(1, 12)),
    multiplier: r.required('multiplier', positiveInteger),
    size: r.optional('size', text),
    amiEndpoint: r.optional('endpoint_sn', identifier),
    installedOn: r.optional('installed', isoDate),
  };
  // The water base charge is set by meter size; electric and gas meters may leave it blank.
  if (service === 'WATER' && row.size === null) r.reject('size', 'is required for a WATER meter');
  return { id, row, refs: [ref('premise_id', 'premises', premiseId)] };
};

function ref(column: string, parent: Parent, id: string | undefined) {
  return { column, parent, id: id ?? '' };
}

/**
 * Reads every row of one file, rejecting bad rows and every repeat of a value that must be unique
 * (the first occurrence is kept: an exact double export is the common cause).
 */
function readFile<T>(
  file: LegacyFile,
  uniqueColumns: readonly string[],
  rows: readonly SourceRow[],
  read: Reader<T>,
  out: Rejection[],
): Candidate<T>[] {
  const firstLine = new Map(uniqueColumns.map((c) => [c, new Map<string, number>()]));
  return rows.map((source): Candidate<T> => {
    const r = new RowReader(file, source, out);
    const c = read(r);
    for (const [column, seen] of firstLine) {
      const value = r.raw(column).trim();
      const first = value ? seen.get(value) : undefined;
      if (first !== undefined) r.reject(column, `duplicates the ${column} on line ${first}`);
      else if (value) seen.set(value, source.line);
    }
    return { ...c, line: source.line, row: r.ok ? c.row : undefined };
  });
}

// ---------------------------------------------------------------------------------------------
// Linking: keep only rows whose parents are kept, reporting each broken reference.

interface Candidates {
  customers: Candidate<CustomerRow>[];
  premises: Candidate<PremiseRow>[];
  accounts: Candidate<AccountRow>[];
  meters: Candidate<MeterRow>[];
}

const NOUN: Record<Parent, { noun: string; file: LegacyFile }> = {
  customers: { noun: 'customer', file: 'customers.csv' },
  premises: { noun: 'premise', file: 'premises.csv' },
};

/**
 * Assembles the loadable export. `present` holds every id each parent file mentions (loaded or
 * not), to tell a reference to a rejected row from a reference to nothing at all.
 */
function link(c: Candidates, present: Record<Parent, Set<string>>, rejections: Rejection[]): LegacyExport {
  const kept: Record<Parent, Set<string>> = {
    customers: new Set(loaded(c.customers).map((x) => x.id)),
    premises: new Set(loaded(c.premises).map((x) => x.id)),
  };
  const linked = <T>(file: LegacyFile, rows: Candidate<T>[]) =>
    loaded(rows.filter((x) => refsHold(file, x, kept, present, rejections)));
  const accounts = linked('accounts.csv', c.accounts);
  const meters = linked('meters.csv', c.meters);
  const pick = <T>(rows: Candidate<T>[]) => rows.map((x) => x.row!);
  return {
    customers: pick(loaded(c.customers)),
    premises: pick(loaded(c.premises)),
    accounts: pick(accounts),
    meters: pick(meters),
    servicePoints: servicePointsOf(meters),
    rejections: sortRejections(rejections),
    sourceLines: {
      customers: linesOf(loaded(c.customers)),
      premises: linesOf(loaded(c.premises)),
      accounts: linesOf(accounts),
      meters: linesOf(meters),
    },
  };
}

function loaded<T>(rows: Candidate<T>[]): Candidate<T>[] {
  return rows.filter((x) => x.row !== undefined);
}

/** Checks every reference (even of a row already rejected, so all its problems are reported). */
function refsHold<T>(
  file: LegacyFile,
  c: Candidate<T>,
  kept: Record<Parent, Set<string>>,
  present: Record<Parent, Set<string>>,
  out: Rejection[],
): boolean {
  let ok = true;
  for (const r of c.refs) {
    if (!r.id || kept[r.parent].has(r.id)) continue;
    const { noun, file: parentFile } = NOUN[r.parent];
    const problem = present[r.parent].has(r.id)
      ? `refers to ${noun} ${r.id}, which was rejected`
      : `refers to ${noun} ${r.id}, which is not in ${parentFile}`;
    out.push({ file, line: c.line, field: r.column, value: r.id, problem });
    ok = false;
  }
  return ok;
}

/** One service point per (premise, service) that has a loaded meter, in first-seen order. */
function servicePointsOf(meters: Candidate<MeterRow>[]): ServicePointRow[] {
  const byId = new Map<string, ServicePointRow>();
  for (const m of meters) {
    const premiseId = m.refs.find((r) => r.parent === 'premises')!.id;
    const id = m.row!.servicePointId;
    if (!byId.has(id)) byId.set(id, { id, premiseId, service: m.row!.service });
  }
  return [...byId.values()];
}

function linesOf<T>(rows: Candidate<T>[]): Map<string, number> {
  return new Map(rows.map((x) => [x.id, x.line]));
}

/** File order, then line; within a line, the order the problems were found in. */
export function sortRejections(rs: Rejection[]): Rejection[] {
  const rank = (f: LegacyFile) => LEGACY_FILES.indexOf(f);
  return [...rs].sort((a, b) => rank(a.file) - rank(b.file) || a.line - b.line);
}

// ---------------------------------------------------------------------------------------------

/** Checks and normalizes a whole legacy export. */
export function convertLegacyExport(input: LegacyExportRows): LegacyExport {
  const rejections: Rejection[] = [];
  const c: Candidates = {
    customers: readFile('customers.csv', ['customer_id'], input.customers, readCustomer, rejections),
    premises: readFile('premises.csv', ['premise_id'], input.premises, readPremise, rejections),
    accounts: readFile('accounts.csv', ['account_id'], input.accounts, readAccount, rejections),
    meters: readFile('meters.csv', ['meter_id', 'endpoint_sn'], input.meters, readMeter, rejections),
  };
  const present = {
    customers: new Set(c.customers.map((x) => x.id)),
    premises: new Set(c.premises.map((x) => x.id)),
  };
  return link(c, present, rejections);
}

/**
 * The export without the rows `found` names (problems found after conversion, e.g. an id that
 * already exists in OpenCIS with other values), and without everything that depended on them.
 */
export function withdrawRows(exp: LegacyExport, found: readonly Rejection[]): LegacyExport {
  const out = new Set(found.map((r) => `${r.file}:${r.line}`));
  const premiseOf = new Map(exp.servicePoints.map((sp) => [sp.id, sp.premiseId]));
  const candidates = <T extends { id: string }>(
    file: LegacyFile,
    rows: T[],
    lines: Map<string, number>,
    refs: (row: T) => Candidate<T>['refs'],
  ) =>
    rows.map((row): Candidate<T> => {
      const line = lines.get(row.id)!;
      return { line, id: row.id, row: out.has(`${file}:${line}`) ? undefined : row, refs: refs(row) };
    });
  const c: Candidates = {
    customers: candidates('customers.csv', exp.customers, exp.sourceLines.customers, () => []),
    premises: candidates('premises.csv', exp.premises, exp.sourceLines.premises, () => []),
    accounts: candidates('accounts.csv', exp.accounts, exp.sourceLines.accounts, (a) => [
      ref('customer_id', 'customers', a.customerId),
      ref('premise_id', 'premises', a.premiseId),
    ]),
    meters: candidates('meters.csv', exp.meters, exp.sourceLines.meters, (m) => [
      ref('premise_id', 'premises', premiseOf.get(m.servicePointId)),
    ]),
  };
  // Everything still present was loadable, so a reference that now fails points at a withdrawn row.
  const present = {
    customers: new Set(exp.customers.map((x) => x.id)),
    premises: new Set(exp.premises.map((x) => x.id)),
  };
  return link(c, present, [...exp.rejections, ...found]);
}
