// Corrections to issued bills through the API: adjustment memos and cancel/rebill. Each test
// issues its own bill directly (a bill row, its lines, its CHARGE through postCharge), corrects
// it, and checks the bills, the ledger, the audit trail and the timeline — and that the issued
// bill itself never changed.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestApp, seedAccount, type TestApp } from './helpers/app';
import { expectError, rowCounts } from './helpers/api-checks';
import { postCharge, utilityDate } from '../services/ledger';
import { addDays } from '../domain/ledger';
import { verifyAuditChain } from '../lib/audit-verify';

jest.setTimeout(120_000);

let app: TestApp;
let seq = 0;

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

const BILL_DATE = addDays(utilityDate(), -20);
const DUE_DATE = addDays(BILL_DATE, 20);
const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

/** Water base 18.50, usage 12.30 + 7.56, sewer 27.53: 65.89. */
const LINES = [
  { component: 'BASE', description: 'Water base charge', amountCents: 1850n },
  { component: 'VOL-1', description: 'Water usage 0–3,000 gal', amountCents: 1230n },
  { component: 'VOL-2', description: 'Water usage over 3,000 gal', amountCents: 756n },
  { component: 'SEWER', description: 'Sewer 4,440 gal', amountCents: 2753n },
];
const TOTAL = 6589;

/** A fresh account with one ISSUED bill on it, its lines, and its CHARGE on the ledger. */
async function issuedBill() {
  const n = ++seq;
  const acct = await seedAccount(app, n);
  const id = `B-T-2026-11-${acct.accountId}`;
  await app.t.db.$transaction(async (tx) => {
    await tx.bill.create({
      data: {
        id,
        accountId: acct.accountId,
        kind: 'REGULAR',
        status: 'ISSUED',
        issuedAt: new Date(),
        periodFrom: day(addDays(BILL_DATE, -33)),
        periodTo: day(addDays(BILL_DATE, -2)),
        billDate: day(BILL_DATE),
        dueDate: day(DUE_DATE),
        totalCents: BigInt(TOTAL),
      },
    });
    await tx.billLine.createMany({
      data: LINES.map((l, i) => ({
        billId: id,
        lineNo: i + 1,
        service: 'WATER',
        component: l.component,
        description: l.description,
        quantity: 1,
        unit: 'period',
        rate: Number(l.amountCents) / 100,
        amountCents: l.amountCents,
        tariffSchedule: 'W-1',
        tariffVersion: '2026-14',
        periodFrom: day(addDays(BILL_DATE, -33)),
        periodTo: day(addDays(BILL_DATE, -2)),
        meterId: acct.meterId,
      })),
    });
    await postCharge(tx, {
      accountId: acct.accountId,
      amountCents: BigInt(TOTAL),
      billId: id,
      effectiveDate: BILL_DATE,
      dueDate: DUE_DATE,
      idempotencyKey: `bill:${id}:charge`,
    });
  });
  return { ...acct, billId: id };
}

async function balanceOf(accountId: string): Promise<number> {
  const r = await app.call('supervisor', 'GET', `/accounts/${accountId}/ledger`);
  expect(r.status).toBe(200);
  return r.body.balanceCents;
}

/** The bill as stored: its row and lines, for "unchanged" comparisons. */
async function stored(billId: string) {
  return app.t.db.bill.findUniqueOrThrow({
    where: { id: billId },
    include: { lines: { orderBy: { lineNo: 'asc' } } },
  });
}

/** Rows in the tables a correction writes. */
async function counts() {
  return rowCounts(app.t.db, [
    'bill',
    'bill_line',
    'ledger_entry',
    'audit_event',
    'timeline_event',
    'idempotency_record',
  ]);
}

const adjust = (billId: string, body: unknown, key: string | null, as = 'supervisor') =>
  app.call(as, 'POST', `/bills/${billId}/adjustments`, body, key ? { 'idempotency-key': key } : {});
const rebill = (billId: string, body: unknown, key: string | null, as = 'supervisor') =>
  app.call(as, 'POST', `/bills/${billId}/rebill`, body, key ? { 'idempotency-key': key } : {});

const leakCredit = {
  lines: [
    { correctsLineNo: 3, description: 'Leak allowance: usage over 3,000 gal', amountCents: -500 },
    { correctsLineNo: 4, description: 'Leak allowance: sewer', amountCents: -1000 },
  ],
  reason: 'Customer repaired a leak (work order 4411); ordinance leak allowance',
};

describe('adjustment', () => {
  test('lowers the balance by exactly the adjustment; the issued bill, its lines and total are unchanged', async () => {
    const b = await issuedBill();
    const before = await stored(b.billId);
    expect(await balanceOf(b.accountId)).toBe(TOTAL);

    const r = await adjust(b.billId, leakCredit, 'adj-1');
    expect(r.status).toBe(201);
    const memoId = `${b.billId}-A1`;
    expect(r.headers.get('location')).toBe(`/bills/${memoId}`);
    expect(r.body.adjustment).toMatchObject({
      id: memoId,
      kind: 'ADJUSTMENT',
      status: 'ISSUED',
      totalCents: -1500,
      accountId: b.accountId,
      replacesId: null,
    });
    // Each memo line names the line of the issued bill it corrects.
    const byNo = new Map(before.lines.map((l) => [l.lineNo, l.id.toString()]));
    expect(
      r.body.adjustment.lines.map((l: any) => [l.lineNo, l.amountCents, l.correctsLineId, l.component]),
    ).toEqual([
      [1, -500, byNo.get(3), 'ADJUSTMENT'],
      [2, -1000, byNo.get(4), 'ADJUSTMENT'],
    ]);
    expect(r.body.adjustedBill).toEqual({ id: b.billId, status: 'ISSUED', totalCents: TOTAL });
    expect(r.body.ledgerEntry).toMatchObject({
      kind: 'ADJUSTMENT',
      amountCents: -1500,
      billId: memoId,
      effectiveDate: utilityDate(),
    });
    expect(r.body.balanceCents).toBe(TOTAL - 1500);
    expect(await balanceOf(b.accountId)).toBe(TOTAL - 1500);
    const entry = await app.t.db.ledgerEntry.findUniqueOrThrow({
      where: { idempotencyKey: `bill:${memoId}:adjustment` },
    });
    expect(entry.amountCents).toBe(-1500n);

    // The issued bill: the same row, the same lines, the same total.
    expect(await stored(b.billId)).toEqual(before);
    const got = await app.call('csr', 'GET', `/bills/${b.billId}`);
    expect(got.body).toMatchObject({ status: 'ISSUED', totalCents: TOTAL });
    expect(got.body.lines).toHaveLength(4);

    // Readable as a bill, and listed against the bill it adjusts.
    expect((await app.call('auditor', 'GET', `/bills/${memoId}`)).body).toMatchObject({
      kind: 'ADJUSTMENT',
      totalCents: -1500,
    });
    const c = await app.call('csr', 'GET', `/bills/${b.billId}/corrections`);
    expect(c.body).toMatchObject({
      billId: b.billId,
      status: 'ISSUED',
      replacesId: null,
      replacedBy: null,
      adjustments: [{ id: memoId, status: 'ISSUED', totalCents: -1500 }],
    });
    expect((await app.call('csr', 'GET', `/bills/${memoId}/corrections`)).body.adjusts).toBe(b.billId);

    // Audited, on the timeline, and the audit chain still verifies.
    const audit = await app.t.db.auditEvent.findFirstOrThrow({
      where: { action: 'bill.adjust', entityId: memoId },
    });
    expect(audit).toMatchObject({ actor: 'supervisor', accountId: b.accountId, reason: leakCredit.reason });
    const tl = await app.call('csr', 'GET', `/accounts/${b.accountId}/timeline?kind=bill.*`);
    expect(tl.body.items.map((e: any) => e.kind)).toContain('bill.adjusted');
    expect((await verifyAuditChain(app.t.db)).ok).toBe(true);
  });

  test('a second adjustment is a second memo; a charge (positive) raises the balance and is due in 20 days', async () => {
    const b = await issuedBill();
    expect((await adjust(b.billId, leakCredit, 'adj-2a')).status).toBe(201);
    const r = await adjust(
      b.billId,
      {
        lines: [{ description: 'Meter test fee (customer request)', amountCents: 2500 }],
        reason: 'Meter test',
      },
      'adj-2b',
    );
    expect(r.status).toBe(201);
    expect(r.body.adjustment).toMatchObject({ id: `${b.billId}-A2`, totalCents: 2500 });
    expect(r.body.adjustment.lines[0]).toMatchObject({ correctsLineId: null, service: 'ACCOUNT' });
    expect(r.body.ledgerEntry).toMatchObject({ amountCents: 2500, dueDate: addDays(utilityDate(), 20) });
    expect(await balanceOf(b.accountId)).toBe(TOTAL - 1500 + 2500);
  });

  test('the database refuses changing or deleting a line of an issued bill, and changing its total', async () => {
    const b = await issuedBill();
    const before = await stored(b.billId);
    await expect(
      app.t.db.$executeRaw`UPDATE bill_line SET amount_cents = 1 WHERE bill_id = ${b.billId} AND line_no = 1`,
    ).rejects.toThrow(/immutable/);
    await expect(app.t.db.$executeRaw`DELETE FROM bill_line WHERE bill_id = ${b.billId}`).rejects.toThrow(
      /immutable/,
    );
    await expect(
      app.t.db.$executeRaw`UPDATE bill SET total_cents = 1 WHERE id = ${b.billId}`,
    ).rejects.toThrow(/immutable/);
    expect(await stored(b.billId)).toEqual(before);
  });

  test('the same Idempotency-Key returns the first answer and writes nothing; a different request under it is refused', async () => {
    const b = await issuedBill();
    const first = await adjust(b.billId, leakCredit, 'adj-replay');
    expect(first.status).toBe(201);
    const rows = await counts();

    const again = await adjust(b.billId, leakCredit, 'adj-replay');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await counts()).toEqual(rows);
    expect(await balanceOf(b.accountId)).toBe(TOTAL - 1500);

    const other = await adjust(b.billId, { ...leakCredit, reason: 'something else' }, 'adj-replay');
    expectError(other, 409, 'idempotency_mismatch', 'Idempotency-Key');
    expect(await counts()).toEqual(rows);
  });

  test('keys are per user: another user sending the same key is answered for their own request, never with the first', async () => {
    const b = await issuedBill();
    const mine = await adjust(b.billId, leakCredit, 'adj-shared', 'supervisor');
    expect(mine.status).toBe(201);
    // Another user, same key, a different request: not a mismatch with someone else's correction.
    const theirs = await adjust(b.billId, { ...leakCredit, reason: 'Second look' }, 'adj-shared', 'admin');
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(theirs.body.adjustment.id).not.toBe(mine.body.adjustment.id);
    expect(await balanceOf(b.accountId)).toBe(TOTAL - 3000);
    // Each retry is answered with its own user's first answer.
    const mineAgain = await adjust(b.billId, leakCredit, 'adj-shared', 'supervisor');
    expect(mineAgain.headers.get('idempotent-replayed')).toBe('true');
    expect(mineAgain.body).toEqual(mine.body);
    expect(await balanceOf(b.accountId)).toBe(TOTAL - 3000);
  });

  test('a correction stored under the key alone (before keys were per user) is still answered once', async () => {
    const b = await issuedBill();
    const first = await adjust(b.billId, leakCredit, 'adj-old');
    expect(first.status).toBe(201);
    // As a correction recorded before keys were kept per user was stored.
    await app.t.db.idempotencyRecord.updateMany({
      where: { scope: 'bill-adjustment', key: { endsWith: ' adj-old' } },
      data: { key: 'bill-adjustment:adj-old' },
    });
    const rows = await counts();
    const retry = await adjust(b.billId, leakCredit, 'adj-old');
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(await counts()).toEqual(rows);
  });
});

describe('cancel and rebill', () => {
  test('cancels the bill, reverses its charge, issues the replacement; the balance is the replacement total', async () => {
    const b = await issuedBill();
    const before = await stored(b.billId);
    const charge = await app.t.db.ledgerEntry.findUniqueOrThrow({
      where: { idempotencyKey: `bill:${b.billId}:charge` },
    });
    const body = {
      reason: 'Meter read misentered: 4,440 gal was 3,440 gal',
      lines: [
        { correctsLineNo: 1, description: 'Water base charge', amountCents: 1850 },
        { correctsLineNo: 2, description: 'Water usage 0–3,000 gal', amountCents: 1230 },
        { correctsLineNo: 3, description: 'Water usage over 3,000 gal', amountCents: 231 },
        { correctsLineNo: 4, description: 'Sewer 3,440 gal', amountCents: 2133 },
      ],
    };
    const r = await rebill(b.billId, body, 'rebill-1');
    expect(r.status).toBe(201);
    const newId = `${b.billId}-R1`;
    expect(r.headers.get('location')).toBe(`/bills/${newId}`);
    expect(r.body.cancelled).toMatchObject({ id: b.billId, status: 'CANCELLED', totalCents: TOTAL });
    expect(r.body.replacement).toMatchObject({
      id: newId,
      kind: 'REBILL',
      status: 'ISSUED',
      replacesId: b.billId,
      totalCents: 5444,
      billDate: utilityDate(),
      dueDate: addDays(utilityDate(), 20),
    });
    expect(r.body.replacement.lines.map((l: any) => [l.amountCents, l.correctsLineId])).toEqual(
      before.lines.map((l, i) => [body.lines[i]!.amountCents, l.id.toString()]),
    );
    // The charge is exactly reversed, naming the entry it reverses.
    expect(r.body.reversals).toEqual([
      expect.objectContaining({
        kind: 'ADJUSTMENT',
        amountCents: -TOTAL,
        billId: b.billId,
        reversesEntryId: charge.id.toString(),
      }),
    ]);
    expect(await app.t.db.ledgerEntry.count({ where: { idempotencyKey: `bill:${b.billId}:cancel` } })).toBe(
      1,
    );
    expect(r.body.charge).toMatchObject({ kind: 'CHARGE', amountCents: 5444, billId: newId });
    expect(await app.t.db.ledgerEntry.count({ where: { idempotencyKey: `bill:${newId}:charge` } })).toBe(1);
    expect(r.body.balanceCents).toBe(5444);
    expect(await balanceOf(b.accountId)).toBe(5444);

    // Both bills stay readable; the original's lines and total never changed.
    const orig = await stored(b.billId);
    expect(orig.status).toBe('CANCELLED');
    expect(orig.cancelledAt).toEqual(expect.any(Date));
    expect({ ...orig, status: before.status, cancelledAt: null }).toEqual(before);
    expect((await app.call('csr', 'GET', `/bills/${b.billId}`)).body).toMatchObject({ status: 'CANCELLED' });
    // The replacement's account summary: the cancelled bill brought forward and reversed, the
    // replacement's charges, the balance as the ledger has it.
    expect((await app.call('csr', 'GET', `/bills/${newId}`)).body).toMatchObject({
      replacesId: b.billId,
      statement: {
        previousBalanceCents: TOTAL,
        activity: [{ label: 'correction', kind: 'ADJUSTMENT', billId: b.billId, amountCents: -TOTAL }],
        balanceForwardCents: 0,
        currentChargesCents: 5444,
        totalDueCents: 5444,
        amountDueCents: 5444,
      },
    });
    expect((await app.call('csr', 'GET', `/bills/${b.billId}/corrections`)).body).toMatchObject({
      status: 'CANCELLED',
      replacedBy: newId,
    });
    expect((await app.call('csr', 'GET', `/bills/${newId}/corrections`)).body).toMatchObject({
      replacesId: b.billId,
      replacedBy: null,
    });

    const audit = await app.t.db.auditEvent.findMany({
      where: { entityId: { in: [b.billId, newId] }, action: { in: ['bill.cancel', 'bill.rebill'] } },
    });
    expect(audit.map((a) => a.action).sort()).toEqual(['bill.cancel', 'bill.rebill']);
    const tl = await app.call('csr', 'GET', `/accounts/${b.accountId}/timeline?kind=bill.*`);
    expect(tl.body.items.map((e: any) => e.kind)).toContain('bill.rebilled');
    expect((await verifyAuditChain(app.t.db)).ok).toBe(true);
  });

  test('without lines, restates the bill as adjusted: its lines, then its memos’ lines; the memos are cancelled too', async () => {
    const b = await issuedBill();
    const adj = await adjust(b.billId, leakCredit, 'rebill-2-adj');
    expect(adj.status).toBe(201);
    const memoId = adj.body.adjustment.id as string;
    // A payment on the original bill is re-applied to the replacement.
    const paid = await app.call(
      'csr',
      'POST',
      '/payments',
      { accountId: b.accountId, amountCents: 2000, channel: 'CHECK' },
      { 'idempotency-key': `pay-${b.billId}` },
    );
    expect(paid.status).toBe(201);

    const r = await rebill(b.billId, { reason: 'Reissue with the leak allowance folded in' }, 'rebill-2');
    expect(r.status).toBe(201);
    const replacementTotal = TOTAL - 1500;
    expect(r.body.replacement).toMatchObject({ totalCents: replacementTotal, replacesId: b.billId });
    expect(r.body.replacement.lines.map((l: any) => [l.lineNo, l.description, l.amountCents])).toEqual([
      ...LINES.map((l, i) => [i + 1, l.description, Number(l.amountCents)]),
      [5, leakCredit.lines[0]!.description, -500],
      [6, leakCredit.lines[1]!.description, -1000],
    ]);
    expect(r.body.cancelledAdjustments).toEqual([memoId]);
    expect(r.body.reversals.map((e: any) => [e.billId, e.amountCents])).toEqual([
      [b.billId, -TOTAL],
      [memoId, 1500],
    ]);
    expect((await stored(memoId)).status).toBe('CANCELLED');
    expect(await balanceOf(b.accountId)).toBe(replacementTotal - 2000);

    const ledger = await app.call('csr', 'GET', `/accounts/${b.accountId}/ledger`);
    const open = ledger.body.entries.filter((e: any) => e.openCents !== null && e.openCents > 0);
    expect(open.map((e: any) => [e.billId, e.openCents])).toEqual([
      [r.body.replacement.id, replacementTotal - 2000],
    ]);
  });

  test('the same request again (same Idempotency-Key) changes nothing; a cancelled bill cannot be corrected again (409)', async () => {
    const b = await issuedBill();
    const first = await rebill(b.billId, { reason: 'Tariff applied in error' }, 'rebill-3');
    expect(first.status).toBe(201);
    const rows = await counts();
    const balance = await balanceOf(b.accountId);

    const again = await rebill(b.billId, { reason: 'Tariff applied in error' }, 'rebill-3');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await counts()).toEqual(rows);
    expect(await balanceOf(b.accountId)).toBe(balance);

    const twice = await rebill(b.billId, { reason: 'Tariff applied in error' }, 'rebill-3-new-key');
    expectError(twice, 409, 'conflict');
    expect(twice.body.error.message).toMatch(new RegExp(`replaced by bill ${b.billId}-R1`));
    expectError(await adjust(b.billId, leakCredit, 'adjust-cancelled'), 409, 'conflict');
    expect(await counts()).toEqual(rows);

    // The replacement can itself be rebilled: the chain goes on from the first bill.
    const next = await rebill(`${b.billId}-R1`, { reason: 'Second correction' }, 'rebill-3-chain');
    expect(next.status).toBe(201);
    expect(next.body.replacement).toMatchObject({ id: `${b.billId}-R2`, replacesId: `${b.billId}-R1` });
    expect(await balanceOf(b.accountId)).toBe(TOTAL);
  });
  test('two rebills of one bill at once: exactly one happens; the same key at once: one rebill, one replay', async () => {
    const b = await issuedBill();
    const racing = await Promise.all([
      rebill(b.billId, { reason: 'race A' }, 'race-a'),
      rebill(b.billId, { reason: 'race B' }, 'race-b'),
    ]);
    expect(racing.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(await app.t.db.bill.count({ where: { replacesId: b.billId } })).toBe(1);
    expect(await balanceOf(b.accountId)).toBe(TOTAL);

    const c = await issuedBill();
    const same = await Promise.all([
      rebill(c.billId, { reason: 'same' }, 'race-same'),
      rebill(c.billId, { reason: 'same' }, 'race-same'),
    ]);
    expect(same.map((r) => r.status)).toEqual([201, 201]);
    expect(same[0]!.body).toEqual(same[1]!.body);
    expect(same.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(1);
    expect(await app.t.db.bill.count({ where: { replacesId: c.billId } })).toBe(1);
    expect(await balanceOf(c.accountId)).toBe(TOTAL);
  });
});

describe('refusals', () => {
  test('auditor and csr are refused (403) and nothing is written', async () => {
    const b = await issuedBill();
    const rows = await counts();
    for (const as of ['auditor', 'csr']) {
      expectError(await adjust(b.billId, leakCredit, `403-adj-${as}`, as), 403, 'forbidden');
      expectError(await rebill(b.billId, { reason: 'x' }, `403-rebill-${as}`, as), 403, 'forbidden');
    }
    expect(await counts()).toEqual(rows);
    expect((await stored(b.billId)).status).toBe('ISSUED');
  });

  test('bad input → 400 naming the field; an unknown bill → 404; nothing is written', async () => {
    const b = await issuedBill();
    const rows = await counts();
    const line = { correctsLineNo: 1, description: 'Credit', amountCents: -100 };
    const cases: [string, () => ReturnType<typeof adjust>, string][] = [
      [
        'zero amount',
        () => adjust(b.billId, { lines: [{ ...line, amountCents: 0 }], reason: 'r' }, 'k1'),
        'lines.0.amountCents',
      ],
      [
        'fractional cents',
        () => adjust(b.billId, { lines: [{ ...line, amountCents: 1.5 }], reason: 'r' }, 'k2'),
        'lines.0.amountCents',
      ],
      ['no reason', () => adjust(b.billId, { lines: [line] }, 'k3'), 'reason'],
      ['blank reason', () => rebill(b.billId, { reason: '  ' }, 'k4'), 'reason'],
      ['no lines', () => adjust(b.billId, { lines: [], reason: 'r' }, 'k5'), 'lines'],
      [
        'no description',
        () => adjust(b.billId, { lines: [{ amountCents: -100 }], reason: 'r' }, 'k6'),
        'lines.0.description',
      ],
      ['unknown field', () => adjust(b.billId, { lines: [line], reason: 'r', total: 1 }, 'k7'), 'total'],
      [
        'a line the bill does not have',
        () => adjust(b.billId, { lines: [{ ...line, correctsLineNo: 9 }], reason: 'r' }, 'k8'),
        'lines.0.correctsLineNo',
      ],
      [
        'lines netting to zero',
        () => adjust(b.billId, { lines: [line, { ...line, amountCents: 100 }], reason: 'r' }, 'k9'),
        'lines',
      ],
      [
        'zero amount on a rebill line',
        () => rebill(b.billId, { reason: 'r', lines: [{ ...line, amountCents: 0 }] }, 'k10'),
        'lines.0.amountCents',
      ],
      ['no Idempotency-Key', () => adjust(b.billId, { lines: [line], reason: 'r' }, null), 'Idempotency-Key'],
      ['no Idempotency-Key (rebill)', () => rebill(b.billId, { reason: 'r' }, null), 'Idempotency-Key'],
    ];
    for (const [name, call, field] of cases) {
      const res = await call();
      try {
        expectError(res, 400, 'validation_failed', field);
      } catch (err) {
        throw new Error(`${name}: ${(err as Error).message}`);
      }
    }
    expectError(await adjust('B-NO-SUCH-BILL', { lines: [line], reason: 'r' }, 'k11'), 404, 'not_found');
    expectError(await rebill('B-NO-SUCH-BILL', { reason: 'r' }, 'k12'), 404, 'not_found');
    expect(await counts()).toEqual(rows);
    expect((await stored(b.billId)).status).toBe('ISSUED');
  });

  test('a draft bill and an adjustment memo cannot be corrected (409)', async () => {
    const b = await issuedBill();
    const memo = await adjust(b.billId, leakCredit, 'memo-409');
    expect(memo.status).toBe(201);
    const r = await adjust(memo.body.adjustment.id, leakCredit, 'memo-409-adj');
    expectError(r, 409, 'conflict');
    expect(r.body.error.message).toMatch(new RegExp(`correct bill ${b.billId} instead`));
    expectError(await rebill(memo.body.adjustment.id, { reason: 'r' }, 'memo-409-rebill'), 409, 'conflict');

    const draftId = `${b.billId}-DRAFT`;
    await app.t.db.bill.create({
      data: {
        id: draftId,
        accountId: b.accountId,
        status: 'DRAFT',
        periodFrom: day(BILL_DATE),
        periodTo: day(BILL_DATE),
        billDate: day(BILL_DATE),
        dueDate: day(DUE_DATE),
        totalCents: 0n,
      },
    });
    expectError(await rebill(draftId, { reason: 'r' }, 'draft-409'), 409, 'conflict');
  });
});

describe('resending an unconfirmed bill email', () => {
  const resend = (billId: string, body: unknown, key = 'csr') =>
    app.call(key, 'POST', `/bills/${encodeURIComponent(billId)}/resend-email`, body);
  /** The register row a stopped delivery leaves for the bill's email, marked or still in flight. */
  async function claimed(b: { billId: string; accountId: string }, marked: boolean) {
    await app.t.db.notice.create({
      data: {
        accountId: b.accountId,
        billId: b.billId,
        type: 'BILL',
        channel: 'EMAIL',
        language: 'en',
        recipient: 'old-address@example.org',
        contentHash: 'a'.repeat(64),
        idempotencyKey: `bill:${b.billId}:EMAIL`,
        sentAt: new Date(),
        unconfirmedAt: marked ? new Date() : null,
      },
    });
  }
  /** Messages the SMTP listener caught for this bill (by the register key each carries). */
  const caughtFor = (billId: string) =>
    readdirSync(app.mailDir)
      .filter((f) => f.endsWith('.eml'))
      .map((f) => readFileSync(path.join(app.mailDir, f), 'utf8'))
      .filter((m) => m.includes(`bill:${billId}:EMAIL`));

  test('sends it once to the address on file, records it, and refuses a second resend', async () => {
    const b = await issuedBill();
    await claimed(b, true);
    const email = (await app.t.db.account.findUniqueOrThrow({
      where: { id: b.accountId },
      include: { customer: true },
    }))!.customer.email!;

    expectError(await resend(b.billId, {}), 400, 'validation_failed', 'reason');
    expectError(await resend(b.billId, { reason: 'customer called' }, 'auditor'), 403, 'forbidden');
    expect(caughtFor(b.billId)).toHaveLength(0);

    const r = await resend(b.billId, { reason: 'customer called: no bill this month' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ billId: b.billId, recipient: email, messageId: expect.any(String) });
    const mail = caughtFor(b.billId);
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatch(new RegExp(`^To: .*${email.replace('.', '\\.')}`, 'im'));
    const notice = await app.t.db.notice.findUniqueOrThrow({
      where: { idempotencyKey: `bill:${b.billId}:EMAIL` },
    });
    expect(notice).toMatchObject({ messageId: r.body.messageId, recipient: email, unconfirmedAt: null });
    const audit = await app.t.db.auditEvent.findFirstOrThrow({
      where: { action: 'bill.email_resent', entityId: b.billId },
    });
    expect(audit).toMatchObject({
      actor: expect.stringMatching(/csr/),
      reason: 'customer called: no bill this month',
    });
    expect(
      await app.t.db.timelineEvent.count({ where: { kind: 'bill.email_resent', entityId: b.billId } }),
    ).toBe(1);

    const again = await resend(b.billId, { reason: 'asked twice' });
    expectError(again, 409, 'conflict');
    expect(again.body.error.message).toMatch(/confirmed sent/);
    expect(caughtFor(b.billId)).toHaveLength(1);
  });

  test('a bill not emailed, an unknown bill, and an email still in flight are refused; nothing is sent', async () => {
    const printed = await issuedBill();
    const r = await resend(printed.billId, { reason: 'r' });
    expectError(r, 409, 'conflict');
    expect(r.body.error.message).toMatch(/not emailed/);
    expectError(await resend('B-NO-SUCH-BILL', { reason: 'r' }), 404, 'not_found');

    const replaced = await issuedBill();
    await claimed(replaced, true);
    expect((await rebill(replaced.billId, { reason: 'wrong read' }, 'resend-replaced')).status).toBe(201);
    const c = await resend(replaced.billId, { reason: 'r' });
    expectError(c, 409, 'conflict');
    expect(c.body.error.message).toMatch(/cancelled, not issued/);

    const inFlight = await issuedBill();
    await claimed(inFlight, false);
    const f = await resend(inFlight.billId, { reason: 'r' });
    expectError(f, 409, 'conflict');
    expect(f.body.error.message).toMatch(/now marked unconfirmed/);
    expect(caughtFor(inFlight.billId)).toHaveLength(0);
    // Marked now: a person may resend it deliberately.
    const n = await app.t.db.notice.findUniqueOrThrow({
      where: { idempotencyKey: `bill:${inFlight.billId}:EMAIL` },
    });
    expect(n.unconfirmedAt).toBeInstanceOf(Date);
    expect((await resend(inFlight.billId, { reason: 'checked with the customer' })).status).toBe(200);
    expect(caughtFor(inFlight.billId)).toHaveLength(1);
  });
});
