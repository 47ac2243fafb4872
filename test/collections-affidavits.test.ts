// POST /accounts/:id/disconnect-affidavits: an affidavit filed with the regulator before a winter
// termination (Maryland: the PSC, COMAR 20.31.03.03A), recorded for the account's open collections
// case — supervisors and admins only, the fields checked and named, one collections action with its
// audit event and timeline entry per Idempotency-Key, and the fact the rules read back.
import { startTestApp, seedAccount, type TestApp } from './helpers/app';
import { expectError } from './helpers/api-checks';
import { collectionsWorkflowId } from '../workflows/collections-case';
import { loadCaseContext } from '../services/collections-snapshot';

jest.setTimeout(120_000);

const HOUR = 3_600_000;

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

test('records an affidavit once per Idempotency-Key, audited and on the timeline; bad fields are refused by name', async () => {
  const { accountId } = await seedAccount(app, 71);
  const path = `/accounts/${accountId}/disconnect-affidavits`;
  const now = await app.env.currentTimeMs();
  const filedAt = new Date(now - 26 * HOUR).toISOString();
  const body = { filedAt, reference: 'PSC Case No. 2026-0117, confirmation 88412' };
  const key = (k: string) => ({ 'Idempotency-Key': k });
  const affidavits = () =>
    app.t.db.collectionsAction.findMany({ where: { accountId, kind: 'AFFIDAVIT_FILED' } });

  // A CSR may not; a supervisor may, but only for an open case.
  expectError(await app.call('csr', 'POST', path, body, key('aff-csr')), 403, 'forbidden');
  expectError(await app.call('supervisor', 'POST', path, body, key('aff-none')), 409, 'conflict');
  await app.t.db.collectionsEpisode.create({
    data: { accountId, episode: 1, workflowId: collectionsWorkflowId(accountId, 1), pastDueCents: 20_000n },
  });

  const refusals: [Record<string, unknown>, Record<string, string>, string][] = [
    [{ reference: body.reference }, key('aff-bad-1'), 'filedAt'],
    [{ ...body, filedAt: 'yesterday' }, key('aff-bad-2'), 'filedAt'],
    [{ ...body, filedAt: new Date(now + HOUR).toISOString() }, key('aff-bad-3'), 'filedAt'],
    [{ filedAt }, key('aff-bad-4'), 'reference'],
    [{ ...body, reference: '   ' }, key('aff-bad-5'), 'reference'],
    [{ ...body, reference: 'x'.repeat(201) }, key('aff-bad-6'), 'reference'],
    [body, {}, 'Idempotency-Key'],
  ];
  for (const [b, h, field] of refusals)
    expectError(await app.call('supervisor', 'POST', path, b, h), 400, 'validation_failed', field);
  expect(await affidavits()).toEqual([]);

  const first = await app.call('supervisor', 'POST', path, body, key('aff-1'));
  expect(first.status).toBe(201);
  expect(first.body).toMatchObject({
    accountId,
    episode: 1,
    filedAt,
    reference: body.reference,
    recordedBy: 'supervisor',
    replayed: false,
    // The account's profile (Pennsylvania) asks for none; the affidavit is on record all the same.
    rule: null,
  });
  // The same request again (a retry): the same affidavit, nothing more written.
  const again = await app.call('supervisor', 'POST', path, body, key('aff-1'));
  expect(again.status).toBe(201);
  expect(again.body).toMatchObject({ id: first.body.id, replayed: true, filedAt });
  // Another affidavit under the same key is a conflict.
  expectError(
    await app.call('supervisor', 'POST', path, { ...body, reference: 'PSC 2026-0999' }, key('aff-1')),
    409,
    'conflict',
  );

  const rows = await affidavits();
  expect(rows).toHaveLength(1);
  expect(rows[0]!).toMatchObject({ episode: 1, occurredAt: new Date(filedAt) });
  expect(rows[0]!.data).toEqual({ reference: body.reference, by: 'supervisor' });
  const audits = await app.t.db.auditEvent.findMany({
    where: { accountId, action: 'collections.affidavit' },
  });
  expect(audits).toHaveLength(1);
  expect(audits[0]!).toMatchObject({
    actor: 'supervisor',
    entityType: 'collections_action',
    entityId: first.body.id,
  });
  const timeline = await app.t.db.timelineEvent.findMany({
    where: { accountId, kind: 'collections.affidavit' },
  });
  expect(timeline).toHaveLength(1);
  expect(timeline[0]!.summary).toContain(body.reference);

  // A second affidavit (another key) is its own record; the rules read both for the episode.
  const second = await app.call(
    'admin',
    'POST',
    path,
    { filedAt: new Date(now - HOUR).toISOString(), reference: 'PSC 2026-0118' },
    key('aff-2'),
  );
  expect(second.status).toBe(201);
  const ctx = await loadCaseContext(app.t.db, accountId, 1, new Date(now));
  expect(ctx.snapshot.affidavits).toEqual([
    { filedAt, reference: body.reference },
    { filedAt: new Date(now - HOUR).toISOString(), reference: 'PSC 2026-0118' },
  ]);
  // Another episode's case does not see them.
  expect((await loadCaseContext(app.t.db, accountId, 2, new Date(now))).snapshot.affidavits).toEqual([]);
});
