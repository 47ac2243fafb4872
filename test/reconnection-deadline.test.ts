// A reconnection's deadline runs from the cure — the payment, the medical certificate, the
// arrangement — not from when the case got round to ordering the crew, which a stopped worker can
// delay by hours. Pennsylvania, a December termination: within 24 hours (66 Pa.C.S. §1407(b)).
import { createActivities } from '../activities';
import { startTestApp, seedAccount, type TestApp } from './helpers/app';

jest.setTimeout(120_000);

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

const HOUR = 3_600_000;
const DISCONNECTED = new Date('2026-12-08T15:00:00Z'); // Tuesday 10:00 in Millbrook

/** An account whose crew turned the service off at DISCONNECTED for $100.00 past due. */
async function disconnected(n: number): Promise<string> {
  const { accountId } = await seedAccount(app, n);
  await app.t.db.ledgerEntry.create({
    data: {
      accountId,
      kind: 'CHARGE',
      amountCents: 10_000n,
      effectiveDate: new Date('2026-10-01T00:00:00Z'),
      dueDate: new Date('2026-10-21T00:00:00Z'),
      idempotencyKey: `reconnect-deadline:${n}:charge`,
      memo: 'Bill of October',
      createdAt: new Date('2026-10-01T12:00:00Z'),
    },
  });
  await app.t.db.collectionsEpisode.create({
    data: {
      accountId,
      episode: 1,
      workflowId: `collections:${accountId}:1`,
      pastDueCents: 10_000n,
      disconnectedAt: DISCONNECTED,
    },
  });
  return accountId;
}

/** A payment of `cents` (all of the $100.00 by default) posted at `at`. */
const paid = (accountId: string, at: Date, cents = 10_000n) =>
  app.t.db.ledgerEntry.create({
    data: {
      accountId,
      kind: 'PAYMENT',
      amountCents: -cents,
      effectiveDate: new Date(`${at.toISOString().slice(0, 10)}T00:00:00Z`),
      idempotencyKey: `reconnect-deadline:${accountId}:payment:${at.toISOString()}`,
      memo: 'Cash at the counter',
      createdAt: at,
    },
  });

/** A medical certificate received (and recorded) at `at`. */
const certified = (accountId: string, at: Date, over: { certifier?: string; kind?: string } = {}) =>
  app.t.db.medicalCertificate.create({
    data: {
      accountId,
      receivedAt: at,
      validUntil: new Date('2027-01-07T00:00:00Z'),
      kind: over.kind ?? 'WRITTEN',
      arrearsCents: 10_000n,
      certifiedBy: 'Dr. A. Patel',
      certifier: over.certifier ?? 'PHYSICIAN',
      recordedBy: 'csr',
      createdAt: at,
    },
  });

/** What the case does when it gets to ordering the crew at `at`. */
function orderReconnect(accountId: string, cause: 'PAID' | 'MEDICAL', at: Date) {
  const acts = createActivities({ db: app.t.db, temporal: app.env.client, taskQueue: app.taskQueue });
  return acts.openCollectionsOrder({
    accountId,
    episode: 1,
    type: 'RECONNECT',
    seq: 1,
    reason: 'Reconnect',
    workflowId: `collections:${accountId}:1`,
    cause,
    at: at.toISOString(),
  });
}

test('paid at noon, the crew ordered 30 hours later: due 24 hours after the payment', async () => {
  const accountId = await disconnected(1);
  const payment = new Date(DISCONNECTED.getTime() + 2 * HOUR);
  await paid(accountId, payment);
  const r = await orderReconnect(accountId, 'PAID', new Date(payment.getTime() + 30 * HOUR));
  expect(r.dueBy).toBe(new Date(payment.getTime() + 24 * HOUR).toISOString());
  expect(r.reasons.join(' ')).toMatch(/cured 2026-12-08 12:00/);
  // The order the crew sees carries the same deadline (its workflow records it).
  let order = null;
  for (let i = 0; i < 100 && !order; i++) {
    order = await app.t.db.serviceOrder.findUnique({ where: { id: r.orderId } });
    if (!order) await new Promise((res) => setTimeout(res, 100));
  }
  expect(order?.dueBy?.toISOString()).toBe(r.dueBy);
});

test('a medical certificate recorded while service was off: due 24 hours after it was recorded', async () => {
  const accountId = await disconnected(2);
  const recorded = new Date(DISCONNECTED.getTime() + 5 * HOUR);
  await certified(accountId, recorded);
  const r = await orderReconnect(accountId, 'MEDICAL', new Date(recorded.getTime() + 10 * HOUR));
  expect(r.dueBy).toBe(new Date(recorded.getTime() + 24 * HOUR).toISOString());
});

test('paid before the crew turned the service off: the deadline runs from the disconnection', async () => {
  const accountId = await disconnected(3);
  await paid(accountId, new Date(DISCONNECTED.getTime() - HOUR));
  const r = await orderReconnect(accountId, 'PAID', new Date(DISCONNECTED.getTime() + 3 * HOUR));
  expect(r.dueBy).toBe(new Date(DISCONNECTED.getTime() + 24 * HOUR).toISOString());
});

test('part paid, then the rest: due from the payment that cleared the arrears, not the first or a later one', async () => {
  const accountId = await disconnected(4);
  const part = new Date(DISCONNECTED.getTime() + 2 * HOUR);
  const rest = new Date(DISCONNECTED.getTime() + 6 * HOUR);
  await paid(accountId, part, 4_000n);
  await paid(accountId, rest, 6_000n);
  await paid(accountId, new Date(DISCONNECTED.getTime() + 20 * HOUR), 2_500n); // towards the next bill
  const r = await orderReconnect(accountId, 'PAID', new Date(DISCONNECTED.getTime() + 40 * HOUR));
  expect(r.dueBy).toBe(new Date(rest.getTime() + 24 * HOUR).toISOString());
});

test('a certificate the rule does not accept does not start the clock; the next one that does, does', async () => {
  const accountId = await disconnected(5);
  await certified(accountId, new Date(DISCONNECTED.getTime() + HOUR), { certifier: 'OTHER' });
  const good = new Date(DISCONNECTED.getTime() + 4 * HOUR);
  await certified(accountId, good, { kind: 'PHONE' });
  await certified(accountId, new Date(DISCONNECTED.getTime() + 9 * HOUR)); // its written confirmation
  const r = await orderReconnect(accountId, 'MEDICAL', new Date(DISCONNECTED.getTime() + 12 * HOUR));
  expect(r.dueBy).toBe(new Date(good.getTime() + 24 * HOUR).toISOString());
});

// ---- when the crew did the work ------------------------------------------------------------------

/** A finished order of the case, as its workflow records it: the crew's reading taken at `readAt`. */
async function finishedOrder(accountId: string, type: 'DISCONNECT' | 'RECONNECT', readAt: string | null) {
  const account = await app.t.db.account.findUniqueOrThrow({ where: { id: accountId } });
  const id = `SO-ACT-${accountId}-${type}`;
  await app.t.db.serviceOrder.create({
    data: {
      id,
      accountId,
      premiseId: account.premiseId,
      type,
      status: 'COMPLETED',
      reason: type === 'DISCONNECT' ? 'Disconnect for nonpayment' : 'Reconnect',
      workflowId: `service-order:${id}`,
      createdBy: 'system',
      completion: {
        crewId: 'CREW-A',
        outcome: 'COMPLETED_OK',
        readValue: 1000,
        ...(readAt ? { readAt } : {}),
      },
    },
  });
  return id;
}

function recordOutcome(accountId: string, orderId: string, type: 'DISCONNECT' | 'RECONNECT', at: string) {
  const acts = createActivities({ db: app.t.db, temporal: app.env.client, taskQueue: app.taskQueue });
  return acts.recordCollectionsOrderOutcome({
    accountId,
    episode: 1,
    orderId,
    type,
    at,
    ...(type === 'RECONNECT' ? { cause: 'PAID' } : {}),
  });
}

test("a disconnection the crew reports the next morning counts when the crew turned the service off (its reading's time)", async () => {
  const accountId = await disconnected(6);
  // Turned off at 16:30 on November 30 in Millbrook; the tablet got through at 08:15 on December 1.
  const orderId = await finishedOrder(accountId, 'DISCONNECT', '2026-11-30T16:30:00');
  await recordOutcome(accountId, orderId, 'DISCONNECT', '2026-12-01T13:15:00Z');
  const off = await app.t.db.collectionsAction.findFirstOrThrow({ where: { accountId, kind: 'DISCONNECT' } });
  expect(off.occurredAt.toISOString()).toBe('2026-11-30T21:30:00.000Z');
  const episode = await app.t.db.collectionsEpisode.findFirstOrThrow({ where: { accountId } });
  expect(episode.disconnectedAt?.toISOString()).toBe('2026-11-30T21:30:00.000Z');
  // Without a reading time, the report of the completion is the act.
  const other = await disconnected(7);
  const plain = await finishedOrder(other, 'DISCONNECT', null);
  await recordOutcome(other, plain, 'DISCONNECT', '2026-12-01T13:15:00Z');
  const at = await app.t.db.collectionsAction.findFirstOrThrow({
    where: { accountId: other, kind: 'DISCONNECT' },
  });
  expect(at.occurredAt.toISOString()).toBe('2026-12-01T13:15:00.000Z');
});

test('a reconnection reported later is recorded, and charged, by when service came back', async () => {
  const accountId = await disconnected(8);
  await paid(accountId, new Date(DISCONNECTED.getTime() + HOUR));
  // Restored Wednesday 10:00 in Millbrook (business hours); reported at 19:30 (after hours).
  const orderId = await finishedOrder(accountId, 'RECONNECT', '2026-12-09T10:00:00');
  await recordOutcome(accountId, orderId, 'RECONNECT', '2026-12-10T00:30:00Z');
  const on = await app.t.db.collectionsAction.findFirstOrThrow({ where: { accountId, kind: 'RECONNECT' } });
  expect(on.occurredAt.toISOString()).toBe('2026-12-09T15:00:00.000Z');
  const episode = await app.t.db.collectionsEpisode.findFirstOrThrow({ where: { accountId } });
  expect(episode.reconnectedAt?.toISOString()).toBe('2026-12-09T15:00:00.000Z');
  const fees = await app.t.db.ledgerEntry.findMany({ where: { accountId, kind: 'RECONNECTION_FEE' } });
  expect(fees.map((f) => f.amountCents)).toEqual([5_000n]);
  const tl = await app.t.db.timelineEvent.findFirstOrThrow({
    where: { accountId, kind: 'collections.reconnect' },
  });
  expect(tl.occurredAt.toISOString()).toBe('2026-12-09T15:00:00.000Z');
});
