// The deposit rule applied when an account is opened (Ordinance: up to 1/6 of the estimated annual
// billing for a new residential customer with no satisfactory payment history).
import { startTestApp, type TestApp } from './helpers/app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

async function customerAndPremise(n: number, type: 'RESIDENTIAL' | 'COMMERCIAL' = 'RESIDENTIAL') {
  const c = await app.call('csr', 'POST', '/customers', {
    name: `Deposit ${n}`,
    mailingAddress: `${n} Elm St, Millbrook, PA 16801`,
  });
  const p = await app.call('csr', 'POST', '/premises', {
    serviceAddress: `${n} Elm St, Millbrook, PA 16801`,
    zip: '16801',
    serviceArea: 'North',
    state: 'PA',
    premiseType: type,
  });
  return { customerId: c.body.id as string, premiseId: p.body.id as string };
}

test('a new residential customer without history: one sixth of the estimate, billed; the same customer again: waived', async () => {
  const { customerId, premiseId } = await customerAndPremise(1);
  const a = await app.call('csr', 'POST', '/accounts', {
    customerId,
    premiseId,
    class: 'RES',
    billCycle: 1,
    startDate: '2026-12-01',
    deposit: { estimatedAnnualBillingCents: 90_001 },
  });
  expect(a.status).toBe(201);
  // 90,001 / 6 = 15,000.1666… → 15,000 cents, half-up.
  expect(a.body.deposit).toMatchObject({
    required: true,
    amountCents: 15_000,
    code: 'NEW_RESIDENTIAL_NO_HISTORY',
  });
  const billed = await app.t.db.ledgerEntry.findMany({
    where: { accountId: a.body.id, kind: 'DEPOSIT_BILLED' },
  });
  expect(billed.map((e) => [e.amountCents, e.effectiveDate.toISOString().slice(0, 10)])).toEqual([
    [15_000n, '2026-12-01'],
  ]);

  const second = await customerAndPremise(2);
  const b = await app.call('csr', 'POST', '/accounts', {
    customerId,
    premiseId: second.premiseId,
    class: 'RES',
    billCycle: 1,
    startDate: '2026-12-01',
    deposit: { estimatedAnnualBillingCents: 90_000 },
  });
  expect(b.body.deposit).toMatchObject({ required: false, code: 'EXISTING_CUSTOMER' });
});

test('satisfactory history, or a commercial account, waives it with the reason', async () => {
  const r = await customerAndPremise(3);
  const a = await app.call('csr', 'POST', '/accounts', {
    ...r,
    class: 'RES',
    billCycle: 1,
    startDate: '2026-12-01',
    deposit: { estimatedAnnualBillingCents: 60_000, satisfactoryHistory: true },
  });
  expect(a.body.deposit).toMatchObject({ required: false });
  expect(a.body.deposit.reason).toMatch(/history/i);
  const c = await customerAndPremise(4, 'COMMERCIAL');
  const b = await app.call('csr', 'POST', '/accounts', {
    ...c,
    class: 'COM',
    billCycle: 1,
    startDate: '2026-12-01',
    deposit: { estimatedAnnualBillingCents: 60_000 },
  });
  expect(b.body.deposit).toMatchObject({ required: false, code: 'NOT_RESIDENTIAL' });
});

test('with no estimate and no bills to estimate from, the deposit is waived for that reason, on record', async () => {
  const r = await customerAndPremise(5);
  const a = await app.call('csr', 'POST', '/accounts', {
    ...r,
    class: 'RES',
    billCycle: 1,
    startDate: '2026-12-01',
    deposit: {},
  });
  expect(a.status).toBe(201);
  expect(a.body.deposit).toMatchObject({ required: false, amountCents: 0, code: 'NO_ESTIMATED_BILLING' });
  const rows = await app.t.db.deposit.findMany({ where: { accountId: a.body.id } });
  expect(rows.map((d) => [d.status, d.amountCents])).toEqual([['WAIVED', 0n]]);
  expect(await app.t.db.ledgerEntry.count({ where: { accountId: a.body.id } })).toBe(0);
});
