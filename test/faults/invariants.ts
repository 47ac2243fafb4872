// The invariants every faulted run must keep, checked once everything has settled. Each check
// returns the violations it found (empty when it holds), with enough detail to start looking.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client as TemporalClient } from '@temporalio/client';
import type { Client as PgClient } from 'pg';
import type { Db } from '../../lib/db/prisma';
import { verifyAuditChain } from '../../lib/audit-verify';
import { aging } from '../../domain/ledger/aging';
import { accountPosition, toDomainEntry, utilityDate } from '../../services/ledger';
import { clientPaymentKey } from '../../services/payments';
import { caseStateQuery, type CaseState } from '../../workflows/collections-case';
import type { PaymentOutcome } from './payments';

export interface Check {
  name: string;
  violations: string[];
  /** What was counted, for the report. */
  counted: string;
}

const first = (xs: string[], n = 8) =>
  xs.length > n ? [...xs.slice(0, n), `… and ${xs.length - n} more`] : xs;

export async function checkInvariants(ctx: {
  pg: PgClient;
  db: Db;
  temporal: TemporalClient;
  runId: string;
  baseUrl: string;
  csrKey: string;
  mailDir: string;
  payments: PaymentOutcome[];
  sample: string[];
}): Promise<Check[]> {
  const { pg, runId } = ctx;
  const rows = async <T extends Record<string, unknown>>(sql: string, args: unknown[] = []) =>
    (await pg.query<T>(sql, args)).rows;
  const checks: Check[] = [];

  // 1. Every account: exactly one REGULAR bill for the period, issued.
  {
    const v: string[] = [];
    const wrong = await rows<{ id: string; n: string }>(
      `SELECT a.id, count(b.id) AS n FROM account a
       LEFT JOIN bill b ON b.account_id = a.id AND b.cycle_run_id = $1 AND b.kind = 'REGULAR' AND b.cancelled_at IS NULL
       WHERE a.bill_cycle = 1 GROUP BY a.id HAVING count(b.id) <> 1 ORDER BY a.id`,
      [runId],
    );
    v.push(...wrong.map((r) => `account ${r.id} has ${r.n} REGULAR bills for ${runId}`));
    const notIssued = await rows<{ status: string; n: string }>(
      `SELECT status::text, count(*) AS n FROM bill WHERE cycle_run_id = $1 AND status <> 'ISSUED' GROUP BY status`,
      [runId],
    );
    v.push(...notIssued.map((r) => `${r.n} bills of ${runId} are ${r.status}`));
    const [c] = await rows<{ accounts: string; bills: string }>(
      `SELECT (SELECT count(*) FROM account WHERE bill_cycle = 1) AS accounts,
              (SELECT count(*) FROM bill WHERE cycle_run_id = $1) AS bills`,
      [runId],
    );
    checks.push({
      name: 'one REGULAR bill per account',
      violations: first(v),
      counted: `${c!.accounts} accounts, ${c!.bills} bills`,
    });
  }

  // 2. The ledger: one charge per issued bill for its total, no orphan entry, and the balance the
  // same to the cent whoever computes it (SQL sum, the ledger rules, the service, the API).
  {
    const v: string[] = [];
    const charges = await rows<{ id: string; total: string; n: string; sum: string | null }>(
      `SELECT b.id, b.total_cents AS total, count(e.id) AS n, sum(e.amount_cents) AS sum
       FROM bill b LEFT JOIN ledger_entry e ON e.bill_id = b.id AND e.kind = 'CHARGE'
       WHERE b.cycle_run_id = $1 AND b.status = 'ISSUED'
       GROUP BY b.id, b.total_cents HAVING count(e.id) <> 1 OR sum(e.amount_cents) <> b.total_cents`,
      [runId],
    );
    v.push(
      ...charges.map(
        (r) => `bill ${r.id}: ${r.n} CHARGE entries summing ${r.sum ?? 0} for a total of ${r.total}`,
      ),
    );
    const orphans = await rows<{ id: string; kind: string; why: string }>(
      `SELECT e.id::text, e.kind::text, w.why FROM ledger_entry e
       CROSS JOIN LATERAL (SELECT CASE
         WHEN NOT EXISTS (SELECT 1 FROM account a WHERE a.id = e.account_id) THEN 'no such account'
         WHEN e.kind IN ('CHARGE', 'LATE_FEE') AND e.bill_id IS NULL THEN 'no bill'
         WHEN e.bill_id IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM bill b WHERE b.id = e.bill_id AND b.account_id = e.account_id AND b.status <> 'DRAFT')
           THEN 'bill missing, a draft, or another account''s'
         WHEN e.kind IN ('PAYMENT', 'PAYMENT_REVERSAL', 'RETURNED_PAYMENT_FEE') AND NOT EXISTS (
           SELECT 1 FROM payment p WHERE p.id = e.payment_id AND p.account_id = e.account_id) THEN 'no such payment'
         WHEN e.kind IN ('PAYMENT_REVERSAL', 'RETURNED_PAYMENT_FEE') AND NOT EXISTS (
           SELECT 1 FROM payment p WHERE p.id = e.payment_id AND p.status = 'RETURNED') THEN 'payment not returned'
         WHEN e.reverses_entry_id IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM ledger_entry r WHERE r.id = e.reverses_entry_id AND r.account_id = e.account_id)
           THEN 'reverses an entry that is not there'
       END AS why) w
       WHERE w.why IS NOT NULL ORDER BY e.id LIMIT 50`,
    );
    v.push(...orphans.map((r) => `orphan ledger entry ${r.id} (${r.kind}): ${r.why}`));

    // Every account's balance: SQL sum vs the ledger rules over its entries.
    const sums = new Map(
      (
        await rows<{ id: string; sum: string }>(
          `SELECT a.id, coalesce(sum(e.amount_cents), 0)::text AS sum FROM account a
         LEFT JOIN ledger_entry e ON e.account_id = a.id GROUP BY a.id`,
        )
      ).map((r) => [r.id, BigInt(r.sum)]),
    );
    const today = utilityDate();
    const byAccount = new Map<string, ReturnType<typeof toDomainEntry>[]>();
    for (const e of await ctx.db.ledgerEntry.findMany({
      orderBy: [{ effectiveDate: 'asc' }, { id: 'asc' }],
    })) {
      const list = byAccount.get(e.accountId) ?? [];
      list.push(toDomainEntry(e));
      byAccount.set(e.accountId, list);
    }
    let compared = 0;
    for (const [id, sum] of sums) {
      const ruled = aging(byAccount.get(id) ?? [], today).balanceCents;
      if (ruled !== sum) v.push(`account ${id}: entries sum to ${sum} but the ledger rules say ${ruled}`);
      compared++;
    }
    // A sample through the service and the API, as the screens and clients read it.
    for (const id of ctx.sample) {
      const service = (await accountPosition(ctx.db, id)).balanceCents;
      const res = await fetch(`${ctx.baseUrl}/accounts/${id}/ledger`, {
        headers: { authorization: `Bearer ${ctx.csrKey}` },
      });
      const api = res.ok ? BigInt(((await res.json()) as { balanceCents: number }).balanceCents) : null;
      const sum = sums.get(id) ?? 0n;
      if (service !== sum || api !== sum)
        v.push(
          `account ${id}: entries sum to ${sum}, the service says ${service}, GET /accounts/${id}/ledger ${api ?? res.status}`,
        );
    }
    const [run] = await rows<{ issued: string | null; charged: string | null; totals: string | null }>(
      `SELECT r.counts->>'issuedCents' AS issued,
         (SELECT sum(e.amount_cents)::text FROM ledger_entry e JOIN bill b ON b.id = e.bill_id
          WHERE b.cycle_run_id = r.id AND e.kind = 'CHARGE') AS charged,
         (SELECT sum(total_cents)::text FROM bill WHERE cycle_run_id = r.id) AS totals
       FROM bill_cycle_run r WHERE r.id = $1`,
      [runId],
    );
    if (!run || run.charged !== run.totals || (run.issued !== null && run.issued !== run.totals))
      v.push(
        `cycle ${runId}: issued ${run?.issued} cents, charged ${run?.charged}, bill totals ${run?.totals}`,
      );
    checks.push({
      name: 'ledger balances to the cent, no orphans',
      violations: first(v),
      counted: `${compared} balances (SQL = ledger rules), ${ctx.sample.length} also via service and API; charges ${run?.charged ?? 0} = bills ${run?.totals ?? 0}`,
    });
  }

  // 3. No notice twice: one delivery per bill; each collections notice once per recipient and
  // channel; no message in the mail catcher twice, none without its register row.
  {
    const v: string[] = [];
    const bills = await rows<{ id: string; n: string }>(
      `SELECT b.id, count(n.id) AS n FROM bill b LEFT JOIN notice n ON n.bill_id = b.id AND n.type = 'BILL'
       WHERE b.cycle_run_id = $1 GROUP BY b.id HAVING count(n.id) <> 1`,
      [runId],
    );
    v.push(...bills.map((r) => `bill ${r.id} is in the notice register ${r.n} times`));
    // An email a stopped worker claimed and never confirmed is marked (unconfirmed_at), not left
    // looking as if it might still be on its way.
    const silent = await rows<{ bill_id: string }>(
      `SELECT n.bill_id FROM notice n JOIN bill b ON b.id = n.bill_id
       WHERE b.cycle_run_id = $1 AND n.type = 'BILL' AND n.channel = 'EMAIL'
         AND n.message_id IS NULL AND n.unconfirmed_at IS NULL`,
      [runId],
    );
    v.push(...silent.map((r) => `bill ${r.bill_id}'s email is neither confirmed nor marked unconfirmed`));
    const silentNotices = await rows<{ k: string }>(
      `SELECT idempotency_key AS k FROM notice
       WHERE episode IS NOT NULL AND channel = 'EMAIL' AND message_id IS NULL AND unconfirmed_at IS NULL`,
    );
    v.push(
      ...silentNotices.map((r) => `collections email ${r.k} is neither confirmed nor marked unconfirmed`),
    );
    const twice = await rows<{ what: string; n: string }>(
      `SELECT account_id || ' episode ' || episode || ' ' || step AS what, count(*) AS n FROM (
         SELECT account_id, episode, regexp_replace(idempotency_key, '^collections:[^:]+:[0-9]+:([A-Z_]+):[0-9]+:', '\\1:') AS step
         FROM notice WHERE episode IS NOT NULL) s
       GROUP BY account_id, episode, step HAVING count(*) > 1`,
    );
    v.push(...twice.map((r) => `collections notice ${r.what} registered ${r.n} times`));
    const keys = new Map<string, number>();
    let files = 0;
    for (const f of readdirSync(ctx.mailDir).filter((x) => x.endsWith('.eml'))) {
      files++;
      const head = readFileSync(path.join(ctx.mailDir, f), 'utf8').split(/\r?\n\r?\n/, 1)[0]!;
      const m = /^X-OpenCIS-Notice-Key:\s*(.+)$/im.exec(head);
      if (m) keys.set(m[1]!.trim(), (keys.get(m[1]!.trim()) ?? 0) + 1);
    }
    for (const [k, n] of keys) if (n > 1) v.push(`the mail server received notice ${k} ${n} times`);
    const registered = new Set(
      (await rows<{ k: string }>(`SELECT idempotency_key AS k FROM notice WHERE channel = 'EMAIL'`)).map(
        (r) => r.k,
      ),
    );
    const unregistered = [...keys.keys()].filter((k) => !registered.has(k));
    v.push(...unregistered.map((k) => `mail ${k} was sent with no notice register row`));
    const [c] = await rows<{ n: string; coll: string; unconfirmed: string }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE episode IS NOT NULL) AS coll,
              count(*) FILTER (WHERE unconfirmed_at IS NOT NULL) AS unconfirmed FROM notice`,
    );
    checks.push({
      name: 'no notice twice',
      violations: first(v),
      counted: `${c!.n} register rows (${c!.coll} collections, ${c!.unconfirmed} emails marked unconfirmed), ${files} emails caught`,
    });
  }

  // 4. No fee twice: one late charge per bill at most, one returned-payment charge per payment.
  {
    const v: string[] = [];
    const late = await rows<{ bill_id: string; n: string }>(
      `SELECT bill_id, count(*) AS n FROM ledger_entry WHERE kind = 'LATE_FEE' GROUP BY bill_id HAVING count(*) > 1`,
    );
    v.push(...late.map((r) => `bill ${r.bill_id} has ${r.n} late charges`));
    const lateAcct = await rows<{ account_id: string; n: string }>(
      `SELECT e.account_id, count(*) AS n FROM ledger_entry e JOIN bill b ON b.id = e.bill_id
       WHERE e.kind = 'LATE_FEE' AND b.cycle_run_id = $1 GROUP BY e.account_id HAVING count(*) > 1`,
      [runId],
    );
    v.push(...lateAcct.map((r) => `account ${r.account_id} has ${r.n} late charges for ${runId}`));
    const ret = await rows<{ payment_id: string; kind: string; n: string }>(
      `SELECT payment_id::text, kind::text, count(*) AS n FROM ledger_entry
       WHERE kind IN ('RETURNED_PAYMENT_FEE', 'PAYMENT_REVERSAL') GROUP BY payment_id, kind HAVING count(*) > 1`,
    );
    v.push(...ret.map((r) => `payment ${r.payment_id} has ${r.n} ${r.kind} entries`));
    // A reconnection charge per restoration at most: never more than the account's reconnections.
    const recon = await rows<{ account_id: string; fees: string; reconnects: string }>(
      `SELECT e.account_id, count(*) AS fees,
         (SELECT count(*) FROM collections_action x WHERE x.account_id = e.account_id AND x.kind = 'RECONNECT') AS reconnects
       FROM ledger_entry e WHERE e.kind = 'RECONNECTION_FEE' GROUP BY e.account_id
       HAVING count(*) > (SELECT count(*) FROM collections_action x WHERE x.account_id = e.account_id AND x.kind = 'RECONNECT')`,
    );
    v.push(
      ...recon.map(
        (r) => `account ${r.account_id} has ${r.fees} reconnection charges for ${r.reconnects} reconnections`,
      ),
    );
    const [c] = await rows<{ late: string; ret: string; recon: string }>(
      `SELECT count(*) FILTER (WHERE kind = 'LATE_FEE') AS late, count(*) FILTER (WHERE kind = 'RETURNED_PAYMENT_FEE') AS ret,
         count(*) FILTER (WHERE kind = 'RECONNECTION_FEE') AS recon
       FROM ledger_entry`,
    );
    checks.push({
      name: 'no fee twice',
      violations: first(v),
      counted: `${c!.late} late charges, ${c!.ret} returned-payment charges, ${c!.recon} reconnection charges`,
    });
  }

  // 5. No payment lost or doubled: every acknowledged payment is in the ledger exactly once under
  // its key; an unanswered one at most once; no key twice; each acknowledged return done once.
  {
    const v: string[] = [];
    const ours = await rows<{
      key: string;
      id: string;
      amount: string;
      status: string;
      entries: string;
      sum: string | null;
      rev: string;
      fee: string;
    }>(
      `SELECT p.idempotency_key AS key, p.id::text, p.amount_cents::text AS amount, p.status::text,
         (SELECT count(*) FROM ledger_entry e WHERE e.payment_id = p.id AND e.kind = 'PAYMENT') AS entries,
         (SELECT sum(e.amount_cents)::text FROM ledger_entry e WHERE e.payment_id = p.id AND e.kind = 'PAYMENT') AS sum,
         (SELECT count(*) FROM ledger_entry e WHERE e.payment_id = p.id AND e.kind = 'PAYMENT_REVERSAL') AS rev,
         (SELECT count(*) FROM ledger_entry e WHERE e.payment_id = p.id AND e.kind = 'RETURNED_PAYMENT_FEE') AS fee
       FROM payment p WHERE p.idempotency_key LIKE 'payment:csr:faults-%'`,
    );
    const byKey = new Map<string, (typeof ours)[number][]>();
    for (const r of ours) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
    let acked = 0;
    let unanswered = 0;
    let returnsAcked = 0;
    // The suite posts as the csr user; client keys are kept per user (clientPaymentKey).
    const planned = new Set(ctx.payments.map((o) => clientPaymentKey('csr', o.planned.key)));
    for (const k of byKey.keys())
      if (!planned.has(k)) v.push(`payment ${k} is in the database but was never sent`);
    for (const o of ctx.payments) {
      const key = clientPaymentKey('csr', o.planned.key);
      const found = byKey.get(key) ?? [];
      const ok = o.status !== null && o.status < 300;
      if (o.status !== null && !ok) v.push(`payment ${o.planned.key} was refused: ${o.status} ${o.error}`);
      if (ok) acked++;
      if (o.status === null) unanswered++;
      if (found.length > 1) v.push(`payment ${o.planned.key} is in the database ${found.length} times`);
      const row = found[0];
      if (ok && !row)
        v.push(`payment ${o.planned.key} was acknowledged (${o.paymentId}) but is not in the database`);
      if (!row) continue;
      if (ok && o.paymentId !== row.id)
        v.push(`payment ${o.planned.key}: acknowledged as ${o.paymentId}, stored as ${row.id}`);
      if (row.amount !== String(o.planned.amountCents))
        v.push(`payment ${o.planned.key}: sent ${o.planned.amountCents} cents, stored ${row.amount}`);
      if (row.entries !== '1' || row.sum !== String(-o.planned.amountCents))
        v.push(
          `payment ${o.planned.key}: ${row.entries} PAYMENT entries summing ${row.sum} (expected one of ${-o.planned.amountCents})`,
        );
      const r = o.returned;
      if (r) {
        // A retried return that finds its first attempt done answers 409 "already returned".
        const done = r.status === 200 || (r.status === 409 && r.attempts > 1);
        if (r.status !== null && !done)
          v.push(`return of ${o.planned.key} was refused: ${r.status} ${r.error}`);
        if (done) returnsAcked++;
        if (done && (row.status !== 'RETURNED' || row.rev !== '1' || row.fee !== '1'))
          v.push(
            `return of ${o.planned.key}: payment ${row.status}, ${row.rev} reversals, ${row.fee} returned-payment charges`,
          );
      } else if (row.status === 'RETURNED' || row.rev !== '0' || row.fee !== '0') {
        v.push(`payment ${o.planned.key} was never returned but is ${row.status} with ${row.rev} reversals`);
      }
    }
    checks.push({
      name: 'no payment lost or doubled',
      violations: first(v),
      counted: `${ctx.payments.length} sent, ${acked} acknowledged, ${unanswered} unanswered, ${returnsAcked} returns acknowledged; ${ctx.payments.reduce((s, o) => s + o.attempts, 0)} requests`,
    });
  }

  // 6. Every ledger entry on exactly one bill's account summary, or waiting for the next bill; each
  // summary adds up to the entries it shows, and with the entries still waiting to the ledger.
  {
    const v: string[] = [];
    const missing = await rows<{ n: string }>(
      `SELECT count(*) AS n FROM bill b LEFT JOIN bill_statement s ON s.bill_id = b.id
       WHERE b.cycle_run_id = $1 AND b.status = 'ISSUED' AND s.bill_id IS NULL`,
      [runId],
    );
    if (missing[0]!.n !== '0') v.push(`${missing[0]!.n} issued bills of ${runId} have no account summary`);
    const unqueued = await rows<{ id: string }>(
      `SELECT e.id::text FROM ledger_entry e LEFT JOIN statement_entry s ON s.entry_id = e.id
       WHERE s.entry_id IS NULL LIMIT 20`,
    );
    v.push(...unqueued.map((r) => `ledger entry ${r.id} is on no bill and not waiting for one`));
    const wrong = await rows<{ bill_id: string; what: string }>(
      `SELECT s.bill_id,
         format('activity %s but shows %s; current %s but the bill is %s; total due %s, ledger %s, waiting %s',
           s.activity_cents, coalesce(shown.cents, 0), s.current_charges_cents, b.total_cents,
           s.total_due_cents, led.cents, coalesce(waiting.cents, 0)) AS what
       FROM bill_statement s JOIN bill b ON b.id = s.bill_id
       LEFT JOIN LATERAL (SELECT sum(e.amount_cents) AS cents FROM statement_entry se
         JOIN ledger_entry e ON e.id = se.entry_id
         WHERE se.bill_id = s.bill_id AND NOT (e.kind = 'CHARGE' AND e.bill_id = s.bill_id)) shown ON true
       LEFT JOIN LATERAL (SELECT coalesce(sum(e.amount_cents), 0) AS cents FROM ledger_entry e
         WHERE e.account_id = b.account_id) led ON true
       LEFT JOIN LATERAL (SELECT sum(e.amount_cents) AS cents FROM statement_entry se
         JOIN ledger_entry e ON e.id = se.entry_id
         WHERE se.account_id = b.account_id AND se.bill_id IS NULL) waiting ON true
       WHERE b.cycle_run_id = $1
         AND (s.activity_cents <> coalesce(shown.cents, 0) OR s.current_charges_cents <> b.total_cents
           -- where the run's bill is the account's only summary, it and what waits are the ledger
           OR (s.total_due_cents + coalesce(waiting.cents, 0) <> led.cents
             AND NOT EXISTS (SELECT 1 FROM bill_statement s2 JOIN bill b2 ON b2.id = s2.bill_id
               WHERE b2.account_id = b.account_id AND s2.bill_id <> s.bill_id)))
       LIMIT 20`,
      [runId],
    );
    v.push(...wrong.map((r) => `bill ${r.bill_id}'s account summary: ${r.what}`));
    const [c] = await rows<{ summaries: string; shown: string; waiting: string }>(
      `SELECT (SELECT count(*) FROM bill_statement) AS summaries,
         (SELECT count(*) FROM statement_entry WHERE bill_id IS NOT NULL) AS shown,
         (SELECT count(*) FROM statement_entry WHERE bill_id IS NULL) AS waiting`,
    );
    checks.push({
      name: 'every ledger entry on one bill summary',
      violations: first(v),
      counted: `${c!.summaries} summaries showing ${c!.shown} entries, ${c!.waiting} waiting for the next bill`,
    });
  }

  // 7. The audit chain verifies.
  {
    const r = await verifyAuditChain(ctx.db);
    checks.push({
      name: 'audit chain verifies',
      violations: r.ok ? [] : [r.firstBreak?.message ?? 'broken'],
      counted: `${r.rowsChecked} rows`,
    });
  }
  return checks;
}

export interface CaseCensus {
  episodes: number;
  closed: number;
  resting: number;
  busy: string[];
  broken: string[];
  stages: Record<string, number>;
}

/**
 * Where every collections case stands. A case is long-lived (it sleeps days for notice periods),
 * so "finished" for a run means: its workflow either completed with the episode closed, or is
 * running and at rest — no activity pending or retrying, no workflow task outstanding, the hand-off
 * recorded and the reminder sent (past OPEN), and its stage the same in the workflow and in the
 * episode row — waiting only on a timer or on a fact to change.
 */
export async function collectionsCensus(
  pg: PgClient,
  temporal: TemporalClient,
  runId: string,
): Promise<CaseCensus> {
  const episodes = (
    await pg.query<{ workflow_id: string; stage: string; closed: boolean }>(
      `SELECT workflow_id, stage, closed_at IS NOT NULL AS closed FROM collections_episode WHERE opened_by_run = $1`,
      [runId],
    )
  ).rows;
  const census: CaseCensus = {
    episodes: episodes.length,
    closed: 0,
    resting: 0,
    busy: [],
    broken: [],
    stages: {},
  };
  let next = 0;
  const lane = async () => {
    while (next < episodes.length) {
      const e = episodes[next++]!;
      const h = temporal.workflow.getHandle(e.workflow_id);
      let d;
      try {
        d = await h.describe();
      } catch (err) {
        census.broken.push(`${e.workflow_id}: no workflow (${(err as Error).message})`);
        continue;
      }
      const status = d.status.name;
      if (status === 'COMPLETED') {
        // Read the row again: the case may have closed since the list above was read.
        const now = (
          await pg.query<{ stage: string; closed: boolean }>(
            `SELECT stage, closed_at IS NOT NULL AS closed FROM collections_episode WHERE workflow_id = $1`,
            [e.workflow_id],
          )
        ).rows[0];
        if (now?.closed && now.stage === 'CLOSED') census.closed++;
        else
          census.broken.push(
            `${e.workflow_id}: workflow completed but the episode is ${now?.stage ?? 'missing'}`,
          );
        census.stages.CLOSED = (census.stages.CLOSED ?? 0) + 1;
        continue;
      }
      if (status !== 'RUNNING') {
        census.broken.push(`${e.workflow_id}: workflow ${status}`);
        continue;
      }
      const pending = d.raw.pendingActivities ?? [];
      if (pending.length > 0 || d.raw.pendingWorkflowTask) {
        const a = pending[0];
        census.busy.push(
          `${e.workflow_id}: ${a ? `${a.activityType?.name} attempt ${a.attempt}${a.lastFailure?.message ? ` (${a.lastFailure.message.slice(0, 120)})` : ''}` : 'workflow task pending'}`,
        );
        continue;
      }
      let s: CaseState;
      try {
        s = await h.query(caseStateQuery);
      } catch (err) {
        census.busy.push(`${e.workflow_id}: query failed (${(err as Error).message.slice(0, 120)})`);
        continue;
      }
      census.stages[s.stage] = (census.stages[s.stage] ?? 0) + 1;
      if (s.stage === 'OPEN') census.busy.push(`${e.workflow_id}: still OPEN (no reminder yet)`);
      else if (s.stage !== e.stage)
        census.busy.push(`${e.workflow_id}: the workflow says ${s.stage}, the episode row ${e.stage}`);
      else census.resting++;
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  return census;
}
