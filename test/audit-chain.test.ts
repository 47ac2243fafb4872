import { Client } from 'pg';
import { recordChange, type Actor } from '../lib/audit';
import { recordAudits, recordTimelines } from '../lib/audit-batch';
import { inTransaction } from '../lib/db/bulk';
import { verifyAuditChain } from '../lib/audit-verify';
import { createTestDatabase, type TestDatabase } from './helpers/db';

const actor: Actor = { id: 'user-1', role: 'csr', requestId: 'req-1' };
let t: TestDatabase;

beforeEach(async () => {
  t = await createTestDatabase();
  for (let i = 1; i <= 5; i++) {
    await t.db.$transaction((tx) =>
      recordChange(tx, actor, {
        action: 'customer.update',
        entityType: 'customer',
        entityId: `C${i}`,
        before: { email: null },
        after: { email: `c${i}@example.org` },
        reason: 'customer called',
      }),
    );
  }
});
afterEach(() => t.close());

async function asSuperuser(sql: string): Promise<void> {
  const c = new Client({ connectionString: t.adminUrl });
  await c.connect();
  try {
    await c.query('ALTER TABLE audit_event DISABLE TRIGGER USER');
    await c.query(sql);
    await c.query('ALTER TABLE audit_event ENABLE TRIGGER USER');
  } finally {
    await c.end();
  }
}

test('an untouched chain verifies and reports its head', async () => {
  const r = await verifyAuditChain(t.db);
  expect(r).toMatchObject({ ok: true, rowsChecked: 5 });
  expect(r.headHash).toMatch(/^[0-9a-f]{64}$/);
});

test('each row chains to the one before it', async () => {
  const rows = await t.db.auditEvent.findMany({ orderBy: { seq: 'asc' } });
  expect(rows[0]!.prevHash).toBe('0'.repeat(64));
  for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash);
});

test('a row altered behind the triggers is named', async () => {
  const rows = await t.db.auditEvent.findMany({ orderBy: { seq: 'asc' } });
  const victim = rows[2]!.seq;
  await asSuperuser(`UPDATE audit_event SET reason = 'nothing to see' WHERE seq = ${victim}`);
  const r = await verifyAuditChain(t.db);
  expect(r.ok).toBe(false);
  expect(r.firstBreak).toMatchObject({ kind: 'altered', seq: victim.toString() });
  expect(r.rowsChecked).toBe(2);
});

test('a deleted row is named by the row after the gap', async () => {
  const rows = await t.db.auditEvent.findMany({ orderBy: { seq: 'asc' } });
  await asSuperuser(`DELETE FROM audit_event WHERE seq = ${rows[1]!.seq}`);
  const r = await verifyAuditChain(t.db);
  expect(r.firstBreak).toMatchObject({
    kind: 'deleted',
    seq: rows[2]!.seq.toString(),
    afterSeq: rows[0]!.seq.toString(),
  });
});

test('rows swapped in order are caught', async () => {
  const rows = await t.db.auditEvent.findMany({ orderBy: { seq: 'asc' } });
  const [a, b] = [rows[1]!.seq, rows[2]!.seq];
  await asSuperuser(`UPDATE audit_event SET seq = -1 WHERE seq = ${a};
    UPDATE audit_event SET seq = ${a} WHERE seq = ${b};
    UPDATE audit_event SET seq = ${b} WHERE seq = -1;`);
  const r = await verifyAuditChain(t.db);
  expect(r.ok).toBe(false);
  expect(r.firstBreak?.seq).toBe(a.toString());
});

test('against a head published earlier: a cut end and a rebuilt end are both found', async () => {
  const rows = await t.db.auditEvent.findMany({ orderBy: { seq: 'asc' } });
  const head = { seq: rows[4]!.seq.toString(), hash: rows[4]!.hash };
  expect(await verifyAuditChain(t.db, head)).toMatchObject({
    ok: true,
    checkpoint: { ...head, found: true },
  });

  // Rebuilt from row 4 on with fresh hashes: the chain alone verifies, the published head does not.
  const [s4, s5] = [rows[3]!.seq, rows[4]!.seq];
  await asSuperuser(`UPDATE audit_event SET reason = 'rewritten' WHERE seq = ${s4};
    UPDATE audit_event e SET hash = audit_event_digest(e.*) WHERE seq = ${s4};
    UPDATE audit_event SET prev_hash = (SELECT hash FROM audit_event WHERE seq = ${s4}) WHERE seq = ${s5};
    UPDATE audit_event e SET hash = audit_event_digest(e.*) WHERE seq = ${s5};`);
  expect((await verifyAuditChain(t.db)).ok).toBe(true);
  expect(await verifyAuditChain(t.db, head)).toMatchObject({
    ok: false,
    firstBreak: { kind: 'rewritten', seq: head.seq },
  });

  // The last rows cut off: again the chain alone verifies.
  await asSuperuser(`DELETE FROM audit_event WHERE seq >= ${s4}`);
  expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, rowsChecked: 3 });
  expect(await verifyAuditChain(t.db, head)).toMatchObject({
    ok: false,
    rowsChecked: 3,
    firstBreak: { kind: 'truncated', seq: head.seq },
    checkpoint: { found: false },
  });
});

test('the application role cannot update, delete or truncate audit rows', async () => {
  const c = new Client({ connectionString: t.appUrl });
  await c.connect();
  try {
    await expect(c.query(`UPDATE audit_event SET reason = 'x'`)).rejects.toThrow(
      /permission denied|append-only/,
    );
    await expect(c.query(`DELETE FROM audit_event`)).rejects.toThrow(/permission denied|append-only/);
    await expect(c.query(`TRUNCATE audit_event`)).rejects.toThrow(/permission denied|append-only/);
  } finally {
    await c.end();
  }
  expect((await verifyAuditChain(t.db)).rowsChecked).toBe(5);
});

test('even the owner is refused UPDATE and DELETE while the triggers stand', async () => {
  const c = new Client({ connectionString: t.adminUrl });
  await c.connect();
  try {
    await expect(c.query(`UPDATE audit_event SET reason = 'x'`)).rejects.toThrow(/append-only/);
    await expect(c.query(`DELETE FROM audit_event`)).rejects.toThrow(/append-only/);
  } finally {
    await c.end();
  }
});

test('appending never reads the trail end to end, though it was analyzed while empty', async () => {
  // PL/pgSQL keeps the plan of the trigger's "previous hash" lookup for the life of a connection.
  // Planned while statistics say the table is empty (a new installation analyzed before its first
  // event), it would be a sequential scan and a sort, kept as the table grows; the trigger turns
  // sequential scans off, so the lookup is always the primary key's last entry.
  const fresh = await createTestDatabase();
  const admin = new Client({ connectionString: fresh.adminUrl });
  const c = new Client({ connectionString: fresh.appUrl });
  await admin.connect();
  await c.connect();
  try {
    await admin.query('VACUUM ANALYZE audit_event');
    await c.query('BEGIN');
    const append = (n: number) =>
      c.query(
        `INSERT INTO audit_event (actor, actor_role, action, entity_type, entity_id)
         SELECT 'user-1', 'csr', 'test.append', 'test', 'T' || g FROM generate_series(1, $1::int) g`,
        [n],
      );
    await append(1); // the lookup is planned now
    await append(2_000);
    const { rows } = await c.query<{ seq_tup_read: string }>(
      `SELECT seq_tup_read FROM pg_stat_xact_user_tables WHERE relname = 'audit_event'`,
    );
    // A sequential scan per append would have read about 2,000 × 1,000 rows.
    expect(Number(rows[0]!.seq_tup_read)).toBeLessThan(2_000);
    await c.query('COMMIT');
    expect(await verifyAuditChain(fresh.db)).toMatchObject({ ok: true, rowsChecked: 2_001 });
  } finally {
    await c.end();
    await admin.end();
    await fresh.close();
  }
});

test('rows appended many at a time (COPY) or a few (one INSERT) keep every character and chain', async () => {
  // Tabs, newlines, backslashes, quotes and non-ASCII are COPY's escapes and JSON's.
  const tricky = 'tab\there, line\nbreak, back\\slash, "quoted", Peña Nguyễn \u2603';
  const events = (n: number, tag: string) =>
    Array.from({ length: n }, (_, i) => ({
      action: 'test.batch',
      entityType: 'bill',
      entityId: `${tag}-${i}`,
      accountId: `A${i}`,
      after: { note: tricky, i },
      reason: tricky,
    }));
  const occurredAt = new Date('2026-11-05T14:03:07.123Z');
  for (const [n, tag] of [
    [120, 'many'],
    [3, 'few'],
  ] as const) {
    await inTransaction(t.db, async (c) => {
      await recordAudits(c, actor, events(n, tag));
      await recordTimelines(
        c,
        actor,
        events(n, tag).map((e) => ({
          accountId: e.accountId,
          kind: 'test.batch',
          entityType: e.entityType,
          entityId: e.entityId,
          summary: tricky,
          data: e.after,
          occurredAt,
        })),
      );
    });
  }
  for (const tag of ['many', 'few']) {
    const audits = await t.db.auditEvent.findMany({ where: { entityId: { startsWith: `${tag}-` } } });
    expect(audits).toHaveLength(tag === 'many' ? 120 : 3);
    for (const a of audits) {
      expect(a.reason).toBe(tricky);
      expect((a.after as { note: string }).note).toBe(tricky);
      expect(a.requestId).toBe('req-1');
    }
    const timeline = await t.db.timelineEvent.findMany({ where: { entityId: { startsWith: `${tag}-` } } });
    expect(timeline).toHaveLength(tag === 'many' ? 120 : 3);
    for (const e of timeline) {
      expect(e.summary).toBe(tricky);
      expect(e.occurredAt.toISOString()).toBe(occurredAt.toISOString());
    }
  }
  expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, rowsChecked: 5 + 123 });
});

test('a transaction chains its appends without looking the head up again, savepoints and all', async () => {
  const c = new Client({ connectionString: t.appUrl });
  const other = new Client({ connectionString: t.appUrl });
  await c.connect();
  await other.connect();
  const append = (on: Client, id: string) =>
    on.query(
      `INSERT INTO audit_event (actor, actor_role, action, entity_type, entity_id) VALUES ('user-1', 'csr', 'test.append', 'test', $1)`,
      [id],
    );
  try {
    // A value set for the session, not by this transaction's trigger, is ignored.
    await c.query(`SET opencis.audit_chain_head = '1:${'f'.repeat(64)}'`);
    await c.query('BEGIN');
    await append(c, 'kept-1');
    await c.query('SAVEPOINT s1');
    await append(c, 'undone-1');
    await append(c, 'undone-2');
    await c.query('ROLLBACK TO SAVEPOINT s1');
    await append(c, 'kept-2');
    await c.query('SAVEPOINT s2');
    await append(c, 'kept-3');
    await c.query('RELEASE SAVEPOINT s2');
    await c.query('COMMIT');
    // The first append of a transaction comes inside a savepoint that is rolled back.
    await c.query('BEGIN');
    await c.query('SAVEPOINT s3');
    await append(c, 'undone-3');
    await c.query('ROLLBACK TO SAVEPOINT s3');
    await append(c, 'kept-4');
    await c.query('COMMIT');
    // Another connection's transaction after these.
    await append(other, 'kept-5');
    // Two transactions appending side by side: the lock orders them.
    await Promise.all(
      [c, other].map(async (on, k) => {
        await on.query('BEGIN');
        for (let i = 0; i < 20; i++) await append(on, `side-${k}-${i}`);
        await on.query('COMMIT');
      }),
    );
  } finally {
    await c.end();
    await other.end();
  }
  const rows = await t.db.auditEvent.findMany({ orderBy: { seq: 'asc' } });
  expect(rows.map((r) => r.entityId).filter((id) => !id.startsWith('C') && !id.startsWith('side'))).toEqual([
    'kept-1',
    'kept-2',
    'kept-3',
    'kept-4',
    'kept-5',
  ]);
  for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash);
  expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, rowsChecked: 5 + 5 + 40 });
});
