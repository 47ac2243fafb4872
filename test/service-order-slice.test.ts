// The slice through Temporal: open an order over the API, dispatch it, complete it from the field,
// and see it on the timeline and in a verified audit chain.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { startTestApp, seedAccount, type TestApp } from './helpers/app';
import { workflowBundle } from './helpers/temporal';

let app: TestApp;
let acct: Awaited<ReturnType<typeof seedAccount>>;

beforeAll(async () => {
  app = await startTestApp();
  acct = await seedAccount(app);
});
afterAll(() => app?.close());

async function openOrder(reason = 'High usage reported by customer') {
  const r = await app.call('csr', 'POST', '/service-orders', {
    accountId: acct.accountId,
    type: 'METER_INVESTIGATION',
    meterId: acct.meterId,
    reason,
  });
  expect(r.status).toBe(202);
  expect(r.headers.get('location')).toBe(`/service-orders/${r.body.id}`);
  expect(r.body.workflowId).toBe(`service-order:${r.body.id}`);
  return r.body.id as string;
}

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('create → assign → field completion, answered from the workflow, on the timeline, audited', async () => {
  const id = await openOrder();
  const created = await eventually(
    () => app.call('csr', 'GET', `/service-orders/${id}`),
    (r) => r.status === 200,
  );
  expect(created.body).toMatchObject({ id, status: 'OPEN', source: 'workflow', type: 'METER_INVESTIGATION' });

  const assigned = await app.call('supervisor', 'POST', `/service-orders/${id}/assign`, { crewId: 'CREW-A' });
  expect(assigned.status).toBe(200);
  expect(assigned.body).toMatchObject({ status: 'ASSIGNED', crewId: 'CREW-A' });

  const list = await app.call('crew-a', 'GET', '/field/orders');
  expect(list.status).toBe(200);
  expect(list.body.items.map((o: { id: string }) => o.id)).toContain(id);
  // A crew sees the job, not the customer's account.
  expect(JSON.stringify(list.body)).not.toMatch(/Test Customer|example\.org|814-555/);

  const done = await app.call('crew-a', 'POST', `/field/orders/${id}/complete`, {
    outcome: 'READ_VERIFIED',
    readValue: 123456,
    notes: 'Register matches AMI',
  });
  expect(done.status).toBe(200);
  expect(done.body).toMatchObject({ id, status: 'COMPLETED', replayed: false });

  const final = await app.call('supervisor', 'GET', `/service-orders/${id}`);
  expect(final.body.status).toBe('COMPLETED');
  expect(final.body.history.map((h: { event: string }) => h.event)).toEqual([
    'created',
    'assigned',
    'completed',
  ]);
  expect(final.body.completion).toMatchObject({
    readValue: 123456,
    outcome: 'READ_VERIFIED',
    crewId: 'CREW-A',
  });

  const tl = await app.call('csr', 'GET', `/accounts/${acct.accountId}/timeline?kind=service-order.*`);
  expect(tl.status).toBe(200);
  expect(tl.body.items.map((e: { kind: string }) => e.kind)).toEqual([
    'service-order.completed',
    'service-order.assigned',
    'service-order.created',
  ]);

  const audit = await app.call('auditor', 'GET', `/audit?entity=service_order&entityId=${id}`);
  expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual([
    'service-order.create',
    'service-order.assign',
    'service-order.complete',
  ]);
  expect(audit.body.items[1]).toMatchObject({ actor: 'supervisor', actorRole: 'supervisor' });
  expect(audit.body.items[2]).toMatchObject({ actor: 'crew-a', actorRole: 'field' });

  const verify = await app.call('auditor', 'GET', '/audit/verify');
  expect(verify.body).toMatchObject({ ok: true });
});

test('a retried completion is answered the same and recorded once', async () => {
  const id = await openOrder();
  await eventually(
    () => app.call('supervisor', 'POST', `/service-orders/${id}/assign`, { crewId: 'CREW-B' }),
    (r) => r.status === 200,
  );
  const body = { outcome: 'READ_VERIFIED', readValue: 42, notes: 'ok' };
  const first = await app.call('crew-b', 'POST', `/field/orders/${id}/complete`, body);
  const again = await app.call('crew-b', 'POST', `/field/orders/${id}/complete`, body);
  expect(first.status).toBe(200);
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ id, status: 'COMPLETED', replayed: true });
  const completions = await app.t.db.auditEvent.count({
    where: { entityId: id, action: 'service-order.complete' },
  });
  expect(completions).toBe(1);
  // A different completion of the same order is a conflict, not a second record.
  const other = await app.call('crew-b', 'POST', `/field/orders/${id}/complete`, { ...body, readValue: 43 });
  expect(other.status).toBe(409);
});

test('crew isolation: another crew cannot list, read or complete the order', async () => {
  const id = await openOrder();
  await eventually(
    () => app.call('supervisor', 'POST', `/service-orders/${id}/assign`, { crewId: 'CREW-A' }),
    (r) => r.status === 200,
  );
  const list = await app.call('crew-b', 'GET', '/field/orders');
  expect(list.body.items.map((o: { id: string }) => o.id)).not.toContain(id);
  expect((await app.call('crew-b', 'GET', `/field/orders/${id}`)).status).toBe(404);
  const steal = await app.call('crew-b', 'POST', `/field/orders/${id}/complete`, {
    outcome: 'READ_VERIFIED',
    readValue: 1,
  });
  expect(steal.status).toBe(404);
  expect((await app.t.db.serviceOrder.findUniqueOrThrow({ where: { id } })).status).toBe('ASSIGNED');
});

test('completion is refused after reassignment and after cancellation', async () => {
  const id = await openOrder();
  await eventually(
    () => app.call('supervisor', 'POST', `/service-orders/${id}/assign`, { crewId: 'CREW-A' }),
    (r) => r.status === 200,
  );
  expect(
    (await app.call('supervisor', 'POST', `/service-orders/${id}/assign`, { crewId: 'CREW-B' })).status,
  ).toBe(200);
  const stale = await app.call('crew-a', 'POST', `/field/orders/${id}/complete`, {
    outcome: 'READ_VERIFIED',
    readValue: 5,
  });
  expect(stale.status).toBe(404);

  const cancel = await app.call('supervisor', 'POST', `/service-orders/${id}/cancel`, {
    reason: 'Customer withdrew the request',
  });
  expect(cancel.status).toBe(200);
  expect(cancel.body.status).toBe('CANCELLED');
  const late = await app.call('crew-b', 'POST', `/field/orders/${id}/complete`, {
    outcome: 'READ_VERIFIED',
    readValue: 5,
  });
  expect(late.status).toBe(409);
  expect(late.body.error.message).toMatch(/cancelled/);
});

test('required completion data is enforced by the workflow rules', async () => {
  const id = await openOrder();
  await eventually(
    () => app.call('supervisor', 'POST', `/service-orders/${id}/assign`, { crewId: 'CREW-A' }),
    (r) => r.status === 200,
  );
  const r = await app.call('crew-a', 'POST', `/field/orders/${id}/complete`, { outcome: 'READ_VERIFIED' });
  expect(r.status).toBe(400);
  expect(r.body.error.field).toBe('readValue');
  expect((await app.t.db.serviceOrder.findUniqueOrThrow({ where: { id } })).status).toBe('ASSIGNED');
});

test('roles: a CSR cannot dispatch, an auditor cannot open orders, a crew cannot use office routes', async () => {
  const id = await openOrder();
  expect((await app.call('csr', 'POST', `/service-orders/${id}/assign`, { crewId: 'CREW-A' })).status).toBe(
    403,
  );
  expect(
    (
      await app.call('auditor', 'POST', '/service-orders', {
        accountId: acct.accountId,
        type: 'LEAK_CHECK',
        reason: 'x',
      })
    ).status,
  ).toBe(403);
  expect((await app.call('crew-a', 'GET', `/service-orders/${id}`)).status).toBe(403);
  expect((await app.call('crew-a', 'GET', `/accounts/${acct.accountId}`)).status).toBe(403);
});

test('a finished order replays deterministically against the current workflow code', async () => {
  const id = await openOrder('Replay guard');
  await eventually(
    () => app.call('supervisor', 'POST', `/service-orders/${id}/assign`, { crewId: 'CREW-A' }),
    (r) => r.status === 200,
  );
  await app.call('supervisor', 'POST', `/service-orders/${id}/assign`, { crewId: 'CREW-B' });
  await app.call('crew-b', 'POST', `/field/orders/${id}/complete`, {
    outcome: 'LEAK_FOUND',
    readValue: 9,
    notes: 'Leak at the curb stop',
  });
  const history = await app.env.client.workflow.getHandle(`service-order:${id}`).fetchHistory();
  // Throws DeterminismViolationError if a change to the workflow would break running orders.
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, `service-order:${id}`);
});

test.each(readdirSync(path.join(__dirname, 'fixtures', 'service-order-v1')).filter((f) => f.endsWith('.pb')))(
  'an order recorded before order types had steps (%s) replays unchanged',
  async (file) => {
    const history = temporal.api.history.v1.History.decode(
      readFileSync(path.join(__dirname, 'fixtures', 'service-order-v1', file)),
    );
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, file);
  },
);
