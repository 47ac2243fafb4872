import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Actor } from '../lib/audit';
import { verifyAuditChain } from '../lib/audit-verify';
import type { Db } from '../lib/db/prisma';
import { decryptField } from '../lib/field-crypto';
import { importLegacyExport, rejectionReportCsv, type ImportOptions } from '../services/import-legacy';
import { createTestDatabase, type TestDatabase } from './helpers/db';

const DEMO = path.resolve(__dirname, '..', 'demo-data', 'millbrook');
const FILES = ['customers.csv', 'premises.csv', 'accounts.csv', 'meters.csv'];
const actor: Actor = { id: 'test:import', role: 'admin' };
const encryptionKey = randomBytes(32);

let t: TestDatabase;
const tempDirs: string[] = [];
beforeEach(async () => {
  t = await createTestDatabase();
});
afterEach(() => t.close());
afterAll(() => tempDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const run = (dir: string, more: Partial<ImportOptions> = {}, db: Db = t.db) =>
  importLegacyExport(db, { dir, actor, encryptionKey, ...more });

async function tableCounts(db: Db = t.db) {
  return {
    customers: await db.customer.count(),
    premises: await db.premise.count(),
    accounts: await db.account.count(),
    meters: await db.meter.count(),
    servicePoints: await db.servicePoint.count(),
  };
}
const EMPTY = { customers: 0, premises: 0, accounts: 0, meters: 0, servicePoints: 0 };

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'opencis-legacy-'));
  tempDirs.push(dir);
  return dir;
}

/** A copy of the demo export that can be edited line by line. */
function demoCopy() {
  const dir = tempDir();
  for (const f of FILES) cpSync(path.join(DEMO, f), path.join(dir, f));
  return {
    dir,
    /** Rewrites the line starting with `prefix`; returns its 1-based line number. */
    edit(file: string, prefix: string, change: (line: string) => string): number {
      const lines = readFileSync(path.join(dir, file), 'utf8').split('\r\n');
      const i = lines.findIndex((l) => l.startsWith(prefix));
      if (i < 0) throw new Error(`no line starting ${prefix} in ${file}`);
      lines[i] = change(lines[i]!);
      writeFileSync(path.join(dir, file), lines.join('\r\n'));
      return i + 1;
    },
  };
}

/** The four problems of the conversion checklist, and what each drags along. */
function brokenCopy() {
  const copy = demoCopy();
  const dupLine = copy.edit('customers.csv', 'C00003,', (l) => l.replace('C00003,', 'C00002,'));
  const emailLine = copy.edit('customers.csv', 'C00020,', (l) =>
    l.replace('priya.patel20@example.org', 'not-an-email'),
  );
  const premiseLine = copy.edit('accounts.csv', '100010,', (l) => l.replace('P00010', 'P99999'));
  const unitLine = copy.edit('meters.csv', 'W000001,', (l) => l.replace(',GAL,', ',LITRES,'));
  const lineOf = (file: string, prefix: string) => copy.edit(file, prefix, (l) => l);
  const expected = [
    {
      file: 'customers.csv',
      line: dupLine,
      field: 'customer_id',
      value: 'C00002',
      problem: 'duplicates the customer_id on line 3',
    },
    {
      file: 'customers.csv',
      line: emailLine,
      field: 'email',
      value: 'not-an-email',
      problem: 'is not a valid email address',
    },
    // C00003's only row now says C00002: its account points at nothing.
    {
      file: 'accounts.csv',
      line: lineOf('accounts.csv', '100003,'),
      field: 'customer_id',
      value: 'C00003',
      problem: 'refers to customer C00003, which is not in customers.csv',
    },
    {
      file: 'accounts.csv',
      line: premiseLine,
      field: 'premise_id',
      value: 'P99999',
      problem: 'refers to premise P99999, which is not in premises.csv',
    },
    {
      file: 'accounts.csv',
      line: lineOf('accounts.csv', '100020,'),
      field: 'customer_id',
      value: 'C00020',
      problem: 'refers to customer C00020, which was rejected',
    },
    {
      file: 'meters.csv',
      line: unitLine,
      field: 'read_unit',
      value: 'LITRES',
      problem: expect.stringMatching(/^is not one of GAL/),
    },
  ];
  return { dir: copy.dir, expected };
}

test('the Millbrook export loads whole, and a second import is a no-op', async () => {
  const first = await run(DEMO);
  expect(first.status).toBe('completed');
  expect(first.rejections).toEqual([]);
  const all = (n: number) => ({ created: n, unchanged: 0, rejected: 0 });
  expect(first.counts).toEqual({
    customers: all(240),
    premises: all(240),
    accounts: all(240),
    meters: all(380),
    servicePoints: all(380),
  });
  expect(await tableCounts()).toEqual({
    customers: 240,
    premises: 240,
    accounts: 240,
    meters: 380,
    servicePoints: 380,
  });

  const audit = await t.db.auditEvent.count();
  expect(audit).toBe(240 * 3 + 380 * 2 + 1);
  expect(await t.db.timelineEvent.count({ where: { kind: 'account.converted' } })).toBe(240);

  const second = await run(DEMO);
  expect(second).toMatchObject({ status: 'unchanged', runId: first.runId, rejections: [] });
  expect(second.counts.meters).toEqual({ created: 0, unchanged: 380, rejected: 0 });
  expect(await tableCounts()).toEqual({
    customers: 240,
    premises: 240,
    accounts: 240,
    meters: 380,
    servicePoints: 380,
  });
  expect(await t.db.auditEvent.count()).toBe(audit);
  expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, rowsChecked: audit });
});

test('values arrive normalized; the date of birth only encrypted, and masked in the audit trail', async () => {
  await run(DEMO);
  const c = await t.db.customer.findUniqueOrThrow({ where: { id: 'C00001' } });
  expect(c).toMatchObject({ name: 'James Chen', email: null, phone: '814-555-1001', paperless: false });
  expect(c.dateOfBirthEnc).not.toContain('1988');
  expect(decryptField(c.dateOfBirthEnc!, encryptionKey)).toBe('1988-07-16');
  // 65 or older on the day of conversion: from the date of birth (Grace Nguyen, born 1954-09-10).
  expect(c.age65OrDependent).toBe(false);
  expect((await t.db.customer.findUniqueOrThrow({ where: { id: 'C00002' } })).age65OrDependent).toBe(true);

  const created = await t.db.auditEvent.findFirstOrThrow({
    where: { action: 'customer.create', entityId: 'C00001' },
  });
  expect(JSON.stringify([created.after, created.before, created.reason])).not.toContain('1988-07');
  expect(created.after).toMatchObject({ dateOfBirth: '********16' });
  expect(created.after).not.toHaveProperty('dateOfBirthEnc');

  const deposit = await t.db.account.findFirstOrThrow({ where: { depositHeldCents: { gt: 0 } } });
  expect([7500, 10000, 15000]).toContain(deposit.depositHeldCents);
  // Each deposit the legacy system held is a HELD deposit, held since the start of service: 43 of
  // them, $4,750.00, as the export's deposit_held column adds up.
  const held = await t.db.deposit.findMany({ where: { status: 'HELD' } });
  expect(held).toHaveLength(43);
  expect(held.reduce((sum, d) => sum + d.amountCents, 0n)).toBe(475_000n);
  const d6 = held.find((d) => d.accountId === '100006')!;
  expect(d6.amountCents).toBe(10_000n);
  const a6 = await t.db.account.findUniqueOrThrow({ where: { id: '100006' } });
  expect(d6.heldSince).toEqual(a6.startDate);
  expect(a6.depositHeldCents).toBe(10_000);
  const w = await t.db.meter.findUniqueOrThrow({ where: { id: 'W000001' } });
  expect(w).toMatchObject({
    servicePointId: 'SP-P00001-WATER',
    size: '5/8"',
    readUnit: 'GAL',
    dials: 6,
    multiplier: 10,
  });
  expect(w.installedOn?.toISOString().slice(0, 10)).toBe('2019-05-01');
  // In the utility's own state a premise follows the utility's profile: Millbrook's ordinance.
  expect(await t.db.premise.findUniqueOrThrow({ where: { id: 'P00001' } })).toMatchObject({
    jurisdictionProfile: 'MUNICIPAL',
  });
});

test('the same rows in other bytes are recognised row by row and change nothing', async () => {
  await run(DEMO);
  const audit = await t.db.auditEvent.count();
  const dir = tempDir();
  for (const f of FILES)
    writeFileSync(path.join(dir, f), readFileSync(path.join(DEMO, f), 'utf8').replace(/\r\n/g, '\n'));
  const again = await run(dir);
  expect(again.status).toBe('unchanged');
  expect(again.counts.customers).toEqual({ created: 0, unchanged: 240, rejected: 0 });
  expect(await t.db.auditEvent.count()).toBe(audit);
  expect(await tableCounts()).toMatchObject({ customers: 240, meters: 380 });
});

test('a broken export is refused whole, with one report row per problem', async () => {
  const { dir, expected } = brokenCopy();
  const r = await run(dir);
  expect(r.status).toBe('rejected');
  expect(r.rejections).toEqual(expected);
  expect(r.counts.customers).toEqual({ created: 0, unchanged: 0, rejected: 2 });
  expect(r.counts.accounts).toEqual({ created: 0, unchanged: 0, rejected: 3 });
  expect(r.counts.meters).toEqual({ created: 0, unchanged: 0, rejected: 1 });

  expect(await tableCounts()).toEqual(EMPTY);
  expect(await t.db.timelineEvent.count()).toBe(0);
  const saved = await t.db.importRun.findUniqueOrThrow({ where: { id: r.runId } });
  expect(saved).toMatchObject({ status: 'rejected', validOnly: false, actor: actor.id });
  expect(saved.rejections).toEqual(JSON.parse(JSON.stringify(r.rejections)));
  const audit = await t.db.auditEvent.findMany();
  expect(audit.map((a) => [a.action, a.entityId])).toEqual([['import.rejected', r.runId]]);

  const report = rejectionReportCsv(r).split('\r\n');
  expect(report[0]).toBe('file,line,field,value,problem');
  expect(report).toContain(
    `meters.csv,${expected[5]!.line},read_unit,LITRES,"is not one of GAL, CUBIC_FEET, KWH, THERM"`,
  );
});

test('with validOnly the rest loads, and the same problems are reported', async () => {
  const { dir, expected } = brokenCopy();
  const strict = await run(dir);
  const r = await run(dir, { validOnly: true });
  expect(r.status).toBe('completed');
  expect(r.rejections).toEqual(strict.rejections);
  expect(r.rejections).toEqual(expected);
  expect(await tableCounts()).toEqual({
    customers: 238,
    premises: 240,
    accounts: 237,
    meters: 379,
    servicePoints: 379,
  });
  expect(r.counts.accounts).toEqual({ created: 237, unchanged: 0, rejected: 3 });
  expect(await t.db.customer.count({ where: { id: { in: ['C00003', 'C00020'] } } })).toBe(0);
  expect(await t.db.customer.findUniqueOrThrow({ where: { id: 'C00002' } })).toMatchObject({
    name: 'Grace Nguyen',
  });
  expect(await t.db.account.count({ where: { id: { in: ['100003', '100010', '100020'] } } })).toBe(0);
  expect(await t.db.meter.findUnique({ where: { id: 'W000001' } })).toBeNull();
  expect(await t.db.servicePoint.findUnique({ where: { id: 'SP-P00001-WATER' } })).toBeNull();
  expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });

  // Asking for all-or-nothing again is refused again, not answered from the partial run.
  expect((await run(dir)).status).toBe('rejected');
  expect((await run(dir, { validOnly: true })).status).toBe('unchanged');
});

test('an account in a bill cycle the utility does not run is refused with its line; the rest loads with validOnly', async () => {
  const copy = demoCopy();
  const line = copy.edit('accounts.csv', '100005,', (l) => l.replace(',RES,1,', ',RES,3,'));
  const expected = {
    file: 'accounts.csv',
    line,
    field: 'bill_cycle',
    value: '3',
    problem: 'bill cycle 3 does not exist (the bill cycles are 1, 2)',
  };
  const strict = await run(copy.dir);
  expect(strict.status).toBe('rejected');
  expect(strict.rejections).toEqual([expected]);
  expect(await tableCounts()).toEqual(EMPTY);
  const r = await run(copy.dir, { validOnly: true });
  expect(r.status).toBe('completed');
  expect(r.rejections).toEqual([expected]);
  expect(r.counts.accounts).toEqual({ created: 239, unchanged: 0, rejected: 1 });
  expect(await t.db.account.findUnique({ where: { id: '100005' } })).toBeNull();
});

test('a row that already exists with different values is refused, and so is what hangs on it', async () => {
  await run(DEMO);
  const audit = await t.db.auditEvent.count();
  const copy = demoCopy();
  const line = copy.edit('customers.csv', 'C00005,', (l) =>
    l.replace(/^C00005,[^,]+,/, 'C00005,Someone Else,'),
  );
  const r = await run(copy.dir);
  expect(r.status).toBe('rejected');
  expect(r.rejections).toEqual([
    {
      file: 'customers.csv',
      line,
      field: 'customer_id',
      value: 'C00005',
      problem: 'already exists with different values (name)',
    },
    {
      file: 'accounts.csv',
      line: 6,
      field: 'customer_id',
      value: 'C00005',
      problem: 'refers to customer C00005, which was rejected',
    },
  ]);
  expect((await t.db.customer.findUniqueOrThrow({ where: { id: 'C00005' } })).name).not.toBe('Someone Else');
  expect(await t.db.auditEvent.count()).toBe(audit + 1);

  const partial = await run(copy.dir, { validOnly: true });
  expect(partial.status).toBe('unchanged');
  expect(partial.rejections).toEqual(r.rejections);
  expect(partial.counts.customers).toEqual({ created: 0, unchanged: 239, rejected: 1 });
});

/** A one-of-each export with the given ids, for cases the demo data does not cover. */
function tinyExport(
  n: { customer: string; premise: string; account: string },
  address = '1 Main St, Millbrook, PA 16801',
  eol = '\n',
) {
  const dir = tempDir();
  const files: Record<string, string[]> = {
    'customers.csv': [
      'customer_id,name,mailing_address,email,phone,language,paperless,date_of_birth',
      `${n.customer},Ann Example,"${address}",ann@example.org,(814) 555-0199,en,Y,`,
    ],
    'premises.csv': [
      'premise_id,service_address,zip,service_area,state,premise_type,heating,service_line_public,service_line_private',
      `${n.premise},"1 Main St, Millbrook, PA 16801",16801,North,PA,RESIDENTIAL,GAS,NON_LEAD,NON_LEAD`,
    ],
    'accounts.csv': [
      'account_id,customer_id,premise_id,class,bill_cycle,service_start,deposit_held,autopay',
      `${n.account},${n.customer},${n.premise},RES,1,2020-01-01,0.29,N`,
    ],
    'meters.csv': [
      'meter_id,premise_id,service,read_unit,dials,multiplier,size,endpoint_sn,installed',
      `W-${n.premise},${n.premise},WATER,GAL,6,10,"5/8""",EP-${n.premise},2019-05-01`,
    ],
  };
  for (const [f, lines] of Object.entries(files)) writeFileSync(path.join(dir, f), lines.join(eol) + eol);
  return dir;
}

test('a premise in a state no collections profile covers is refused, with what hangs on it', async () => {
  const copy = demoCopy();
  const line = copy.edit('premises.csv', 'P00007,', (l) => l.replace(',PA,RESIDENTIAL', ',VA,RESIDENTIAL'));
  const r = await run(copy.dir);
  expect(r.status).toBe('rejected');
  expect(r.rejections).toContainEqual({
    file: 'premises.csv',
    line,
    field: 'state',
    value: 'VA',
    problem: "no collections policy profile covers this state (neither the utility's own nor a state preset)",
  });
  expect(r.rejections.some((x) => x.file === 'accounts.csv' && x.value === 'P00007')).toBe(true);
  expect(await tableCounts()).toMatchObject({ premises: 0 });
});

test('line numbers count a quoted field that spans lines', async () => {
  const dir = tinyExport(
    { customer: 'C1', premise: 'P1', account: '1' },
    '1 Main St\nApt 2, Millbrook, PA 16801',
  );
  writeFileSync(
    path.join(dir, 'customers.csv'),
    readFileSync(path.join(dir, 'customers.csv'), 'utf8') + 'C2,Bo,"x",bad@,,en,N,\n',
  );
  const r = await run(dir);
  expect(r.rejections).toEqual([
    {
      file: 'customers.csv',
      line: 4,
      field: 'email',
      value: 'bad@',
      problem: 'is not a valid email address',
    },
  ]);
});

test('line numbers count a quoted CRLF as one line in a CRLF file, and blank lines too', async () => {
  const dir = tinyExport(
    { customer: 'C1', premise: 'P1', account: '1' },
    '1 Main St\r\nApt 2\r\nMillbrook, PA 16801',
    '\r\n',
  );
  writeFileSync(
    path.join(dir, 'customers.csv'),
    readFileSync(path.join(dir, 'customers.csv'), 'utf8') +
      'C2,Bo,"2 Main St\r\nMillbrook, PA 16801",bad@,,en,N,\r\n' +
      '\r\n' +
      'C3,Cy,"x",worse@,,en,N,\r\n',
  );
  const r = await run(dir);
  // Lines: 1 header, 2–4 C1, 5–6 C2, 7 blank, 8 C3.
  expect(r.rejections).toEqual([
    {
      file: 'customers.csv',
      line: 5,
      field: 'email',
      value: 'bad@',
      problem: 'is not a valid email address',
    },
    {
      file: 'customers.csv',
      line: 8,
      field: 'email',
      value: 'worse@',
      problem: 'is not a valid email address',
    },
  ]);
});

test('numbering sequences are moved past converted ids, so new records never collide', async () => {
  const dir = tinyExport({ customer: 'C900123', premise: 'P700000', account: '650000' });
  const r = await run(dir);
  expect(r.status).toBe('completed');
  const next = async (seq: string) =>
    (await t.db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT nextval('${seq}') AS n`))[0]!.n;
  expect(await next('customer_number_seq')).toBe(900124n);
  expect(await next('premise_number_seq')).toBe(700001n);
  expect(await next('account_number_seq')).toBe(650001n);
  expect((await t.db.account.findUniqueOrThrow({ where: { id: '650000' } })).depositHeldCents).toBe(29);
});

test('a meter may not take an AMI endpoint another meter already has', async () => {
  await run(DEMO);
  const dir = tinyExport({ customer: 'C9', premise: 'P9', account: '9' });
  const meters = path.join(dir, 'meters.csv');
  writeFileSync(meters, readFileSync(meters, 'utf8').replace('EP-P9', 'EP700001'));
  const r = await run(dir);
  expect(r.rejections).toEqual([
    {
      file: 'meters.csv',
      line: 2,
      field: 'endpoint_sn',
      value: 'EP700001',
      problem: 'already belongs to meter W000001',
    },
  ]);
  const partial = await run(dir, { validOnly: true });
  expect(partial.counts).toMatchObject({
    customers: { created: 1 },
    meters: { created: 0, rejected: 1 },
    servicePoints: { created: 0 },
  });
  expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
});
