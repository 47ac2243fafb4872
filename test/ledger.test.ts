// The ledger in the database: GET /accounts/:id/ledger (entries, open amounts, balance, past due,
// aging as of a day), the posting helpers other parts call (postCharge, postLateFee,
// pastDueBalances), immutability enforced by the database, and security deposits (required or
// waived, held when paid, refunded after 12 timely months with interest, applied on a final bill).
import { Client } from 'pg';
import { startTestApp, type TestApp } from './helpers/app';
import { ledgerFixtures } from './helpers/ledger-fixtures';
import { expectError } from './helpers/api-checks';
import { accountPosition, pastDueBalances, postCharge, postEntry, postLateFee } from '../services/ledger';
import {
  applyDepositToFinalBill,
  assessDeposit,
  recordDepositHeld,
  refundDepositIfDue,
} from '../services/deposits';

jest.setTimeout(120_000);

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

// ---- helpers -------------------------------------------------------------------------------------

const { newAccount, charge } = ledgerFixtures(() => app, {
  customer: 'Ledger',
  street: 'Ledger Ln',
  chargeKeyPrefix: 'ledger-test-charge',
});

let keySeq = 0;
async function pay(accountId: string, cents: number, receivedAt: string, channel = 'CHECK') {
  const res = await app.call(
    'csr',
    'POST',
    '/payments',
    { accountId, amountCents: cents, channel, receivedAt },
    { 'idempotency-key': `ledger-test-${++keySeq}` },
  );
  if (res.status !== 201) throw new Error(`payment: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function ledger(accountId: string, asOf?: string) {
  const res = await app.call('csr', 'GET', `/accounts/${accountId}/ledger${asOf ? `?asOf=${asOf}` : ''}`);
  expect(res.status).toBe(200);
  return res.body;
}

const tx = <T>(fn: Parameters<TestApp['t']['db']['$transaction']>[0] & ((t: any) => Promise<T>)) =>
  app.t.db.$transaction(fn) as Promise<T>;

// ---- GET /accounts/:id/ledger ---------------------------------------------------------------------

describe('GET /accounts/:id/ledger', () => {
  let acct: string;
  let ids: string[];

  beforeAll(async () => {
    acct = await newAccount();
    ids = [
      await charge(acct, 10_000, '2026-05-01', '2026-05-21'), // 193 days past due on 11-30
      await charge(acct, 8_000, '2026-09-01', '2026-09-21'), // 70
      await charge(acct, 7_000, '2026-10-01', '2026-10-21'), // 40
      await charge(acct, 6_000, '2026-11-01', '2026-11-30'), // current
    ];
    await pay(acct, 12_000, '2026-11-15T15:00:00Z');
  });

  test('entries with their open amounts, the balance, past due and the aging buckets as of a day', async () => {
    const l = await ledger(acct, '2026-11-30');
    expect(l).toMatchObject({
      accountId: acct,
      asOf: '2026-11-30',
      balanceCents: 19_000,
      owedCents: 19_000,
      creditBalanceCents: 0,
      pastDueCents: 13_000,
      aging: { current: 6_000, days1to30: 0, days31to60: 7_000, days61to90: 6_000, over90: 0 },
    });
    expect(Object.values(l.aging as Record<string, number>).reduce((s, x) => s + x, 0)).toBe(l.balanceCents);
    expect(l.entries.map((e: any) => [e.kind, e.amountCents, e.openCents, e.unappliedCents])).toEqual([
      ['CHARGE', 10_000, 0, null],
      ['CHARGE', 8_000, 6_000, null],
      ['CHARGE', 7_000, 7_000, null],
      ['CHARGE', 6_000, 6_000, null],
      ['PAYMENT', -12_000, null, 0],
    ]);
    expect(l.entries[0]).toMatchObject({
      id: ids[0],
      effectiveDate: '2026-05-01',
      dueDate: '2026-05-21',
      reversed: false,
    });
  });

  test('as of an earlier day: later entries do not count', async () => {
    const l = await ledger(acct, '2026-10-25');
    expect(l).toMatchObject({
      balanceCents: 25_000,
      pastDueCents: 25_000,
      aging: { current: 0, days1to30: 7_000, days31to60: 8_000, days61to90: 0, over90: 10_000 },
    });
    expect(l.entries).toHaveLength(3);
  });

  test('without asOf it is as of today; bad asOf → 400; unknown account → 404', async () => {
    const l = await ledger(acct);
    expect(l.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expectError(
      await app.call('csr', 'GET', `/accounts/${acct}/ledger?asOf=2026-02-30`),
      400,
      'validation_failed',
      'asOf',
    );
    expectError(
      await app.call('csr', 'GET', `/accounts/${acct}/ledger?from=2026-01-01`),
      400,
      'validation_failed',
      'from',
    );
    expectError(await app.call('csr', 'GET', '/accounts/NOPE9/ledger'), 404, 'not_found');
  });
});

// ---- immutability -------------------------------------------------------------------------------

describe('the database keeps the ledger immutable', () => {
  test('UPDATE and DELETE on ledger_entry through the application role are refused', async () => {
    const acct = await newAccount();
    const id = await charge(acct, 1_000, '2026-09-01', '2026-09-21');
    const c = new Client({ connectionString: app.t.appUrl });
    await c.connect();
    try {
      expect((await c.query('SELECT current_user AS u')).rows[0].u).toBe('opencis_app');
      await expect(c.query('UPDATE ledger_entry SET amount_cents = 1 WHERE id = $1', [id])).rejects.toThrow(
        /ledger_entry is immutable: UPDATE refused/,
      );
      await expect(c.query('DELETE FROM ledger_entry WHERE id = $1', [id])).rejects.toThrow(
        /ledger_entry is immutable: DELETE refused/,
      );
    } finally {
      await c.end();
    }
    await expect(
      app.t.db.ledgerEntry.update({ where: { id: BigInt(id) }, data: { memo: 'changed' } }),
    ).rejects.toThrow(/immutable/);
    expect((await app.t.db.ledgerEntry.findUniqueOrThrow({ where: { id: BigInt(id) } })).amountCents).toBe(
      1_000n,
    );
  });

  test('a payment only goes POSTED → RETURNED: its amount never changes, a return is never undone', async () => {
    const acct = await newAccount();
    const p = await pay(acct, 500, '2026-10-01T12:00:00Z');
    await expect(
      app.t.db.payment.update({ where: { id: p.payment.id }, data: { amountCents: 1n } }),
    ).rejects.toThrow(/only POSTED -> RETURNED/);
    expect(
      (await app.call('supervisor', 'POST', `/payments/${p.payment.id}/return`, { code: 'NSF_CHECK' }))
        .status,
    ).toBe(200);
    await expect(
      app.t.db.payment.update({ where: { id: p.payment.id }, data: { status: 'POSTED' } }),
    ).rejects.toThrow(/only POSTED -> RETURNED/);
  });
});

// ---- helpers for the bill cycle -----------------------------------------------------------------

describe('postCharge, postLateFee, pastDueBalances', () => {
  test('postCharge posts a bill CHARGE once per key, audited; a different entry under the key is refused', async () => {
    const acct = await newAccount();
    const input = {
      accountId: acct,
      amountCents: 12_345n,
      billId: 'B-TEST-1',
      effectiveDate: '2026-10-01',
      dueDate: new Date('2026-10-21T00:00:00Z'),
      idempotencyKey: 'bill:B-TEST-1:charge',
    };
    const first = await tx((t) => postCharge(t, input));
    expect(first).toMatchObject({
      created: true,
      kind: 'CHARGE',
      amountCents: 12_345n,
      billId: 'B-TEST-1',
      memo: 'Bill B-TEST-1',
    });
    const again = await tx((t) => postCharge(t, { ...input, memo: 'any memo' }));
    expect(again).toMatchObject({ created: false, id: first.id });
    await expect(tx((t) => postCharge(t, { ...input, amountCents: 12_346n }))).rejects.toMatchObject({
      code: 'idempotency_mismatch',
    });
    await expect(
      tx((t) => postCharge(t, { ...input, idempotencyKey: 'bill:B-TEST-1:zero', amountCents: 0n })),
    ).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await expect(
      tx((t) => postCharge(t, { ...input, accountId: 'NOPE7', idempotencyKey: 'x' })),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
    expect(await app.t.db.ledgerEntry.count({ where: { accountId: acct } })).toBe(1);
    expect(
      await app.t.db.auditEvent.count({
        where: { entityType: 'ledger_entry', entityId: first.id.toString() },
      }),
    ).toBe(1);
    // Sign rules per kind: a payment is a credit, a fee a charge.
    await expect(
      tx((t) =>
        postEntry(t, {
          accountId: acct,
          kind: 'PAYMENT',
          amountCents: 100n,
          effectiveDate: '2026-10-02',
          idempotencyKey: 'wrong-sign',
          memo: 'x',
        }),
      ),
    ).rejects.toMatchObject({ code: 'validation_failed', field: 'amountCents' });
  });

  test('pastDueBalances and postLateFee: 1.5% of the past-due balance, minimum $1.00, once per bill', async () => {
    const a = await newAccount();
    const b = await newAccount();
    const c = await newAccount();
    await charge(a, 10_100, '2026-09-01', '2026-09-21');
    await charge(a, 5_000, '2026-10-01', '2026-10-21'); // not yet past due on 10-21
    await charge(b, 3_000, '2026-09-01', '2026-09-21');
    await pay(b, 2_950, '2026-09-20T12:00:00Z');
    const pastDue = await pastDueBalances(app.t.db, [a, b, c], new Date('2026-10-21T00:00:00Z'));
    expect(pastDue).toEqual(
      new Map([
        [a, 10_100n],
        [b, 50n],
        [c, 0n],
      ]),
    );
    const fees = await tx(async (t) => ({
      a: await postLateFee(t, {
        accountId: a,
        pastDueCents: pastDue.get(a)!,
        asOf: '2026-10-22',
        billId: 'B-A',
        idempotencyKey: 'bill:B-A:late-fee',
      }),
      b: await postLateFee(t, {
        accountId: b,
        pastDueCents: pastDue.get(b)!,
        asOf: '2026-10-22',
        billId: 'B-B',
        idempotencyKey: 'bill:B-B:late-fee',
      }),
      c: await postLateFee(t, {
        accountId: c,
        pastDueCents: 0n,
        asOf: '2026-10-22',
        idempotencyKey: 'bill:B-C:late-fee',
      }),
    }));
    expect(fees.a).toMatchObject({ created: true, kind: 'LATE_FEE', amountCents: 152n, billId: 'B-A' }); // 151.5 → 152
    expect(fees.a!.dueDate!.toISOString().slice(0, 10)).toBe('2026-11-11');
    expect(fees.b).toMatchObject({ amountCents: 100n }); // 0.75 → the $1.00 minimum
    expect(fees.c).toBeNull();
    const retry = await tx((t) =>
      postLateFee(t, {
        accountId: a,
        pastDueCents: 10_100n,
        asOf: '2026-10-22',
        billId: 'B-A',
        idempotencyKey: 'bill:B-A:late-fee',
      }),
    );
    expect(retry).toMatchObject({ created: false, id: fees.a!.id });
    expect(await app.t.db.ledgerEntry.count({ where: { accountId: a, kind: 'LATE_FEE' } })).toBe(1);
    const tl = await app.call('csr', 'GET', `/accounts/${a}/timeline?kind=ledger.fee`);
    expect(tl.body.items.map((e: any) => e.summary)).toEqual([
      'Late payment charge on bill B-A: $1.52 (1.5% of $101.00 past due, minimum $1.00)',
    ]);
    expect((await accountPosition(app.t.db, a, '2026-10-22')).pastDueCents).toBe(15_100n);
  });
});

// ---- deposits -----------------------------------------------------------------------------------

describe('security deposits', () => {
  test('required for a new residential customer: 1/6 of the estimated annual billing, billed; held once paid', async () => {
    const acct = await newAccount('RES');
    const r = await tx((t) =>
      assessDeposit(t, {
        accountId: acct,
        estimatedAnnualBillingCents: 90_001n, // / 6 = 15,000.17 → $150.00
        newCustomer: true,
        satisfactoryHistory: false,
        effectiveDate: '2026-09-01',
        idempotencyKey: `account:${acct}:deposit`,
      }),
    );
    expect(r).toMatchObject({ required: true, amountCents: 15_000, code: 'NEW_RESIDENTIAL_NO_HISTORY' });
    const again = await tx((t) =>
      assessDeposit(t, {
        accountId: acct,
        estimatedAnnualBillingCents: 90_001n,
        newCustomer: true,
        satisfactoryHistory: false,
        effectiveDate: '2026-09-01',
        idempotencyKey: `account:${acct}:deposit`,
      }),
    );
    expect(again).toEqual(r);
    expect(await app.t.db.deposit.count({ where: { accountId: acct } })).toBe(1);
    const billed = await app.t.db.ledgerEntry.findFirstOrThrow({
      where: { accountId: acct, kind: 'DEPOSIT_BILLED' },
    });
    expect(billed).toMatchObject({ amountCents: 15_000n });
    expect(billed.dueDate!.toISOString().slice(0, 10)).toBe('2026-09-21');

    // A partial payment leaves it REQUIRED; paying the rest makes it HELD from that day.
    await pay(acct, 10_000, '2026-09-10T15:00:00Z');
    expect((await app.t.db.deposit.findFirstOrThrow({ where: { accountId: acct } })).status).toBe('REQUIRED');
    const last = await pay(acct, 5_000, '2026-09-15T15:00:00Z');
    const held = await app.t.db.deposit.findFirstOrThrow({ where: { accountId: acct } });
    expect(held.status).toBe('HELD');
    expect(held.heldSince!.toISOString().slice(0, 10)).toBe('2026-09-15');
    expect((await app.t.db.account.findUniqueOrThrow({ where: { id: acct } })).depositHeldCents).toBe(15_000);

    // The payment that completed it comes back: the deposit is unpaid (REQUIRED) again.
    expect(
      (await app.call('supervisor', 'POST', `/payments/${last.payment.id}/return`, { code: 'NSF_CHECK' }))
        .status,
    ).toBe(200);
    const back = await app.t.db.deposit.findFirstOrThrow({ where: { accountId: acct } });
    expect(back).toMatchObject({ status: 'REQUIRED', heldSince: null });
    expect((await app.t.db.account.findUniqueOrThrow({ where: { id: acct } })).depositHeldCents).toBe(0);
    const kinds = (await app.call('csr', 'GET', `/accounts/${acct}/timeline?kind=deposit.*`)).body.items.map(
      (e: any) => e.kind,
    );
    expect(kinds).toEqual(['deposit.required', 'deposit.held', 'deposit.required']);
  });

  test('a deposit paid only after service ended is not held on the final-billed account', async () => {
    const acct = await newAccount('RES');
    await tx((t) =>
      assessDeposit(t, {
        accountId: acct,
        estimatedAnnualBillingCents: 60_000n,
        newCustomer: true,
        satisfactoryHistory: false,
        effectiveDate: '2026-09-01',
        idempotencyKey: `account:${acct}:deposit`,
      }),
    );
    // Final-billed with the deposit still owed (as a stop before deposits were settled there left it).
    await app.t.db.account.update({ where: { id: acct }, data: { status: 'FINAL' } });
    await pay(acct, 10_000, '2026-09-10T15:00:00Z');
    expect(await app.t.db.deposit.findFirstOrThrow({ where: { accountId: acct } })).toMatchObject({
      status: 'REQUIRED',
      heldSince: null,
    });
    expect((await app.t.db.account.findUniqueOrThrow({ where: { id: acct } })).depositHeldCents).toBe(0);
  });

  test('waived with its reason for a commercial account and for a customer with history', async () => {
    const com = await newAccount('COM');
    const r = await tx((t) =>
      assessDeposit(t, {
        accountId: com,
        estimatedAnnualBillingCents: 500_000n,
        newCustomer: true,
        satisfactoryHistory: false,
        effectiveDate: '2026-09-01',
        idempotencyKey: `account:${com}:deposit`,
      }),
    );
    expect(r).toMatchObject({
      required: false,
      amountCents: 0,
      code: 'NOT_RESIDENTIAL',
      ledgerEntryId: null,
    });
    const res = await newAccount('RES');
    const h = await tx((t) =>
      assessDeposit(t, {
        accountId: res,
        estimatedAnnualBillingCents: 90_000n,
        newCustomer: true,
        satisfactoryHistory: true,
        effectiveDate: '2026-09-01',
        idempotencyKey: `account:${res}:deposit`,
      }),
    );
    expect(h).toMatchObject({ required: false, code: 'SATISFACTORY_HISTORY' });
    expect(await app.t.db.ledgerEntry.count({ where: { accountId: { in: [com, res] } } })).toBe(0);
    const d = await app.call('csr', 'GET', `/accounts/${res}/deposit`);
    expect(d.body.deposits).toEqual([
      expect.objectContaining({
        status: 'WAIVED',
        amountCents: 0,
        reason: 'Waived: the customer has a satisfactory payment history',
      }),
    ]);
  });

  test('refunded after 12 timely months with 4.0% simple interest ($150.00 → $6.00), as bill credits', async () => {
    const acct = await newAccount('RES');
    await tx((t) =>
      recordDepositHeld(t, {
        accountId: acct,
        amountCents: 15_000n,
        heldSince: '2025-10-15',
        reason: 'Deposit paid at the counter',
        idempotencyKey: `${acct}:counter-deposit`,
      }),
    );
    await charge(acct, 7_000, '2026-09-01', '2026-09-21');
    await pay(acct, 7_000, '2026-09-18T12:00:00Z');

    // Not before 12 months held.
    const early = await tx((t) => refundDepositIfDue(t, { accountId: acct, asOf: '2026-10-14' }));
    expect(early[0]!.decision).toMatchObject({
      due: false,
      code: 'HELD_UNDER_12_MONTHS',
      eligibleOn: '2026-10-15',
    });
    const view = await app.call('csr', 'GET', `/accounts/${acct}/deposit?asOf=2026-10-14`);
    expect(view.body).toMatchObject({
      depositHeldCents: 15_000,
      deposits: [
        {
          status: 'HELD',
          monthsHeld: 11,
          interestToDateCents: 550,
          refund: { due: false, eligibleOn: '2026-10-15' },
        },
      ],
    });

    const done = await tx((t) =>
      refundDepositIfDue(t, { accountId: acct, asOf: '2026-10-15', billId: 'B-REFUND' }),
    );
    expect(done[0]!.decision).toMatchObject({
      due: true,
      refundCents: 15_000n,
      interestCents: 600n,
      monthsHeld: 12,
    });
    const credits = await app.t.db.ledgerEntry.findMany({
      where: { accountId: acct, kind: { in: ['DEPOSIT_REFUND', 'DEPOSIT_INTEREST'] } },
      orderBy: { id: 'asc' },
    });
    expect(credits.map((c) => [c.kind, c.amountCents, c.billId])).toEqual([
      ['DEPOSIT_REFUND', -15_000n, 'B-REFUND'],
      ['DEPOSIT_INTEREST', -600n, 'B-REFUND'],
    ]);
    expect((await ledger(acct, '2026-10-15')).creditBalanceCents).toBe(15_600);
    expect(await app.t.db.deposit.findFirstOrThrow({ where: { accountId: acct } })).toMatchObject({
      status: 'REFUNDED',
    });
    expect((await app.t.db.account.findUniqueOrThrow({ where: { id: acct } })).depositHeldCents).toBe(0);
    // Once refunded, nothing more.
    expect(await tx((t) => refundDepositIfDue(t, { accountId: acct, asOf: '2026-11-15' }))).toEqual([]);
  });

  test('a late fee in the last 12 months holds the refund back', async () => {
    const acct = await newAccount('RES');
    await tx((t) =>
      recordDepositHeld(t, {
        accountId: acct,
        amountCents: 15_000n,
        heldSince: '2025-01-15',
        reason: 'Converted',
        idempotencyKey: `${acct}:conv`,
      }),
    );
    await tx((t) =>
      postLateFee(t, {
        accountId: acct,
        amountCents: 150n,
        asOf: '2026-03-22',
        idempotencyKey: `${acct}:late`,
      }),
    );
    // The fee itself paid: nothing past due, the late payment alone holds it back.
    await pay(acct, 150, '2026-03-25T15:00:00Z');
    const r = await tx((t) => refundDepositIfDue(t, { accountId: acct, asOf: '2026-10-15' }));
    expect(r[0]!.decision).toMatchObject({ due: false, code: 'LATE_PAYMENT', eligibleOn: '2027-03-22' });
    expect(await app.t.db.ledgerEntry.count({ where: { accountId: acct, kind: 'DEPOSIT_REFUND' } })).toBe(0);
  });

  test('applied on a final bill: the deposit and its interest to date are credits on it', async () => {
    const acct = await newAccount('RES');
    await tx((t) =>
      recordDepositHeld(t, {
        accountId: acct,
        amountCents: 15_000n,
        heldSince: '2026-02-10',
        reason: 'Paid',
        idempotencyKey: `${acct}:held`,
      }),
    );
    await charge(acct, 21_000, '2026-11-20', '2026-12-10'); // the final bill
    const applied = await tx((t) =>
      applyDepositToFinalBill(t, { accountId: acct, billId: 'B-FINAL', effectiveDate: '2026-11-20' }),
    );
    expect(applied).toEqual([
      { depositId: expect.any(String), creditedCents: 15_000, interestCents: 450, monthsHeld: 9 },
    ]);
    const l = await ledger(acct, '2026-11-20');
    expect(l.balanceCents).toBe(21_000 - 15_000 - 450);
    expect(l.entries.map((e: any) => [e.kind, e.amountCents, e.billId])).toEqual([
      ['CHARGE', 21_000, null],
      ['DEPOSIT_APPLIED', -15_000, 'B-FINAL'],
      ['DEPOSIT_INTEREST', -450, 'B-FINAL'],
    ]);
    expect(await app.t.db.deposit.findFirstOrThrow({ where: { accountId: acct } })).toMatchObject({
      status: 'APPLIED',
    });
    // Applying again does nothing.
    expect(
      await tx((t) =>
        applyDepositToFinalBill(t, { accountId: acct, billId: 'B-FINAL', effectiveDate: '2026-11-20' }),
      ),
    ).toEqual([]);
    const kinds = (await app.call('csr', 'GET', `/accounts/${acct}/timeline?kind=deposit.*`)).body.items.map(
      (e: any) => e.kind,
    );
    expect(kinds).toEqual(['deposit.applied', 'deposit.held']);
  });
});
