// Upgrading a database that already has bills and payments to account summaries: what happened on
// an account since its last bill waits for the next one (its first summary shows it), what the
// last bill already showed is its previous balance, and the first summary adds up to the ledger.
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { PoolClient } from 'pg';
import { migrate } from '../lib/db/migrate';
import { onConnection, recordStatements } from '../services/statements';
import { withDatabase } from './helpers/test-db-names';

jest.setTimeout(120_000);

const MIGRATIONS = path.resolve(__dirname, '..', 'prisma', 'migrations');
const SUMMARIES = '20261210000000_bill_statements';

test('entries after each account’s last bill wait for its next one; older ones are its previous balance', async () => {
  const admin = process.env.TEST_DATABASE_ADMIN_URL!;
  const name = `opencis_upgrade_${randomBytes(4).toString('hex')}`;
  const server = new Client({ connectionString: admin });
  await server.connect();
  await server.query(`CREATE DATABASE ${name}`);
  const url = withDatabase(admin, name);
  // The migrations before summaries, as a database upgraded from the previous release has them.
  const before = mkdtempSync(path.join(os.tmpdir(), 'opencis-migrations-'));
  for (const m of readdirSync(MIGRATIONS).filter((m) => m < SUMMARIES))
    cpSync(path.join(MIGRATIONS, m), path.join(before, m), { recursive: true });
  const c = new Client({ connectionString: url });
  try {
    await migrate(url, before);
    await c.connect();
    await c.query(`
      INSERT INTO customer (id, name, mailing_address) VALUES ('C1', 'Ana', '1 Main St, Millbrook, PA 16801');
      INSERT INTO premise (id, service_address, zip, service_area, state, jurisdiction_profile, premise_type)
        VALUES ('P1', '1 Main St, Millbrook, PA 16801', '16801', 'North', 'PA', 'PA', 'RESIDENTIAL');
      INSERT INTO account (id, customer_id, premise_id, class, bill_cycle, start_date)
        VALUES ('A1', 'C1', 'P1', 'RES', 1, '2026-01-01'), ('A2', 'C1', 'P1', 'RES', 1, '2026-01-01');
      INSERT INTO bill (id, account_id, status, issued_at, period_from, period_to, bill_date, due_date, total_cents)
        VALUES ('B-OCT', 'A1', 'ISSUED', now() - interval '2 days', '2026-09-02', '2026-10-02', '2026-10-05', '2026-10-25', 4500);
      INSERT INTO ledger_entry (account_id, kind, amount_cents, effective_date, due_date, bill_id, idempotency_key, memo, created_at)
        VALUES
          ('A1', 'PAYMENT', -2000, '2026-09-20', NULL, NULL, 'p-before', 'Paid before the bill', now() - interval '3 days'),
          ('A1', 'CHARGE', 4500, '2026-10-05', '2026-10-25', 'B-OCT', 'bill:B-OCT:charge', 'Bill', now() - interval '2 days'),
          ('A1', 'PAYMENT', -3000, '2026-10-20', NULL, NULL, 'p-after', 'Paid after the bill', now() - interval '1 day'),
          ('A1', 'LATE_FEE', 100, '2026-10-26', '2026-11-15', 'B-OCT', 'late-after', 'Late charge', now() - interval '1 day'),
          ('A2', 'PAYMENT', -700, '2026-10-20', NULL, NULL, 'p-never-billed', 'Never billed', now() - interval '1 day');
    `);

    const result = await migrate(url);
    expect(result.applied[0]).toBe(SUMMARIES);

    const waiting = await c.query<{ key: string; account_id: string; bill_id: string | null }>(
      `SELECT e.idempotency_key AS key, s.account_id, s.bill_id FROM statement_entry s
       JOIN ledger_entry e ON e.id = s.entry_id ORDER BY e.id`,
    );
    // Since A1's last bill: the payment and the late charge; all of A2's (it never had a bill).
    expect(waiting.rows).toEqual([
      { key: 'p-after', account_id: 'A1', bill_id: null },
      { key: 'late-after', account_id: 'A1', bill_id: null },
      { key: 'p-never-billed', account_id: 'A2', bill_id: null },
    ]);

    // The next bill's summary: October's bill brought forward (less what was paid before it), the
    // payment and late charge since, and a total due that is the ledger's balance.
    await c.query(`
      INSERT INTO bill (id, account_id, status, period_from, period_to, bill_date, due_date, total_cents)
        VALUES ('B-NOV', 'A1', 'DRAFT', '2026-10-02', '2026-11-02', '2026-11-05', '2026-11-25', 5000)`);
    await c.query('BEGIN');
    await c.query(
      `INSERT INTO ledger_entry (account_id, kind, amount_cents, effective_date, due_date, bill_id, idempotency_key, memo)
       VALUES ('A1', 'CHARGE', 5000, '2026-11-05', '2026-11-25', 'B-NOV', 'bill:B-NOV:charge', 'Bill')`,
    );
    const figures = await recordStatements(onConnection(c as unknown as PoolClient), [
      { billId: 'B-NOV', accountId: 'A1', billDate: '2026-11-05', currentChargesCents: 5000n },
    ]);
    await c.query('COMMIT');
    expect(figures.get('B-NOV')).toMatchObject({
      previousBalanceCents: 2500n,
      activityCents: -2900n,
      balanceForwardCents: -400n,
      totalDueCents: 4600n,
    });
    const [ledger] = (
      await c.query<{ cents: string }>(
        `SELECT sum(amount_cents)::text AS cents FROM ledger_entry WHERE account_id = 'A1'`,
      )
    ).rows;
    expect(ledger!.cents).toBe('4600');
  } finally {
    await c.end().catch(() => undefined);
    rmSync(before, { recursive: true, force: true });
    await server.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await server.end();
  }
});
