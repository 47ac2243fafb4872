// Accounts a run held back for read exceptions are billed in that run once the clerk resolves them:
// Millbrook, November 2026, cycle 1 issued without them (auto-approved), then the queue is worked.
// Each resolution bills its account in the run, dated the day of the resolution and due 20 days
// later, delivered in a print batch of its own; a crew's exception is settled when the crew
// reports; the day after the new due date the late charges of those bills are assessed and the
// accounts handed to collections. Once the next run of the cycle reads its meters, nothing more is
// billed in the old one.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { startTestApp, type TestApp } from './helpers/app';
import { workflowBundle } from './helpers/temporal';
import { DashboardClient } from './helpers/dashboard-client';
import { millbrookWithReads } from './helpers/millbrook';
import { billCycleWorkflowId, type CycleProgress } from '../workflows/bill-cycle';
import { heldBillsProgressQuery, type HeldBillsProgress } from '../workflows/bill-cycle-held';
import { billHeldAccount, heldBillsWorkflowId } from '../services/held-bills';
import { utilityDate } from '../services/ledger';
import { resolveReadException } from '../services/read-exceptions';
import { billId } from '../activities/bill-cycle/rate-bills';
import { verifyAuditChain } from '../lib/audit-verify';

jest.setTimeout(240_000);

const RUN = '1:2026-11';
let app: TestApp;
let run: CycleProgress;

async function exceptionOf(meterId: string): Promise<string> {
  const r = await app.call('csr', 'GET', `/read-exceptions?cycleRunId=${RUN}&limit=100`);
  return r.body.items.find((e: { meterId: string }) => e.meterId === meterId).id as string;
}

const resolve = async (meterId: string, body: object) =>
  app.call('csr', 'POST', `/read-exceptions/${await exceptionOf(meterId)}/resolve`, body);

const billOf = (accountId: string) =>
  app.t.db.bill.findFirst({ where: { accountId, cycleRunId: RUN }, include: { lines: true } });

const serviceCents = (bill: { lines: { service: string; amountCents: bigint }[] }, service: string) =>
  bill.lines.filter((l) => l.service === service).reduce((s, l) => s + Number(l.amountCents), 0);

const addDays = (iso: string, days: number) =>
  new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

async function heldProgress(workflowId: string): Promise<HeldBillsProgress> {
  return app.env.client.workflow.getHandle(workflowId).query(heldBillsProgressQuery);
}

/** Waits until the held bills workflow has issued `issued` bills and waits for their due date. */
async function heldIssued(workflowId: string, issued: number): Promise<HeldBillsProgress> {
  for (let i = 0; ; i++) {
    const p = await heldProgress(workflowId).catch(() => null);
    if (p && p.issued === issued && p.stage === 'waiting-for-due-date') return p;
    if (i > 400) throw new Error(`held bills never issued ${issued}: ${JSON.stringify(p)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

beforeAll(async () => {
  app = await startTestApp();
  await millbrookWithReads(app);
  // Issued without a clerk: the accounts with open exceptions are held back.
  expect(
    (
      await app.call('supervisor', 'POST', '/bill-cycles/1/runs', {
        period: '2026-11',
        autoApprove: true,
        keepPlannedDates: true,
      })
    ).status,
  ).toBe(202);
  run = await app.env.client.workflow.getHandle(billCycleWorkflowId(1, '2026-11')).result();
  expect(run.stage).toBe('closed');
});
afterAll(() => app?.close());

const heldReport = async () => (await app.call('auditor', 'GET', '/bill-cycles/1/runs/2026-11/held')).body;

test('the run held back the accounts with open exceptions: no bill for them', async () => {
  for (const a of ['100039', '100051', '100065', '100077']) expect(await billOf(a)).toBeNull();
  expect(run.skipped).toBeGreaterThanOrEqual(4);
  // The clerk sees which, and why.
  const report = await heldReport();
  expect(report.billing).toEqual({ open: true });
  expect(report.billedLater).toEqual([]);
  const held = new Map(
    report.held.map((h: { accountId: string; exceptions: { meterId: string; code: string }[] }) => [
      h.accountId,
      h.exceptions.map((e) => `${e.meterId} ${e.code}`),
    ]),
  );
  expect(held.get('100039')).toEqual(['W000039 NEGATIVE_CONSUMPTION']);
  expect(held.get('100051')).toEqual(['E000051 HIGH_USE']);
  expect(held.get('100077')).toEqual(['W000077 NON_NUMERIC']);
  expect(held.has('100002')).toBe(false);
});

test('resolving a held account bills it in the run, dated today, in a print batch of its own', async () => {
  const printDir = path.join(app.outDir, 'print');
  const runBatch = readdirSync(printDir).filter((f) => f.endsWith('.pdf'));
  expect(runBatch).toEqual(['print-1_2026-11.pdf']);
  const runBatchBytes = statSync(path.join(printDir, runBatch[0]!)).size;

  const today = utilityDate();
  const workflowId = heldBillsWorkflowId(RUN, today);
  // The read was "ERR": corrected to what the premise reads.
  const corrected = await resolve('W000077', {
    action: 'correct',
    value: 346863,
    reason: 'Read at the premise by phone',
  });
  expect(corrected.status).toBe(200);
  expect(corrected.body.heldBillWorkflowId).toBe(workflowId);
  // 6,205 kWh in a month is high, but the customer confirms it: a valid read.
  const accepted = await resolve('E000051', { action: 'accept', reason: 'Space heaters; confirmed' });
  expect(accepted.body.heldBillWorkflowId).toBe(workflowId);
  const p = await heldIssued(workflowId, 2);

  for (const [account, service, cents] of [
    // 600 counts × 10 = 6,000 gal: 18.50 + 12.30 + 15.75 + sewer 37.20.
    ['100077', 'WATER', 8375],
    // 6,205 kWh: 12.00 + 112.50 + 5,205 × 0.1310 = 681.86 + PCA 76.32, tax 6 % of 882.68 = 52.96.
    ['100051', 'ELECTRIC', 93564],
    // 7,650 gal: 18.50 + 12.30 + 24.41 + sewer 47.43.
    ['100051', 'WATER', 10264],
  ] as const) {
    const bill = (await billOf(account))!;
    expect(serviceCents(bill, service)).toBe(cents);
  }
  for (const account of ['100077', '100051']) {
    const bill = (await billOf(account))!;
    expect(bill.status).toBe('ISSUED');
    expect(bill.billDate.toISOString().slice(0, 10)).toBe(today);
    expect(bill.dueDate!.toISOString().slice(0, 10)).toBe(addDays(today, 20));
    // Its charge on the ledger, once; delivered once.
    expect(await app.t.db.ledgerEntry.count({ where: { billId: bill.id, kind: 'CHARGE' } })).toBe(1);
    expect(await app.t.db.notice.count({ where: { billId: bill.id, type: 'BILL' } })).toBe(1);
  }
  expect(p).toMatchObject({ issued: 2, refused: null });
  expect(p.emailed + p.printed).toBe(2);
  // Paper bills go in a batch of their own: the run's, already with the print vendor, is left as
  // it was.
  const notices = await app.t.db.notice.findMany({
    where: { billId: { in: ['100077', '100051'].map((a) => billId(RUN, a)) }, type: 'BILL' },
  });
  expect(notices).toHaveLength(2);
  for (const n of notices.filter((x) => x.channel === 'PRINT')) {
    expect(n.batchId).not.toBe('print-1_2026-11');
    expect(readdirSync(printDir)).toContain(`${n.batchId}.pdf`);
  }
  expect(statSync(path.join(printDir, 'print-1_2026-11.pdf')).size).toBe(runBatchBytes);

  // The run's page lists them as billed once resolved (an auditor may look).
  const report = await heldReport();
  expect(report.billedLater.map((b: { accountId: string }) => b.accountId).sort()).toEqual([
    '100051',
    '100077',
  ]);
  const page = await (await DashboardClient.as(app, 'auditor')).get('/dashboard/bill-cycles/1/2026-11');
  expect(page.status).toBe(200);
  expect(page.html).toContain('Held accounts');
  expect(page.html).toContain('W000039 NEGATIVE_CONSUMPTION');
  expect(page.html).toMatch(/Billed once resolved[\s\S]*B-1-2026-11-100077/);

  // An account the run has billed is not billed again, whatever is resolved for it later.
  const deps = { db: app.t.db, temporal: app.env.client, taskQueue: app.taskQueue };
  expect(await billHeldAccount(deps, RUN, '100077', 'test')).toBeNull();
});

test('a crew sent to the meter settles the read when it reports, and the account is billed', async () => {
  const today = utilityDate();
  const workflowId = heldBillsWorkflowId(RUN, today);
  const crew = await resolve('W000065', { action: 'send-crew', reason: 'Tamper flag' });
  expect(crew.body).toMatchObject({ status: 'CREW_SENT' });
  expect(crew.body.heldBillWorkflowId).toBeUndefined();
  expect(await billOf('100065')).toBeNull();
  // Sending a second crew is refused; the crew's read settles it.
  expect((await resolve('W000065', { action: 'send-crew', reason: 'again' })).status).toBe(409);
  const read = await resolve('W000065', {
    action: 'correct',
    value: 565833,
    reason: 'Crew verified the register; no tampering found',
  });
  expect(read.status).toBe(200);
  expect(read.body).toMatchObject({ status: 'CORRECTED', heldBillWorkflowId: workflowId });
  await heldIssued(workflowId, 3);
  // 665 counts × 10 = 6,650 gal: 18.50 + 12.30 + 3,650 × 5.25/1000 = 19.16 + sewer 41.23.
  expect(serviceCents((await billOf('100065'))!, 'WATER')).toBe(9119);
});

test('when the bill cannot be asked for, the resolution stands and a clerk bills it by hand', async () => {
  const workflowId = heldBillsWorkflowId(RUN, utilityDate());
  // Nothing is ready while every held account still has an exception open.
  const early = await app.call('csr', 'POST', '/bill-cycles/1/runs/2026-11/held/bill', {});
  expect(early.status).toBe(409);
  expect(early.body.error.message).toMatch(/No held account of run 1:2026-11 is ready/);
  // The workflow service is down at the moment of the resolution.
  const down = {
    db: app.t.db,
    taskQueue: app.taskQueue,
    temporal: {
      workflow: { signalWithStart: () => Promise.reject(new Error('connection refused')) },
    } as unknown as Client,
  };
  const resolved = await resolveReadException(
    down,
    { id: 'csr-1', role: 'csr' },
    await exceptionOf('W000039'),
    {
      action: 'estimate',
      reason: 'Register misread by the head-end; estimate',
    },
  );
  expect(resolved).toMatchObject({ status: 'ESTIMATED' });
  expect((resolved as { heldBillError?: string }).heldBillError).toMatch(
    /connection refused.*POST \/bill-cycles\/1\/runs\/2026-11\/held\/bill/,
  );
  expect(await billOf('100039')).toBeNull();
  expect((await heldReport()).held).toContainEqual({ accountId: '100039', exceptions: [] });
  // The run's page offers to bill it to those who may.
  const runPage = '/dashboard/bill-cycles/1/2026-11';
  expect((await (await DashboardClient.as(app, 'csr')).get(runPage)).html).toContain(
    'Bill 1 resolved account(s) now',
  );
  expect((await (await DashboardClient.as(app, 'auditor')).get(runPage)).html).not.toContain('bill-held');
  // An auditor may not; a CSR bills what is ready.
  expect((await app.call('auditor', 'POST', '/bill-cycles/1/runs/2026-11/held/bill', {})).status).toBe(403);
  const byHand = await app.call('csr', 'POST', '/bill-cycles/1/runs/2026-11/held/bill', {});
  expect(byHand.status).toBe(202);
  expect(byHand.body).toEqual({ runId: RUN, workflowId, accountIds: ['100039'] });
  await heldIssued(workflowId, 4);
  const bill = (await billOf('100039'))!;
  expect(bill.estimated).toBe(true);
  expect(bill.billDate.toISOString().slice(0, 10)).toBe(utilityDate());
});

test('the day after the new due date: late charges on those bills, once, and the hand-off', async () => {
  const today = utilityDate();
  const handle = app.env.client.workflow.getHandle(heldBillsWorkflowId(RUN, today));
  const done: HeldBillsProgress = await handle.result();
  expect(done.stage).toBe('closed');
  expect(done.calendar!.lateChargeDate).toBe(addDays(today, 21));
  const bills = await Promise.all(
    ['100077', '100051', '100065', '100039'].map(async (a) => (await billOf(a))!),
  );
  const fees = await app.t.db.ledgerEntry.findMany({
    where: { kind: 'LATE_FEE', billId: { in: bills.map((b) => b.id) } },
  });
  // Nothing was paid: one late charge on each bill, none twice.
  expect(fees.map((f) => f.billId).sort()).toEqual(bills.map((b) => b.id).sort());
  for (const f of fees) expect(f.effectiveDate.toISOString().slice(0, 10)).toBe(addDays(today, 21));
  expect(done.lateFees).toBe(4);
  expect(done.handedOff).toBe(4);
  // A workflow that waits three weeks: its history replays against the code.
  await Worker.runReplayHistory(
    { workflowBundle: await workflowBundle() },
    await handle.fetchHistory(),
    handle.workflowId,
  );
  expect((await verifyAuditChain(app.t.db)).ok).toBe(true);
});

test('once the next run of the cycle reads its meters, the old run bills nothing more', async () => {
  // Opened and waiting for its reads: a resolution here is still billed here.
  await app.t.db.billCycleRun.create({
    data: {
      id: '1:2026-12',
      cycleId: 1,
      period: '2026-12',
      workflowId: 'bill-cycle:1:2026-12:test',
      readWindowFrom: new Date('2026-11-30T00:00:00Z'),
      readWindowTo: new Date('2026-12-06T00:00:00Z'),
    },
  });
  expect((await heldReport()).billing).toEqual({ open: true });
  // Validating: its periods start at each meter's last good read as it stands.
  await app.t.db.billCycleRun.update({ where: { id: '1:2026-12' }, data: { status: 'VALIDATING' } });
  const r = await resolve('W000096', { action: 'accept', reason: 'A leak, repaired; the read is right' });
  expect(r.status).toBe(200);
  expect(r.body.heldBillWorkflowId).toBeUndefined();
  expect(await billOf('100096')).toBeNull();
  expect((await app.call('csr', 'POST', '/bill-cycles/1/runs/2026-11/held/bill', {})).status).toBe(409);
  expect((await heldReport()).billing).toEqual({
    open: false,
    reason:
      "run 1:2026-12 of the same cycle has read its meters: its period starts at each meter's last good read",
  });
});
