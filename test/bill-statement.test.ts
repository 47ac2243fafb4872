// The account summary on a bill: previous balance, what happened since the last bill, balance
// forward, current charges, total due — every ledger entry on exactly one bill, even one committed
// while the bill was being issued; the figures fixed once printed; the email, the PDF and the print
// vendor's amount_due all say the same.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { parse } from 'csv-parse/sync';
import { startTestApp, type TestApp } from './helpers/app';
import { ledgerFixtures } from './helpers/ledger-fixtures';
import { draftBill as draftOne } from './helpers/draft-bill';
import type { PoolClient } from 'pg';
import { issueBills } from '../activities/bill-cycle/issue-bills';
import { onConnection, recordStatements } from '../services/statements';
import { accountPosition, postLateFee } from '../services/ledger';
import { dateText, loadBillView, renderBill, type BillLabels } from '../services/bill-render';
import { addDays, addMonths } from '../domain/ledger';
import { recordDepositHeld } from '../services/deposits';
import { utilityDate } from '../services/ledger';
import { billPdf } from '../lib/pdf/bill-pdf';
import { deliverBills } from '../services/bill-delivery';

jest.setTimeout(120_000);

let app: TestApp;
const { newAccount, charge } = ledgerFixtures(() => app, {
  customer: 'Statement',
  street: 'Ledger Ln',
  chargeKeyPrefix: 'statement-charge',
});

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

// Bills are issued on their bill date, and a returned payment is recorded today: the scenario's
// days are counted back from today.
const today = utilityDate();
const ago = (days: number) => addDays(today, -days);
const english = JSON.parse(
  readFileSync(path.join(__dirname, '..', 'notices', 'bill', 'en', 'labels.json'), 'utf8'),
) as BillLabels;
const written = (iso: string) => dateText(iso, english);
let keySeq = 0;

/** A draft regular bill of one line in a cycle run of its own (made as the rating stage would). */
const draftBill = (accountId: string, period: string, cents: number, billDate: string, dueDate: string) =>
  draftOne(app, accountId, { period, cents, billDate, dueDate, idPrefix: 'ST' });

const issue = (runId: string) => issueBills(app.t.db, { runId, afterAccountId: null, limit: 100 });

async function statementOf(billId: string) {
  return app.t.db.billStatement.findUniqueOrThrow({ where: { billId } });
}

async function pay(accountId: string, cents: number, receivedAt: string, channel = 'CHECK') {
  const r = await app.call(
    'csr',
    'POST',
    '/payments',
    { accountId, amountCents: cents, channel, receivedAt: `${receivedAt}T15:00:00Z` },
    { 'idempotency-key': `statement-test-${++keySeq}` },
  );
  if (r.status !== 201) throw new Error(`payment: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.payment.id as string;
}

test('each bill brings forward what the last one said, shows what happened since, and nothing twice', async () => {
  const acct = await newAccount();

  // The first bill. Nothing before it.
  const oct = await draftBill(acct, '2026-10', 4500, ago(40), ago(20));
  await issue(oct.runId);
  expect(await statementOf(oct.id)).toMatchObject({
    previousBalanceCents: 0n,
    activityCents: 0n,
    balanceForwardCents: 0n,
    currentChargesCents: 4500n,
    totalDueCents: 4500n,
    pastDueCents: 0n,
  });

  // Since: $30.00 paid, a late charge on the $15.00 left, a $10.00 check that bounced.
  await pay(acct, 3000, ago(25));
  await app.t.db.$transaction((tx) =>
    postLateFee(tx, {
      accountId: acct,
      pastDueCents: 1500n,
      asOf: ago(19),
      idempotencyKey: `late:${acct}:oct`,
    }),
  );
  const bounced = await pay(acct, 1000, ago(5));
  const ret = await app.call('supervisor', 'POST', `/payments/${bounced}/return`, { code: 'NSF_CHECK' });
  expect(ret.status).toBe(200);

  // A payment being recorded while November's bills are issued: not yet committed, so not on them.
  const inFlight = new Client({ connectionString: app.t.appUrl });
  await inFlight.connect();
  try {
    await inFlight.query('BEGIN');
    await inFlight.query(
      `INSERT INTO ledger_entry (account_id, kind, amount_cents, effective_date, idempotency_key, memo)
       VALUES ($1, 'PAYMENT', -500, $3::date, $2, 'Payment in flight')`,
      [acct, `in-flight:${acct}`, today],
    );

    const nov = await draftBill(acct, '2026-11', 5000, today, addDays(today, 20));
    const position = await accountPosition(app.t.db, acct, today);
    await issue(nov.runId); // does not wait for the writer in flight
    await inFlight.query('COMMIT');

    // 45.00 − 30.00 + 1.00 (minimum late charge) − 10.00 + 10.00 (returned) + 25.00 (returned check charge)
    const s = await statementOf(nov.id);
    expect(s).toMatchObject({
      previousBalanceCents: 4500n,
      activityCents: -3000n + 100n - 1000n + 1000n + 2500n,
      balanceForwardCents: 4100n,
      currentChargesCents: 5000n,
      totalDueCents: 9100n,
    });
    // Past due on the bill date: what is left of October's bill (the two charges since are not due).
    expect(s.pastDueCents).toBe(1500n);
    expect(position.pastDueCents).toBe(1500n);
    expect(position.balanceCents).toBe(4100n);

    const view = await loadBillView(app.t.db, nov.id);
    expect(view.statement?.activity.map((a) => [a.description, a.amountText])).toEqual([
      [`Payment received, thank you (${written(ago(25))})`, '-$30.00'],
      [`Late payment charge (${written(ago(19))})`, '$1.00'],
      [`Payment received, thank you (${written(ago(5))})`, '-$10.00'],
      [`Payment returned by the bank (${written(today)})`, '$10.00'],
      [`Returned payment charge (${written(today)})`, '$25.00'],
    ]);
    expect([view.amountDueText, view.totalText, view.statement?.pastDueText]).toEqual([
      '$91.00',
      '$50.00',
      'Includes $15.00 past due: please pay it now.',
    ]);
    const mail = renderBill(view);
    expect(mail.subject).toContain(`$91.00 due ${written(addDays(today, 20))}`);
    expect(mail.text).toContain('Previous balance: $45.00');
    expect(mail.text).toContain('Balance forward: $41.00');
    expect(mail.text).toContain('Current charges: $50.00');
    expect(mail.text).toContain('Total amount due: $91.00');
    expect(mail.html).toContain(`Returned payment charge (${written(today)})`);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'statement-pdf-'));
    writeFileSync(path.join(dir, 'bill.pdf'), billPdf(view));
    const text = execFileSync('pdftotext', ['-layout', path.join(dir, 'bill.pdf'), '-'], {
      encoding: 'utf8',
    });
    expect(text).toMatch(/Account summary/);
    expect(text).toMatch(/Previous balance\s+\$45\.00/);
    expect(text).toMatch(/Balance forward\s+\$41\.00/);
    expect(text).toMatch(/Total amount due\s+\$91\.00/);
    expect(text).toContain('Includes $15.00 past due');

    // The print vendor's remittance amount is what the customer owes, not this bill's charges alone.
    const printed = await deliverBills(
      { db: app.t.db, mailer: app.mailer, outDir: app.outDir },
      { billIds: [nov.id], actor: { id: 'test', role: 'admin' } },
    );
    expect(printed).toMatchObject({ printed: 1, emailed: 0 });
    const [row] = parse(readFileSync(printed.csvPath!, 'utf8'), { columns: true }) as Record<
      string,
      string
    >[];
    expect(row).toMatchObject({
      bill_id: nov.id,
      amount_due: '91.00',
      current_charges: '50.00',
      past_due: '15.00',
    });

    // The API: the figures and each entry's wording key; the account's bills with their total due.
    const api = await app.call('csr', 'GET', `/bills/${nov.id}`);
    expect(api.body.statement).toMatchObject({
      previousBalanceCents: 4500,
      balanceForwardCents: 4100,
      currentChargesCents: 5000,
      totalDueCents: 9100,
      amountDueCents: 9100,
      pastDueCents: 1500,
    });
    expect(api.body.statement.activity.map((a: { label: string }) => a.label)).toEqual([
      'payment',
      'lateCharge',
      'payment',
      'paymentReturned',
      'returnedPaymentCharge',
    ]);
    const list = await app.call('csr', 'GET', `/accounts/${acct}/bills`);
    expect(
      list.body.items.map((b: { id: string; totalDueCents: number }) => [b.id, b.totalDueCents]),
    ).toEqual([
      [nov.id, 9100],
      [oct.id, 4500],
    ]);

    const timeline = await app.t.db.timelineEvent.findFirstOrThrow({
      where: { accountId: acct, kind: 'bill.issued', entityId: nov.id },
    });
    expect(timeline.summary).toContain('total amount due $91.00');

    // December: the payment that was in flight is here, once; November's total is brought forward.
    const dec = await draftBill(acct, '2026-12', 4000, addDays(today, 30), addDays(today, 50));
    await issue(dec.runId);
    expect(await statementOf(dec.id)).toMatchObject({
      previousBalanceCents: 9100n,
      activityCents: -500n,
      totalDueCents: 9100n - 500n + 4000n,
    });
    const decView = await loadBillView(app.t.db, dec.id);
    expect(decView.statement?.activity.map((a) => a.description)).toEqual([
      `Payment received, thank you (${written(today)})`,
    ]);

    // Every entry is on exactly one bill, and the last bill's total is the ledger's balance.
    const placed = await app.t.db.$queryRaw<{ bill_id: string | null; n: bigint }[]>`
      SELECT s.bill_id, count(*) AS n FROM statement_entry s WHERE s.account_id = ${acct}
      GROUP BY s.bill_id ORDER BY s.bill_id`;
    expect(placed.map((p) => [p.bill_id, Number(p.n)])).toEqual([
      [oct.id, 1],
      [nov.id, 6],
      [dec.id, 2],
    ]);
    expect((await accountPosition(app.t.db, acct, addDays(today, 60))).balanceCents).toBe(12600n);
  } finally {
    await inFlight.end();
  }
});

test('a retried batch changes nothing; a printed summary and its entries cannot be changed', async () => {
  const acct = await newAccount();
  const b = await draftBill(acct, '2027-01', 2000, '2027-01-05', '2027-01-25');
  const first = await issue(b.runId);
  const again = await issue(b.runId);
  expect(again).toEqual(first);
  expect(await app.t.db.billStatement.count({ where: { billId: b.id } })).toBe(1);

  await expect(
    app.t.db.$executeRaw`UPDATE bill_statement SET total_due_cents = 0, current_charges_cents = 0,
      balance_forward_cents = 0 WHERE bill_id = ${b.id}`,
  ).rejects.toThrow(/immutable|fixed when it is issued/);
  await expect(
    app.t.db.$executeRaw`UPDATE statement_entry SET bill_id = NULL WHERE bill_id = ${b.id}`,
  ).rejects.toThrow(/stays on that bill/);
  await expect(app.t.db.$executeRaw`DELETE FROM statement_entry WHERE bill_id = ${b.id}`).rejects.toThrow(
    /stays on that bill/,
  );
});

test('a credit balance: nothing to pay, and the credit is said', async () => {
  const acct = await newAccount();
  await pay(acct, 10_000, '2026-11-10', 'CASH');
  const b = await draftBill(acct, '2026-08', 4000, '2026-11-12', '2026-12-02');
  await issue(b.runId);
  expect(await statementOf(b.id)).toMatchObject({
    previousBalanceCents: 0n,
    activityCents: -10_000n,
    totalDueCents: -6000n,
    pastDueCents: 0n,
  });
  const view = await loadBillView(app.t.db, b.id);
  expect([view.amountDueText, view.statement?.creditText, view.statement?.pastDueText]).toEqual([
    '$0.00',
    'Credit balance: $60.00, to be used for your next bills.',
    null,
  ]);
});

test('a deposit held 12 months with timely payment is refunded with interest as a credit on the bill issued', async () => {
  const [acct, young] = [await newAccount(), await newAccount()];
  const hold = (accountId: string, months: number) =>
    app.t.db.$transaction((t) =>
      recordDepositHeld(t, {
        accountId,
        amountCents: 15_000n,
        heldSince: addMonths(today, -months),
        reason: 'Deposit paid at the counter',
        idempotencyKey: `${accountId}:statement-deposit`,
      }),
    );
  const late = await newAccount();
  await hold(acct, 13);
  await hold(young, 11);
  await hold(late, 13);
  await app.t.db.$transaction((tx) =>
    postLateFee(tx, {
      accountId: late,
      amountCents: 100n,
      asOf: addMonths(today, -2),
      idempotencyKey: `${late}:late`,
    }),
  );
  const b = await draftBill(acct, '2027-05', 4000, today, addDays(today, 20));
  await draftBill(young, '2027-05', 4000, today, addDays(today, 20));
  await draftBill(late, '2027-05', 4000, today, addDays(today, 20));
  // Paying arrears by installments under an arrangement (exempt from late charges), and a balance
  // past due today: neither is 12 months paid in full and on time.
  const [arranged, overdue] = [await newAccount(), await newAccount()];
  await hold(arranged, 13);
  await hold(overdue, 13);
  await app.t.db.paymentArrangement.create({
    data: {
      accountId: arranged,
      episode: 1,
      status: 'CURRENT',
      arrearsCents: 30_000n,
      downPaymentCents: 5_000n,
      terms: {},
      reasons: [],
      createdBy: 'test',
      createdAt: new Date(`${addMonths(today, -3)}T15:00:00Z`),
    },
  });
  await charge(overdue, 6_000, ago(40), ago(20));
  await draftBill(arranged, '2027-05', 4000, today, addDays(today, 20));
  await draftBill(overdue, '2027-05', 4000, today, addDays(today, 20));
  await issue(b.runId);
  // $150.00 × 4.0% × 13/12 = $6.50, both credited on this bill and shown on its summary.
  const credits = await app.t.db.ledgerEntry.findMany({
    where: { accountId: acct, kind: { in: ['DEPOSIT_REFUND', 'DEPOSIT_INTEREST'] } },
    orderBy: { id: 'asc' },
  });
  expect(credits.map((c) => [c.kind, c.amountCents, c.billId])).toEqual([
    ['DEPOSIT_REFUND', -15_000n, b.id],
    ['DEPOSIT_INTEREST', -650n, b.id],
  ]);
  expect(await statementOf(b.id)).toMatchObject({
    previousBalanceCents: 0n,
    activityCents: -15_650n,
    currentChargesCents: 4000n,
    totalDueCents: -11_650n,
  });
  const view = await loadBillView(app.t.db, b.id);
  expect(view.statement?.activity.map((l) => l.amountText)).toEqual(['-$150.00', '-$6.50']);
  expect(view.statement?.activity[0]!.description).toMatch(/deposit/i);
  expect((await app.t.db.deposit.findFirstOrThrow({ where: { accountId: acct } })).status).toBe('REFUNDED');
  // Eleven months: still held, nothing credited.
  expect((await app.t.db.deposit.findFirstOrThrow({ where: { accountId: young } })).status).toBe('HELD');
  expect(await app.t.db.ledgerEntry.count({ where: { accountId: young, kind: 'DEPOSIT_REFUND' } })).toBe(0);
  // A late payment charge two months ago: not 12 timely months, still held.
  expect((await app.t.db.deposit.findFirstOrThrow({ where: { accountId: late } })).status).toBe('HELD');
  for (const a of [arranged, overdue]) {
    expect((await app.t.db.deposit.findFirstOrThrow({ where: { accountId: a } })).status).toBe('HELD');
    expect(await app.t.db.ledgerEntry.count({ where: { accountId: a, kind: 'DEPOSIT_REFUND' } })).toBe(0);
  }
  // Issued again (a retried batch): nothing more.
  await issue(b.runId);
  expect(await app.t.db.ledgerEntry.count({ where: { accountId: acct, kind: 'DEPOSIT_REFUND' } })).toBe(1);
});

test('a draft of an account final-billed after rating (a cycle held for review) is discarded, not issued', async () => {
  const [stopped, kept] = [await newAccount(), await newAccount()];
  const draft = await draftBill(stopped, '2027-06', 4500, today, addDays(today, 20));
  await draftBill(kept, '2027-06', 3000, today, addDays(today, 20));
  // Both drafts cover ago(30) → today; the stop's final bill covered ago(30) → ago(5).
  await app.t.db.bill.updateMany({
    where: { cycleRunId: draft.runId },
    data: { periodFrom: new Date(`${ago(30)}T00:00:00Z`) },
  });
  await app.t.db.bill.create({
    data: {
      id: `BF-ST-${stopped}`,
      accountId: stopped,
      kind: 'FINAL',
      status: 'ISSUED',
      issuedAt: new Date(),
      periodFrom: new Date(`${ago(30)}T00:00:00Z`),
      periodTo: new Date(`${ago(5)}T00:00:00Z`),
      billDate: new Date(`${ago(5)}T00:00:00Z`),
      dueDate: new Date(`${addDays(today, 15)}T00:00:00Z`),
      totalCents: 3800n,
    },
  });
  await app.t.db.account.update({ where: { id: stopped }, data: { status: 'FINAL' } });

  const first = await issue(draft.runId);
  expect(first).toMatchObject({ issued: 1, totalCents: '3000' });
  expect(await app.t.db.bill.findUniqueOrThrow({ where: { id: draft.id } })).toMatchObject({
    status: 'CANCELLED',
    cancelledAt: expect.any(Date),
  });
  expect(await app.t.db.ledgerEntry.count({ where: { idempotencyKey: `bill:${draft.id}:charge` } })).toBe(0);
  const note = await app.t.db.timelineEvent.findFirstOrThrow({
    where: { accountId: stopped, kind: 'bill.discarded' },
  });
  expect(note.summary).toContain(`final bill BF-ST-${stopped}`);
  expect(await app.t.db.auditEvent.count({ where: { action: 'bills.discard', entityId: draft.runId } })).toBe(
    1,
  );
  // A retried batch reports the same and records nothing more.
  expect(await issue(draft.runId)).toEqual(first);
  expect(await app.t.db.timelineEvent.count({ where: { accountId: stopped, kind: 'bill.discarded' } })).toBe(
    1,
  );
});

test('two bills issued at once for one account take turns: the second brings forward the first', async () => {
  const acct = await newAccount();
  const first = await draftBill(acct, '2025-01', 3000, ago(60), ago(40));
  const second = await draftBill(acct, '2025-02', 2000, ago(30), ago(10));
  // A final bill's transaction (say) has posted its charge and taken its summary, not yet committed.
  const c = new Client({ connectionString: app.t.appUrl });
  await c.connect();
  try {
    await c.query('BEGIN');
    await c.query(
      `INSERT INTO ledger_entry (account_id, kind, amount_cents, effective_date, due_date, bill_id, idempotency_key, memo)
       VALUES ($1, 'CHARGE', 3000, $2::date, $3::date, $4, $5, 'First bill')`,
      [acct, ago(60), ago(40), first.id, `bill:${first.id}:charge`],
    );
    await recordStatements(onConnection(c as unknown as PoolClient), [
      { billId: first.id, accountId: acct, billDate: ago(60), currentChargesCents: 3000n },
    ]);
    let settled = false;
    const run = issue(second.runId).finally(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 700));
    expect(settled).toBe(false); // waits for the first summary
    await c.query('COMMIT');
    await run;
  } finally {
    await c.end();
  }
  expect(await statementOf(first.id)).toMatchObject({ previousBalanceCents: 0n, totalDueCents: 3000n });
  expect(await statementOf(second.id)).toMatchObject({
    previousBalanceCents: 3000n,
    activityCents: 0n,
    totalDueCents: 5000n,
  });
});
