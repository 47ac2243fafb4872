// A synthetic legacy export in the Millbrook layout (demo-data/millbrook): customers.csv,
// premises.csv, accounts.csv and meters.csv, every row valid, deterministic from a seed. One
// customer, premise and account per index; every premise has a water meter and about 60% also an
// electric one (so ~1.6 meters per account, as in Millbrook).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LegacyExportRows, SourceRow } from '../domain/legacy-export';
import { prng } from './harness';

export const HEADERS = {
  customers: ['customer_id', 'name', 'mailing_address', 'email', 'phone', 'language', 'paperless', 'date_of_birth'],
  premises: [
    'premise_id',
    'service_address',
    'zip',
    'service_area',
    'state',
    'premise_type',
    'heating',
    'service_line_public',
    'service_line_private',
  ],
  accounts: [
    'account_id',
    'customer_id',
    'premise_id',
    'class',
    'bill_cycle',
    'service_start',
    'deposit_held',
    'autopay',
  ],
  meters: ['meter_id', 'premise_id', 'service', 'read_unit', 'dials', 'multiplier', 'size', 'endpoint_sn', 'installed'],
} as const;
type File = keyof typeof HEADERS;

export interface SyntheticExport {
  /** Records per file, values in header order. */
  records: Record<File, string[][]>;
  counts: Record<File, number>;
}

const FIRST = ['James', 'Grace', 'Linh', 'Omar', 'Maria', 'Carlos', 'Aisha', 'Daniel', 'Mei', 'Priya', 'Sofia', 'Noah', 'Emma', 'Kwame', 'Olga', 'Ravi'];
const LAST = ['Chen', 'Nguyen', 'Novak', 'Moore', 'Garcia', 'Ali', 'Thomas', 'Clark', 'Brown', 'Miller', 'Anderson', 'Patel', 'Kim', 'Okafor', 'Kowalski', 'Rossi'];
const STREETS = ['Church St', 'Maple Ave', 'Union St', 'Hillside Dr', 'Park Ave', 'River Rd', 'Oak St', 'Mill Rd', 'Spring St', 'Elm St', 'Ridge Rd', 'College Ave'];
const AREAS: Record<string, string> = { '16801': 'North', '16802': 'East', '16803': 'South' };
const HEATING = ['GAS', 'ELECTRIC', 'OIL', 'PROPANE', 'OTHER', 'NONE', ''];
const LINES = ['LEAD', 'GALVANIZED_REQUIRING_REPLACEMENT', 'NON_LEAD', 'NON_LEAD', 'NON_LEAD', 'LEAD_STATUS_UNKNOWN', ''];

export function generateExport(customers: number, seed: number): SyntheticExport {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const date = (fromYear: number, toYear: number) =>
    `${int(fromYear, toYear)}-${pad(int(1, 12), 2)}-${pad(int(1, 28), 2)}`;
  const records: Record<File, string[][]> = { customers: [], premises: [], accounts: [], meters: [] };

  for (let i = 1; i <= customers; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const zip = pick(Object.keys(AREAS));
    const address = `${int(1, 999)} ${pick(STREETS)}, Millbrook, PA ${zip}`;
    const customerId = `C${pad(i, 5)}`;
    const premiseId = `P${pad(i, 5)}`;
    const commercial = rnd() < 0.08;
    const digits = pad(i % 10000, 4);
    const phoneStyle = rnd();
    const phone =
      phoneStyle < 0.8 ? `814-555-${digits}` : phoneStyle < 0.9 ? `(814) 555-${digits}` : phoneStyle < 0.95 ? `814555${digits}` : '';
    records.customers.push([
      customerId,
      `${first} ${last}`,
      address,
      rnd() < 0.7 ? `${first.toLowerCase()}.${last.toLowerCase()}${i}@example.org` : '',
      phone,
      rnd() < 0.85 ? 'en' : pick(['es', 'vi', 'zh']),
      rnd() < 0.3 ? 'Y' : 'N',
      rnd() < 0.9 ? date(1930, 2004) : '',
    ]);
    records.premises.push([
      premiseId,
      address,
      zip,
      AREAS[zip]!,
      'PA',
      commercial ? 'COMMERCIAL' : 'RESIDENTIAL',
      pick(HEATING),
      pick(LINES),
      pick(LINES),
    ]);
    records.accounts.push([
      String(100000 + i),
      customerId,
      premiseId,
      commercial ? 'COM' : 'RES',
      String(int(1, 2)),
      date(2005, 2025),
      rnd() < 0.1 ? `${int(50, 300)}.00` : '0.00',
      rnd() < 0.4 ? 'Y' : 'N',
    ]);
    const cubicFeet = rnd() < 0.1;
    records.meters.push([
      `W${pad(i, 6)}`,
      premiseId,
      'WATER',
      cubicFeet ? 'CUBIC_FEET' : 'GAL',
      '6',
      cubicFeet ? '1' : '10',
      commercial ? pick(['1"', '2"']) : '5/8"',
      `EP7${pad(i, 6)}`,
      date(2010, 2024),
    ]);
    if (rnd() < 0.6) {
      records.meters.push([
        `E${pad(i, 6)}`,
        premiseId,
        'ELECTRIC',
        'KWH',
        '5',
        commercial ? '40' : '1',
        '',
        `EP8${pad(i, 6)}`,
        date(2012, 2024),
      ]);
    }
  }
  const counts = {
    customers: records.customers.length,
    premises: records.premises.length,
    accounts: records.accounts.length,
    meters: records.meters.length,
  };
  return { records, counts };
}

/** Writes the four CSV files (header line first, CRLF-free, quoted where needed) into `dir`. */
export function writeExport(exp: SyntheticExport, dir: string): void {
  for (const file of Object.keys(HEADERS) as File[]) {
    const lines = [HEADERS[file].join(','), ...exp.records[file].map((r) => r.map(csvCell).join(','))];
    writeFileSync(path.join(dir, `${file}.csv`), lines.join('\n') + '\n');
  }
}

/** The same records as the import sees them after parsing (values by header; the header is line 1). */
export function asSourceRows(exp: SyntheticExport): LegacyExportRows {
  const rows = (file: File): SourceRow[] =>
    exp.records[file].map((r, i) => ({
      line: i + 2,
      values: Object.fromEntries(HEADERS[file].map((h, j) => [h, r[j]])),
    }));
  return {
    customers: rows('customers'),
    premises: rows('premises'),
    accounts: rows('accounts'),
    meters: rows('meters'),
  };
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
