// Activities of the collectionsCase workflow. Each step writes under an idempotency key from the
// case and the step (`collections:<account>:<episode>:<step>:<n>`), so a retried activity or a
// replayed workflow never sends a notice twice, opens a second order or records an action twice.
// The rules are the policy evaluator's (domain/collections); the facts are the records'
// (services/collections-snapshot.ts).
import type { Client } from '@temporalio/client';
import type { PoolClient } from 'pg';
import type { Db, Tx } from '../lib/db/prisma';
import { recordChange, SYSTEM_ACTOR, toJson } from '../lib/audit';
import { inTransaction, query } from '../lib/db/bulk';
import { jsonText, recordChangeOn } from '../lib/audit-batch';
import { clientKeyFor, keyClaimed, once, onceOn } from '../lib/idempotency';
import type { Mailer } from '../lib/mailer';
import { formatCents } from '../domain/ledger/money';
import {
  criticalCareRuleOn,
  evaluate,
  evaluateArrangementRequest,
  reconnectionDeadline,
  isAfterHours,
  reconnectionFee,
  requiredNoticeRecipients,
  medicalConditionsUnmet,
  type Citation,
} from '../domain/collections';
import { planCase, type CaseAction } from '../domain/collections/case-plan';
import { loadCaseContext, withDueDateWeather, type CaseContext } from '../services/collections-snapshot';
import {
  renderCollectionsNotice,
  storedNoticeView,
  type CollectionsNoticeType,
  type CollectionsNoticeView,
  type NoticeRecipientRole,
} from '../services/collections-notices';
import { cancelServiceOrder, crewActedAt, newOrderId, openServiceOrder } from '../services/service-orders';
import { AppError } from '../lib/errors';
import { classifySendError } from '../services/bill-delivery';
import { noticePrefixOf, PRINT_CLOSE_LOCK, printCloseFor } from '../services/notice-print';
import { slaDueAt, type ServiceOrderType } from '../domain/service-order';
import type { PostedNoticeCopy } from '../workflows/service-order';
import { postedNoticeOf } from '../services/posted-notice';
import { addDays, isoDateIn } from '../domain/ledger/dates';
import { dbDate, pastDueAsRecordedAt, postEntry, TX_OPTIONS } from '../services/ledger';
import { DUE_DAYS_AFTER_BILL } from '../domain/ledger/fees';
import { noticeAgencyFor, type NoticeAgency } from '../services/notice-agencies';
import { endOfDay, startOfDay } from '../domain/collections/calendar';
import { movedNoticeDates, noticeDates } from '../domain/collections/notice-dates';

export interface CollectionsActivityDeps {
  db: Db;
  temporal?: Client;
  taskQueue?: string;
  mailer?: Mailer;
  /** When the day's print batch closes (NOTICE_PRINT_TIME): a mailed notice leaves with it. */
  noticePrintTime?: string;
}

/**
 * What a collections notice states about the account at `at`: who and where, the amounts past due
 * and owed, the reconnection charges in and after business hours, and the past-due items.
 */
function noticeFacts(
  accountId: string,
  ctx: CaseContext,
  at: string,
): Pick<CollectionsNoticeView, 'account' | 'amounts' | 'itemized'> {
  const { profile, snapshot } = ctx;
  return {
    account: {
      id: accountId,
      customerName: ctx.customer.name,
      serviceAddress: ctx.premise.serviceAddress,
      service: snapshot.service,
    },
    amounts: {
      pastDueCents: snapshot.pastDueCents,
      totalDueCents: ctx.balanceCents > 0n ? ctx.balanceCents : 0n,
      reconnectionFeeCents: reconnectionFee(profile, snapshot, false, at).feeCents,
      reconnectionFeeAfterHoursCents: reconnectionFee(profile, snapshot, true, at).feeCents,
    },
    itemized: ctx.pastDueItems,
  };
}

/**
 * A door hanger's notice: the 48-hour notice the crew posts at the premises, addressed to whoever
 * lives there, in the customer's language, rendered once when the case orders it. The date it
 * states is the later of the written notice's date and the day after the posting's own lead runs
 * out, counted from the end of the crew's time to post it (`postBy`, the order's SLA): posted
 * sooner, the date still holds. The engine judges the act by the posting's real time in any case.
 */
export function postedNoticeCopy(
  accountId: string,
  ctx: CaseContext,
  at: string,
  postBy: string,
): PostedNoticeCopy {
  const { profile, snapshot } = ctx;
  const leadHours = profile.postedNotice?.leadHours ?? profile.shortNotice?.postedFallbackHours ?? 48;
  const leadEnds = new Date(Date.parse(postBy) + leadHours * 3_600_000);
  const byLead = addDays(isoDateIn(leadEnds, profile.timeZone), 1);
  const written = snapshot.notices
    .filter((n) => n.step === 'DISCONNECT_NOTICE' && n.onOrAfter)
    .map((n) => n.onOrAfter!)
    .sort()
    .at(-1);
  const disconnectOnOrAfter = written && written > byLead ? written : byLead;
  const rendered = renderCollectionsNotice({
    type: 'POSTED_NOTICE',
    profile: profile.code,
    language: ctx.customer.language,
    recipient: { role: 'OCCUPANT', name: 'Occupant', address: ctx.premise.serviceAddress, email: null },
    ...noticeFacts(accountId, ctx, at),
    dates: { issuedOn: isoDateIn(new Date(at), profile.timeZone), disconnectOnOrAfter },
    reasons: [],
  });
  return {
    language: rendered.language,
    subject: rendered.subject,
    text: rendered.text,
    contentHash: rendered.contentHash,
    disconnectOnOrAfter,
  };
}

/** How long before the day's print close a disconnection notice is counted from the next one. */
export const PRINT_CLOSE_MARGIN_MS = 15 * 60_000;

export const collectionsKey = (accountId: string, episode: number, step: string) =>
  `collections:${accountId}:${episode}:${step}`;

/** A reason as one line: "text (cite)". */
const line = (c: Citation) => `${c.text} (${c.cite})`;
export interface CasePlanResult {
  action: CaseAction;
  now: boolean;
  earliest: string | null;
  pastDueCents: string;
  disconnected: boolean;
  reasons: string[];
  blocking: string[];
  protections: string[];
  arrangement: { id: string; status: string } | null;
  /** The account's service ended with a final bill: there is nothing to disconnect. */
  finalBilled: boolean;
  /** A medical certificate protects the household now (absent from results recorded before it). */
  medical?: boolean;
}

/**
 * One compliance action, for the reports: who, what, where (ZIP, service, class, heating). Once
 * per key; true when this call recorded it.
 */
async function recordAction(
  on: Tx | PoolClient,
  ctx: CaseContext,
  a: {
    key: string;
    accountId: string;
    episode: number;
    kind: string;
    at: Date;
    method?: string | null;
    cause?: string | null;
    amountCents?: bigint | null;
    data?: unknown;
  },
): Promise<boolean> {
  const sql = `INSERT INTO collections_action (account_id, episode, kind, method, cause, occurred_at, profile,
       service, customer_class, heating, zip, amount_cents, idempotency_key, data)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::bigint, $13, $14::jsonb)
     ON CONFLICT (idempotency_key) DO NOTHING`;
  const params = [
    a.accountId,
    a.episode,
    a.kind,
    a.method ?? null,
    a.cause ?? null,
    a.at,
    ctx.profile.code,
    ctx.snapshot.service,
    ctx.snapshot.customerClass,
    ctx.snapshot.heating,
    ctx.premise.zip,
    a.amountCents?.toString() ?? null,
    a.key,
    jsonText(a.data ?? null),
  ];
  const prisma = on as Tx;
  const inserted =
    typeof prisma.$executeRawUnsafe === 'function'
      ? await prisma.$executeRawUnsafe(sql, ...params)
      : ((await (on as PoolClient).query(sql, params)).rowCount ?? 0);
  return inserted === 1;
}

/**
 * When the crew did the case's order (services/service-orders.ts crewActedAt): the act is what the
 * rules and the reports count (a disconnection in the month it happened, a reconnection charged by
 * the hour service came back), not when the tablet got through.
 */
async function crewActAt(tx: Tx, orderId: string, reportedAt: string): Promise<Date> {
  const order = await tx.serviceOrder.findUnique({ where: { id: orderId }, select: { completion: true } });
  return crewActedAt(order?.completion as { readAt?: string | null } | null, new Date(reportedAt));
}

/**
 * The tariff's reconnection charge for service restored after a disconnection for nonpayment, in
 * or after business hours by the moment the crew restored it, held to any income-based cap. None
 * when the disconnection was in error. Posted once per order (its ledger key), in the caller's
 * transaction; audited and on the timeline.
 */
async function chargeReconnection(
  tx: Tx,
  ctx: CaseContext,
  orderId: string,
  cause: string,
  at: string,
): Promise<void> {
  // Caps only hold a tariff charge down; a profile without one charges nothing.
  if (cause === 'ERRONEOUS' || !ctx.profile.reconnectionFee) return;
  // In or after business hours by when the crew restored service, as a disconnection is judged.
  const restoredAt = (await crewActAt(tx, orderId, at)).toISOString();
  const afterHours = isAfterHours(ctx.profile, restoredAt);
  const fee = reconnectionFee(ctx.profile, ctx.snapshot, afterHours, restoredAt);
  if (fee.feeCents <= 0n) return;
  const day = isoDateIn(new Date(restoredAt), ctx.profile.timeZone);
  const why = fee.reasons.map((r) => `${r.text} (${r.cite})`).join('; ');
  await postEntry(
    tx,
    {
      accountId: ctx.snapshot.accountId,
      kind: 'RECONNECTION_FEE',
      amountCents: fee.feeCents,
      effectiveDate: day,
      dueDate: addDays(day, DUE_DAYS_AFTER_BILL),
      idempotencyKey: `service-order:${orderId}:reconnection-fee`,
      memo: `Reconnection charge${afterHours ? ', after hours' : ''} (order ${orderId})`,
    },
    {
      actor: SYSTEM_ACTOR,
      reason: why,
      timeline: {
        kind: 'ledger.fee',
        occurredAt: new Date(restoredAt),
        summary: `Reconnection charge ${formatCents(fee.feeCents)}${afterHours ? ' (after hours)' : ''}: ${why}`,
      },
    },
  );
}

export function createCollectionsActivities(deps: CollectionsActivityDeps) {
  const { db } = deps;
  // Cases wake in crowds (a cycle hands off every past-due account at once): wait for a
  // connection rather than fail the attempt.
  const inTx = <T>(fn: (tx: Tx) => Promise<T>) => db.$transaction(fn, TX_OPTIONS);
  const orderDeps = () => {
    if (!deps.temporal || !deps.taskQueue) throw new Error('Collections orders need the Temporal client');
    return { db, temporal: deps.temporal, taskQueue: deps.taskQueue };
  };

  return {
    async recordCollectionsHandoff(h: {
      accountId: string;
      episode: number;
      runId: string;
      asOf: string;
      pastDueCents: string;
    }) {
      const ctx = await loadCaseContext(db, h.accountId, h.episode, new Date(`${h.asOf}T12:00:00Z`));
      // Plain SQL in one transaction: a bill cycle hands thousands of cases over at once.
      await inTransaction(db, async (c) => {
        await onceOn(
          c,
          collectionsKey(h.accountId, h.episode, `handoff:${h.runId}`),
          'collections',
          async () => {
            const dollars = formatCents(BigInt(h.pastDueCents));
            await c.query(
              'UPDATE collections_episode SET profile = $3, updated_at = now() WHERE account_id = $1 AND episode = $2',
              [h.accountId, h.episode, ctx.profile.code],
            );
            await recordAction(c, ctx, {
              key: collectionsKey(h.accountId, h.episode, `handoff:${h.runId}`),
              accountId: h.accountId,
              episode: h.episode,
              kind: 'HANDOFF',
              at: new Date(),
              amountCents: BigInt(h.pastDueCents),
              data: { runId: h.runId },
            });
            await recordChangeOn(
              c,
              SYSTEM_ACTOR,
              {
                action: 'collections.handoff',
                entityType: 'collections_episode',
                entityId: `${h.accountId}:${h.episode}`,
                accountId: h.accountId,
                after: h,
                reason: `past due $${dollars} after bill cycle ${h.runId}`,
              },
              {
                kind: 'collections.handoff',
                summary: `Handed to collections (episode ${h.episode}, ${ctx.profile.code} rules): ${dollars} past due after cycle ${h.runId}`,
                data: h,
              },
            );
          },
        );
      });
    },

    /** The next move under the profile, written on the episode so supervisors see it. */
    async planCollectionsCase(i: {
      accountId: string;
      episode: number;
      at: string;
    }): Promise<CasePlanResult> {
      const ctx = await loadCaseContext(db, i.accountId, i.episode, new Date(i.at));
      const plan = planCase(ctx.profile, ctx.snapshot, i.at);
      const d = plan.decision ?? plan.why;
      // Plain SQL on this path: it runs inside the case's workflow task, several times per case.
      const [arrangement = null] = await query<{ id: string; status: string }>(
        db,
        `SELECT id::text, status FROM payment_arrangement WHERE account_id = $1 AND episode = $2
         ORDER BY created_at DESC LIMIT 1`,
        [i.accountId, i.episode],
      );
      const result: CasePlanResult = {
        action: plan.action,
        now: plan.now,
        earliest: plan.earliest,
        pastDueCents: ctx.snapshot.pastDueCents.toString(),
        disconnected: ctx.snapshot.disconnectedAt !== null,
        reasons: d.reasons.map(line),
        blocking: (plan.now ? [] : [...d.blocking, ...(d.earliestReasons ?? [])]).map(line),
        protections: plan.why.protections.map(line),
        arrangement,
        finalBilled: ctx.accountStatus === 'FINAL' || ctx.accountStatus === 'CLOSED',
        medical: plan.why.protections.some((c) => c.code === ctx.profile.medical.code),
      };
      await query(
        db,
        `UPDATE collections_episode
         SET profile = $3, next_action = $4, next_action_at = $5, reasons = $6::jsonb, updated_at = now()
         WHERE account_id = $1 AND episode = $2 AND closed_at IS NULL`,
        [
          i.accountId,
          i.episode,
          ctx.profile.code,
          plan.action,
          plan.earliest ? new Date(plan.earliest) : null,
          JSON.stringify({
            reasons: result.reasons,
            blocking: result.blocking,
            protections: result.protections,
          }),
        ],
      );
      return result;
    },

    async setCaseStage(i: { accountId: string; episode: number; stage: string }) {
      await query(
        db,
        `UPDATE collections_episode SET stage = $3, updated_at = now()
         WHERE account_id = $1 AND episode = $2 AND stage IS DISTINCT FROM $3`,
        [i.accountId, i.episode, i.stage],
      );
    },

    /**
     * A notice to every recipient the profile requires (customer, third party, occupant, ...),
     * each once: the register row is claimed under the step's key before anything is sent.
     */
    async sendCollectionsNotice(i: {
      accountId: string;
      episode: number;
      type: CollectionsNoticeType;
      seq: number;
      at: string;
      /** A winter notification (IL heating) sent as a disconnection notice. */
      noticeKind?: 'WINTER_NOTICE';
      /** YYYY-MM-DD; computed from the notice lead when not given. */
      disconnectOnOrAfter?: string | null;
    }): Promise<{ sent: number; skipped: number }> {
      const at = new Date(i.at);
      const ctx = await loadCaseContext(db, i.accountId, i.episode, at);
      const { profile, snapshot } = ctx;
      const today = isoDateIn(at, profile.timeZone);
      // The date printed on a disconnection notice: the longest notice lead any channel has (a
      // mailed notice's, with its mail allowance), from the day it is mailed (domain noticeDates).
      // The notice is mailed to everyone, so that is the lead the rules hold the utility to; the
      // date then binds the engine too (NoticeRecord.onOrAfter). The act itself still waits for
      // every other rule, re-checked at the moment of action.
      // The mailed notice leaves with the day's print batch: a notice decided after the batch
      // closed is mailed with the next one, and its notice period runs from that day.
      // A notice decided in the last minutes before the close is counted from the next one: its
      // row may commit after the close has claimed the waiting letters. One that misses its batch
      // all the same has its date moved on, and its letter rendered again, when it is printed
      // (services/notice-print.ts).
      const printClose =
        i.type === 'DISCONNECT_NOTICE'
          ? printCloseFor(new Date(at.getTime() + PRINT_CLOSE_MARGIN_MS), deps.noticePrintTime)
          : null;
      const mailedOn = printClose ? isoDateIn(printClose, profile.timeZone) : today;
      const counted = noticeDates(profile, {
        today,
        mailedOn,
        disconnection: i.type === 'DISCONNECT_NOTICE',
        oldestUnpaidDueDate: snapshot.oldestUnpaidDueDate,
        disconnectOnOrAfter: i.disconnectOnOrAfter ?? null,
      });
      const validUntil = counted.validUntil;
      const disconnectOn = counted.disconnectOnOrAfter;
      // A retry after a print close found one of this notice's letters late: the copies sent from
      // now on state the date the notice binds to (every copy agrees with it).
      const lateAlready =
        i.type === 'DISCONNECT_NOTICE'
          ? await noticeDaysLate(
              db,
              i.accountId,
              noticePrefixOf(
                collectionsKey(i.accountId, i.episode, `${i.noticeKind ?? i.type}:${i.seq}:CUSTOMER:PRINT`),
              ),
            )
          : null;
      const stated = lateAlready
        ? movedNoticeDates(counted, lateAlready.days, lateAlready.mailedOn)
        : counted;
      const roles =
        i.type === 'DISCONNECT_NOTICE'
          ? requiredNoticeRecipients(profile, snapshot, today)
          : [
              {
                role: 'CUSTOMER' as const,
                reason: { code: 'CUSTOMER', cite: profile.code, text: 'the customer' },
              },
            ];
      let sent = 0;
      let skipped = 0;
      const agency = roles.some((r) => r.role === 'HEALTH_DEPARTMENT')
        ? await noticeAgencyFor(db, ctx.premise.serviceArea, 'HEALTH_DEPARTMENT')
        : null;
      for (const { role, reason } of roles) {
        const to = recipientFor(ctx, role, agency);
        if (!to) {
          // Nobody on file for this role (no landlord recorded, no agency for the area): said on the
          // timeline, not skipped silently.
          const missing =
            role === 'HEALTH_DEPARTMENT'
              ? `no agency on file for service area ${ctx.premise.serviceArea} (PUT /notice-agencies)`
              : `no ${role.toLowerCase().replace('_', ' ')} on file`;
          await inTx((tx) =>
            once(
              tx,
              collectionsKey(i.accountId, i.episode, `${i.type}:${i.seq}:${role}:none`),
              'collections',
              () =>
                recordChange(
                  tx,
                  SYSTEM_ACTOR,
                  {
                    action: 'collections.notice.no_recipient',
                    entityType: 'collections_episode',
                    entityId: `${i.accountId}:${i.episode}`,
                    accountId: i.accountId,
                    reason: `${line(reason)}: ${missing}`,
                  },
                  {
                    kind: 'collections.notice.no_recipient',
                    summary: `No copy of the ${i.type.toLowerCase().replace(/_/g, ' ')} to the ${role.toLowerCase().replace('_', ' ')}: ${missing}`,
                    data: { role, type: i.type },
                  },
                ),
            ),
          );
          skipped++;
          continue;
        }
        const view: CollectionsNoticeView = {
          type: i.type,
          profile: profile.code,
          language: ctx.customer.language,
          recipient: { role, name: to.name, address: to.address, email: to.email },
          ...noticeFacts(i.accountId, ctx, i.at),
          dates: {
            issuedOn: today,
            disconnectOnOrAfter: stated.disconnectOnOrAfter,
            validUntil,
            // The day before the disconnection date: the engine may act from its first moment.
            payBy: stated.payBy,
          },
          // Only what sets the dates; the recipient's and the charge's reasons are the audit's.
          reasons: stated.reasons,
        };
        const rendered = renderCollectionsNotice(view);
        // Customers who take email get it by email; written notice by mail goes to everyone else,
        // and a disconnection notice is always mailed as well (the written notice the rules mean).
        const channels: ('EMAIL' | 'PRINT')[] = [];
        if (to.email && (role !== 'CUSTOMER' || ctx.customer.paperless || i.type === 'DISCONNECT_NOTICE'))
          channels.push('EMAIL');
        if (to.address && (i.type === 'DISCONNECT_NOTICE' || channels.length === 0)) channels.push('PRINT');
        /**
         * Marks an email of this notice that was never confirmed sent (once: a row already marked
         * or confirmed is left alone), with its audit event and timeline entry.
         */
        const markUnconfirmed = async (key: string, error: string, reason: string) => {
          const [row] = await query<{ recipient: string }>(
            db,
            `UPDATE notice SET unconfirmed_at = $2
             WHERE idempotency_key = $1 AND message_id IS NULL AND unconfirmed_at IS NULL RETURNING recipient`,
            [key, new Date()],
          );
          if (!row) return;
          await inTx((tx) =>
            recordChange(
              tx,
              SYSTEM_ACTOR,
              {
                action: 'collections.notice.email_unconfirmed',
                entityType: 'collections_episode',
                entityId: `${i.accountId}:${i.episode}`,
                accountId: i.accountId,
                after: { key, recipient: row.recipient, error },
                reason,
              },
              {
                kind: 'collections.notice.unconfirmed',
                summary: `${labelOf(i.type)} email to ${row.recipient} not confirmed sent`,
                data: { key },
              },
            ),
          );
        };
        for (const channel of channels) {
          const key = collectionsKey(
            i.accountId,
            i.episode,
            `${i.noticeKind ?? i.type}:${i.seq}:${role}:${channel}`,
          );
          const claimed = await query<{ id: string }>(
            db,
            `INSERT INTO notice (id, account_id, type, channel, language, recipient, content_hash,
               idempotency_key, sent_at, expires_at, episode, batch_id, content)
             VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb)
             ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
            [
              i.accountId,
              i.type,
              channel,
              rendered.language,
              channel === 'EMAIL' ? to.email! : `${to.name}, ${to.address}`,
              rendered.contentHash,
              key,
              at,
              // The end of its last day where the utility is, not in UTC (7 pm in the East).
              validUntil ? new Date(endOfDay(validUntil, profile.timeZone)) : null,
              i.episode,
              // A letter waits for the next print batch (services/notice-print.ts).
              null,
              jsonText({
                role,
                subject: rendered.subject,
                text: rendered.text,
                ...(channel === 'PRINT'
                  ? {
                      recipientName: to.name,
                      mailingAddress: to.address,
                      ...(printClose ? { printClose: printClose.toISOString() } : {}),
                      // What it says, to say it again with moved dates if it is printed late.
                      ...(i.type === 'DISCONNECT_NOTICE'
                        ? { view: storedNoticeView(view), renderedLateDays: lateAlready?.days ?? 0 }
                        : {}),
                    }
                  : {}),
              }),
            ],
          );
          // A claim found already is an earlier try's: the notice went out (at most once) and is
          // not sent again, but that try may have stopped before recording the action — which the
          // rules read to know the notice was given — so the action is recorded below either way.
          const fresh = claimed.length > 0;
          if (!fresh) skipped++;
          // An earlier try's email claim with no message id: that try stopped between claiming
          // and recording (a worker killed mid-send). It is not sent again; it is marked, once,
          // where a person will see it. The mailed notice, where the rules require one, stands apart.
          if (!fresh && channel === 'EMAIL')
            await markUnconfirmed(
              key,
              'delivery interrupted',
              'An earlier try stopped after claiming this email and before the mail server confirmed it; it is not resent automatically.',
            );
          if (fresh && channel === 'EMAIL') {
            if (!deps.mailer) throw new Error('Collections email needs a mailer');
            try {
              const { messageId } = await deps.mailer.send({
                to: to.email!,
                subject: rendered.subject,
                text: rendered.text,
                html: rendered.html,
                headers: { 'X-OpenCIS-Notice-Key': key },
              });
              await query(db, 'UPDATE notice SET message_id = $2 WHERE idempotency_key = $1', [
                key,
                messageId,
              ]);
            } catch (err) {
              // Proven not sent: release the claim so the retry sends it. Anything else may have
              // gone out: keep the claim (never twice) and say so where a person will see it.
              if (classifySendError(err) === 'not-sent') {
                await query(db, 'DELETE FROM notice WHERE idempotency_key = $1', [key]);
                throw err;
              }
              await markUnconfirmed(
                key,
                String((err as Error)?.message ?? err).slice(0, 300),
                'The mail server did not confirm the message; it is not resent automatically.',
              );
            }
          }
          await inTransaction(db, async (c) => {
            // A disconnection notice whose letter a print close already found late (the close ran
            // between the letter and this record) binds from the later day; under the close lock,
            // shared, a close either sees this record or this sees the close.
            let binds = disconnectOn && i.type === 'DISCONNECT_NOTICE' ? disconnectOn : null;
            let mailedLateDays = 0;
            if (binds) {
              await c.query('SELECT pg_advisory_xact_lock_shared(hashtext($1))', [PRINT_CLOSE_LOCK]);
              const [late] = await query<{ days: number | null }>(
                c,
                // By account first: the prefix alone cannot use an index, and every disconnection
                // notice of a bill run's cases would read the whole register.
                `SELECT max((content->>'daysLate')::int) AS days FROM notice
                 WHERE account_id = $2 AND starts_with(idempotency_key, $1) AND channel = 'PRINT'`,
                [noticePrefixOf(key), i.accountId],
              );
              mailedLateDays = late?.days ?? 0;
              if (mailedLateDays > 0) binds = addDays(binds, mailedLateDays);
            }
            const recorded = await recordAction(c, ctx, {
              key,
              accountId: i.accountId,
              episode: i.episode,
              kind:
                i.type === 'DEFAULT_NOTICE' || i.type === 'RECONNECTION_CONFIRMATION' ? 'REMINDER' : i.type,
              at,
              method: channel === 'EMAIL' ? 'EMAIL' : 'MAIL',
              amountCents: snapshot.pastDueCents,
              data: {
                recipientRole: role,
                expiresOn: validUntil,
                ...(binds ? { disconnectOnOrAfter: binds } : {}),
                ...(mailedLateDays > 0 ? { mailedLateDays } : {}),
                noticeType: i.type,
                contentHash: rendered.contentHash,
                ...(i.noticeKind ? { noticeKind: i.noticeKind } : {}),
              },
            });
            if (!recorded) return;
            await recordChangeOn(
              c,
              SYSTEM_ACTOR,
              {
                action: 'collections.notice.sent',
                entityType: 'collections_episode',
                entityId: `${i.accountId}:${i.episode}`,
                accountId: i.accountId,
                after: { type: i.type, channel, role, contentHash: rendered.contentHash, validUntil },
                reason: line(reason),
              },
              {
                kind: 'collections.notice',
                summary: `${labelOf(i.type)} ${channel === 'EMAIL' ? 'emailed' : 'mailed'} to ${role === 'CUSTOMER' ? 'the customer' : to.name} (${rendered.language})${validUntil ? `, valid until ${validUntil}` : ''}`,
                data: { type: i.type, channel, role, seq: i.seq },
              },
            );
          });
          if (fresh) sent++;
        }
      }
      return { sent, skipped };
    },

    /**
     * The short-notice contact attempt the profile requires: an automated call to the phone on
     * file (the dialer is an external system; its outcome is recorded as not reached unless a
     * representative records a contact through the API). No phone on file → the attempt is
     * recorded as impossible, and the posted notice carries the contact. A critical-care
     * household's emergency contact is called in the same step (16 TAC §25.483(g)(2)(B)).
     */
    async attemptContact(i: { accountId: string; episode: number; seq: number; at: string }) {
      const at = new Date(i.at);
      const ctx = await loadCaseContext(db, i.accountId, i.episode, at);
      const phone = await db.account.findUniqueOrThrow({
        where: { id: i.accountId },
        select: { customer: { select: { phone: true } } },
      });
      const today = isoDateIn(at, ctx.profile.timeZone);
      const calls: { key: string; to: 'CUSTOMER' | 'EMERGENCY_CONTACT'; phone: string | null }[] = [
        {
          key: collectionsKey(i.accountId, i.episode, `contact:${i.seq}`),
          to: 'CUSTOMER',
          phone: phone.customer.phone,
        },
      ];
      if (criticalCareRuleOn(ctx.profile, ctx.snapshot, today) && ctx.emergencyContact)
        calls.push({
          key: collectionsKey(i.accountId, i.episode, `contact:${i.seq}:emergency`),
          to: 'EMERGENCY_CONTACT',
          phone: ctx.emergencyContact.phone,
        });
      await inTx(async (tx) => {
        for (const call of calls) {
          const fresh = await recordAction(tx, ctx, {
            key: call.key,
            accountId: i.accountId,
            episode: i.episode,
            kind: 'CONTACT_ATTEMPT',
            at,
            method: 'PHONE',
            data: {
              outcome: 'NOT_REACHED',
              phoneOnFile: Boolean(call.phone),
              automated: true,
              ...(call.to === 'EMERGENCY_CONTACT' ? { recipientRole: call.to } : {}),
            },
          });
          if (!fresh) continue;
          const whom =
            call.to === 'EMERGENCY_CONTACT' ? `the emergency contact (${ctx.emergencyContact!.name})` : '';
          await recordChange(
            tx,
            SYSTEM_ACTOR,
            {
              action: 'collections.contact',
              entityType: 'collections_episode',
              entityId: `${i.accountId}:${i.episode}`,
              accountId: i.accountId,
              after: { method: 'PHONE', outcome: 'NOT_REACHED', recipient: call.to },
            },
            {
              kind: 'collections.contact',
              summary: call.phone
                ? `Automated call${whom ? ` to ${whom}` : ''} before disconnection: not reached`
                : `No phone on file for ${whom || 'the customer'}: the contact before disconnection was not made`,
              data: { seq: i.seq, recipient: call.to },
            },
          );
        }
      });
    },

    /** Opens the case's field order (door hanger, disconnect, reconnect) once per step. */
    async openCollectionsOrder(i: {
      accountId: string;
      episode: number;
      type: Extract<ServiceOrderType, 'DOOR_HANGER' | 'DISCONNECT' | 'RECONNECT'>;
      seq: number;
      reason: string;
      workflowId: string;
      cause?: 'PAID' | 'ARRANGEMENT' | 'MEDICAL' | 'ERRONEOUS' | 'ORDER';
      at: string;
    }): Promise<{ orderId: string; dueBy: string | null; reasons: string[] }> {
      const d = orderDeps();
      const key = collectionsKey(i.accountId, i.episode, `order:${i.type}:${i.seq}`);
      let dueBy: string | null = null;
      let reasons: string[] = [];
      let reason = i.reason;
      let postedNotice: PostedNoticeCopy | undefined;
      if (i.type === 'DOOR_HANGER') {
        // A critical-care household's visit is more than a posting: the crew knocks first.
        const ctx = await loadCaseContext(db, i.accountId, i.episode, new Date(i.at));
        const cc = ctx.profile.criticalCare;
        const why = cc ? evaluate(ctx.profile, ctx.snapshot, 'DISCONNECT', i.at) : null;
        if (cc && why?.blocking.some((b) => b.code === `${cc.code}_VISIT_MISSING`))
          reason = `Critical-care household (life-sustaining equipment): visit the premises; if nobody answers, leave a door hanger with the pending disconnection and how to reach the utility (${cc.cite})`;
        postedNotice = postedNoticeCopy(i.accountId, ctx, i.at, slaDueAt('DOOR_HANGER', 'NORMAL', i.at));
      }
      if (i.type === 'RECONNECT') {
        const ctx = await loadCaseContext(db, i.accountId, i.episode, new Date(i.at));
        const cause = i.cause ?? 'PAID';
        const curedAt = await cureTime(db, ctx, i.accountId, i.episode, cause, i.at);
        const r = reconnectionDeadline(ctx.profile, ctx.snapshot, cause, curedAt);
        dueBy = r.due;
        reasons = r.reasons.map(line);
      }
      const { result: orderId } = await inTx((tx) => once(tx, key, 'collections', () => newOrderId(tx)));
      await openServiceOrder(
        d,
        SYSTEM_ACTOR,
        {
          accountId: i.accountId,
          type: i.type,
          priority: i.type === 'RECONNECT' ? 'HIGH' : 'NORMAL',
          reason: dueBy ? `${reason}; due by ${dueBy}` : reason,
        },
        {
          orderId,
          notifyWorkflowId: i.workflowId,
          ...(dueBy ? { dueBy } : {}),
          ...(postedNotice ? { postedNotice } : {}),
        },
      );
      return { orderId, dueBy, reasons };
    },

    /** Cancels a case's order because the rules no longer allow it; a finished order is left alone. */
    async cancelCollectionsOrder(i: {
      orderId: string;
      reason: string;
    }): Promise<'CANCELLED' | 'ALREADY_FINISHED'> {
      try {
        await cancelServiceOrder(orderDeps(), SYSTEM_ACTOR, i.orderId, i.reason);
        return 'CANCELLED';
      } catch (err) {
        if (err instanceof AppError && err.code === 'conflict') return 'ALREADY_FINISHED';
        throw err;
      }
    },

    /** What a finished field order means for the case: posted, disconnected or reconnected. */
    async recordCollectionsOrderOutcome(i: {
      accountId: string;
      episode: number;
      orderId: string;
      type: string;
      at: string;
      cause?: string;
    }) {
      const at = new Date(i.at);
      const ctx = await loadCaseContext(db, i.accountId, i.episode, at);
      const kind = { DOOR_HANGER: 'POSTED_NOTICE', DISCONNECT: 'DISCONNECT', RECONNECT: 'RECONNECT' }[i.type];
      if (!kind) throw new Error(`Order type ${i.type} is not a collections order`);
      const key = collectionsKey(i.accountId, i.episode, `outcome:${i.orderId}`);
      await inTx(async (tx) => {
        // The act's own time (the crew's reading), not when its completion reached us.
        const actedAt = await crewActAt(tx, i.orderId, i.at);
        // What a door hanger posted: the notice rendered when the order was opened (an order opened
        // before door hangers carried one is recorded by its key, as it was then). The date it
        // states binds the case as a written notice's does.
        const posted =
          kind === 'POSTED_NOTICE'
            ? postedNoticeOf(
                (await tx.serviceOrder.findUnique({ where: { id: i.orderId }, select: { details: true } }))
                  ?.details,
              )
            : undefined;
        const fresh = await recordAction(tx, ctx, {
          key,
          accountId: i.accountId,
          episode: i.episode,
          kind,
          at: actedAt,
          method: kind === 'POSTED_NOTICE' ? 'POSTED' : 'FIELD',
          cause: kind === 'DISCONNECT' ? 'NONPAYMENT' : kind === 'RECONNECT' ? (i.cause ?? 'PAID') : null,
          amountCents: ctx.snapshot.pastDueCents,
          data: {
            orderId: i.orderId,
            ...(posted ? { disconnectOnOrAfter: posted.disconnectOnOrAfter } : {}),
          },
        });
        if (!fresh) return;
        if (kind === 'POSTED_NOTICE') {
          await tx.notice.createMany({
            data: [
              {
                accountId: i.accountId,
                type: 'POSTED_NOTICE',
                channel: 'POSTED',
                language: posted?.language ?? ctx.customer.language,
                recipient: `Posted at ${ctx.premise.serviceAddress}`,
                contentHash: posted?.contentHash ?? key,
                idempotencyKey: key,
                sentAt: actedAt,
                episode: i.episode,
                ...(posted
                  ? {
                      content: toJson({
                        orderId: i.orderId,
                        subject: posted.subject,
                        text: posted.text,
                        disconnectOnOrAfter: posted.disconnectOnOrAfter,
                      }),
                    }
                  : {}),
              },
            ],
            skipDuplicates: true,
          });
        }
        // Off again after a reconnection within the episode (a medical certificate ran out, an
        // arrangement defaulted): the earlier reconnection no longer stands.
        if (kind === 'DISCONNECT')
          await tx.collectionsEpisode.updateMany({
            where: { accountId: i.accountId, episode: i.episode },
            data: { disconnectedAt: actedAt, reconnectedAt: null },
          });
        if (kind === 'RECONNECT') {
          await tx.collectionsEpisode.updateMany({
            where: { accountId: i.accountId, episode: i.episode },
            data: { reconnectedAt: actedAt },
          });
          await chargeReconnection(tx, ctx, i.orderId, i.cause ?? 'PAID', i.at);
        }
        await recordChange(
          tx,
          SYSTEM_ACTOR,
          {
            action: `collections.${kind.toLowerCase()}`,
            entityType: 'collections_episode',
            entityId: `${i.accountId}:${i.episode}`,
            accountId: i.accountId,
            after: { orderId: i.orderId, at: actedAt.toISOString(), reportedAt: i.at },
          },
          {
            kind: `collections.${kind.toLowerCase().replace('_', '-')}`,
            occurredAt: actedAt,
            summary:
              kind === 'POSTED_NOTICE'
                ? `Disconnection notice posted at the premises (order ${i.orderId})`
                : kind === 'DISCONNECT'
                  ? `Service disconnected for nonpayment (order ${i.orderId})`
                  : `Service reconnected (order ${i.orderId})`,
            data: { orderId: i.orderId },
          },
        );
      });
    },

    /** A payment arrangement request judged against the profile's terms; accepted ones are recorded. */
    async requestCollectionsArrangement(i: {
      accountId: string;
      episode: number;
      downPaymentCents: string;
      installments: number;
      firstDueDate: string;
      at: string;
      requestKey: string;
      by: { id: string; role: string };
    }): Promise<{
      accepted: boolean;
      reasons: string[];
      arrangementId: string | null;
      schedule: { n: number; dueDate: string; amountCents: string }[];
    }> {
      const at = new Date(i.at);
      const ctx = await loadCaseContext(db, i.accountId, i.episode, at);
      const arrears = ctx.snapshot.pastDueCents;
      // The weather on the bills' due dates: bills due in an extreme-weather emergency get a plan.
      const snapshot = await withDueDateWeather(db, ctx);
      const decision = evaluateArrangementRequest(
        ctx.profile,
        snapshot,
        {
          arrearsCents: arrears,
          downPaymentCents: BigInt(i.downPaymentCents),
          installments: i.installments,
          frequency: 'MONTHLY',
          firstDueDate: i.firstDueDate,
        },
        i.at,
      );
      const reasons = decision.reasons.map(line);
      // Per user (lib/idempotency.ts clientKeyFor): one representative's key never answers another's.
      const key = await clientKeyFor(
        collectionsKey(i.accountId, i.episode, 'arrangement:'),
        i.by.id,
        i.requestKey,
        (legacy) => keyClaimed(db, legacy),
      );
      const lastEntry = await db.ledgerEntry.findFirst({
        where: { accountId: i.accountId },
        orderBy: { id: 'desc' },
        select: { id: true },
      });
      const { result } = await inTx((tx) =>
        once(tx, key, 'collections', async () => {
          await recordAction(tx, ctx, {
            key,
            accountId: i.accountId,
            episode: i.episode,
            kind: decision.accepted ? 'ARRANGEMENT_ACCEPTED' : 'ARRANGEMENT_REJECTED',
            at,
            amountCents: arrears,
            data: { request: { ...i, by: i.by.id }, reasons },
          });
          let arrangementId: string | null = null;
          if (decision.accepted) {
            const row = await tx.paymentArrangement.create({
              data: {
                accountId: i.accountId,
                episode: i.episode,
                status: 'CURRENT',
                arrearsCents: decision.coveredCents,
                downPaymentCents: BigInt(i.downPaymentCents),
                // Payments posted after this entry count toward the arrangement (by ledger order,
                // not by clock: a payment and the case need not share one).
                terms: toJson({ ...decision.terms, paymentsAfterEntryId: lastEntry?.id ?? 0n }),
                reasons: toJson(reasons),
                createdBy: i.by.id,
                createdAt: at,
                installments: {
                  create: decision.schedule.map((s) => ({
                    n: s.n,
                    dueDate: new Date(`${s.dueDate}T00:00:00Z`),
                    amountCents: s.amountCents,
                  })),
                },
              },
            });
            arrangementId = row.id;
          }
          await recordChange(
            tx,
            { id: i.by.id, role: i.by.role },
            {
              action: decision.accepted
                ? 'collections.arrangement.accepted'
                : 'collections.arrangement.rejected',
              entityType: 'collections_episode',
              entityId: `${i.accountId}:${i.episode}`,
              accountId: i.accountId,
              after: { downPaymentCents: i.downPaymentCents, installments: i.installments, arrangementId },
              reason: reasons.join('; '),
            },
            {
              kind: decision.accepted ? 'collections.arrangement' : 'collections.arrangement.rejected',
              summary: decision.accepted
                ? `Payment arrangement: ${formatCents(BigInt(i.downPaymentCents))} down, ${i.installments} monthly installments from ${i.firstDueDate}`
                : `Payment arrangement refused: ${
                    decision.reasons
                      .filter(
                        (r) =>
                          r.code.endsWith('_EXCEEDED') ||
                          r.code.includes('REFUS') ||
                          r.code.includes('DEFAULT'),
                      )
                      .map((r) => r.text)
                      .join('; ') || reasons.join('; ')
                  }`,
              data: { arrangementId, accepted: decision.accepted },
            },
          );
          return {
            accepted: decision.accepted,
            reasons,
            arrangementId,
            schedule: decision.schedule.map((s) => ({
              n: s.n,
              dueDate: s.dueDate,
              amountCents: s.amountCents.toString(),
              // The end of the day after the due date, the utility's day: a day's grace to post.
              checkAt: new Date(startOfDay(addDays(s.dueDate, 2), ctx.profile.timeZone)).toISOString(),
            })),
          };
        }),
      );
      return result;
    },

    /**
     * Whether the arrangement is kept through installment `n`: payments since it began must cover
     * the down payment and every installment due so far. Marks the installment PAID or MISSED on
     * the utility's day of `at`, audited and on the timeline (once: a retry finds it settled).
     */
    async checkInstallment(i: {
      arrangementId: string;
      n: number;
      /** The workflow's UTC day: the settled day of checks scheduled before `at` was passed. */
      asOf: string;
      at?: string;
    }): Promise<'PAID' | 'MISSED'> {
      const a = await db.paymentArrangement.findUniqueOrThrow({
        where: { id: i.arrangementId },
        include: { installments: { orderBy: { n: 'asc' } } },
      });
      const paid = await db.ledgerEntry.aggregate({
        where: {
          accountId: a.accountId,
          kind: { in: ['PAYMENT', 'PAYMENT_REVERSAL'] },
          id: { gt: BigInt((a.terms as { paymentsAfterEntryId?: string }).paymentsAfterEntryId ?? '0') },
        },
        _sum: { amountCents: true },
      });
      const paidCents = -(paid._sum.amountCents ?? 0n);
      const owed = a.installments
        .filter((x) => x.n <= i.n)
        .reduce((s, x) => s + x.amountCents, a.downPaymentCents);
      const status = paidCents >= owed ? 'PAID' : 'MISSED';
      const at = i.at ? new Date(i.at) : null;
      const settledOn = at
        ? isoDateIn(at, (await loadCaseContext(db, a.accountId, a.episode, at)).profile.timeZone)
        : i.asOf;
      const inst = a.installments.find((x) => x.n === i.n);
      await inTx(async (tx) => {
        const changed = await tx.arrangementInstallment.updateMany({
          where: { arrangementId: i.arrangementId, n: i.n, status: 'DUE' },
          data: { status, settledOn: dbDate(settledOn) },
        });
        if (changed.count === 0) return;
        await recordChange(
          tx,
          SYSTEM_ACTOR,
          {
            action: `collections.arrangement.installment.${status.toLowerCase()}`,
            entityType: 'payment_arrangement',
            entityId: i.arrangementId,
            accountId: a.accountId,
            before: { n: i.n, status: 'DUE' },
            after: { n: i.n, status, settledOn },
            reason: `${formatCents(paidCents)} paid since the arrangement began; ${formatCents(owed)} owed through installment ${i.n} (down payment included)`,
          },
          {
            kind: `collections.arrangement.installment`,
            ...(at ? { occurredAt: at } : {}),
            summary:
              status === 'PAID'
                ? `Arrangement installment ${i.n} of ${a.installments.length} kept${inst ? ` (due ${isoDateIn(inst.dueDate, 'UTC')}, ${formatCents(inst.amountCents)})` : ''}`
                : `Arrangement installment ${i.n} of ${a.installments.length} missed${inst ? ` (due ${isoDateIn(inst.dueDate, 'UTC')})` : ''}: ${formatCents(paidCents)} paid of ${formatCents(owed)} owed`,
            data: { arrangementId: i.arrangementId, n: i.n, status },
          },
        );
      });
      return status;
    },

    /** The arrangement defaulted or completed: recorded once, on the episode's record. */
    async settleArrangement(i: {
      accountId: string;
      episode: number;
      arrangementId: string;
      outcome: 'DEFAULTED' | 'COMPLETED';
      at: string;
    }) {
      const at = new Date(i.at);
      const ctx = await loadCaseContext(db, i.accountId, i.episode, at);
      const key = collectionsKey(i.accountId, i.episode, `arrangement:${i.arrangementId}:${i.outcome}`);
      // The utility's day, not UTC's: an installment due October 30 that settles at 00:00:05 UTC on
      // November 1 settles on October 31, and the arrangement was not in force at October's end.
      const settledOn = isoDateIn(at, ctx.profile.timeZone);
      await inTx(async (tx) => {
        const fresh = await recordAction(tx, ctx, {
          key,
          accountId: i.accountId,
          episode: i.episode,
          kind: `ARRANGEMENT_${i.outcome}`,
          at,
          amountCents: ctx.snapshot.pastDueCents,
          data: { arrangementId: i.arrangementId },
        });
        if (!fresh) return;
        await tx.paymentArrangement.update({
          where: { id: i.arrangementId },
          data:
            i.outcome === 'DEFAULTED'
              ? { status: 'DEFAULTED', defaultedOn: dbDate(settledOn) }
              : { status: 'COMPLETED', completedOn: dbDate(settledOn) },
        });
        await recordChange(
          tx,
          SYSTEM_ACTOR,
          {
            action: `collections.arrangement.${i.outcome.toLowerCase()}`,
            entityType: 'payment_arrangement',
            entityId: i.arrangementId,
            accountId: i.accountId,
            after: { status: i.outcome, on: settledOn },
          },
          {
            kind: `collections.arrangement.${i.outcome.toLowerCase()}`,
            summary:
              i.outcome === 'DEFAULTED'
                ? 'Payment arrangement defaulted: an installment was missed; collections resumes'
                : 'Payment arrangement completed',
            data: { arrangementId: i.arrangementId },
          },
        );
      });
    },

    async closeCollectionsEpisode(c: { accountId: string; episode: number; reason: string; at?: string }) {
      const at = c.at ? new Date(c.at) : new Date();
      const ctx = await loadCaseContext(db, c.accountId, c.episode, at);
      await inTx(async (tx) => {
        await recordAction(tx, ctx, {
          key: collectionsKey(c.accountId, c.episode, 'closed'),
          accountId: c.accountId,
          episode: c.episode,
          kind: 'CLOSED',
          at,
          data: { reason: c.reason },
        });
        const closed = await tx.collectionsEpisode.updateMany({
          where: { accountId: c.accountId, episode: c.episode, closedAt: null },
          data: {
            closedAt: at,
            closeReason: c.reason,
            stage: 'CLOSED',
            nextAction: null,
            nextActionAt: null,
          },
        });
        if (closed.count > 0)
          await recordChange(
            tx,
            SYSTEM_ACTOR,
            {
              action: 'collections.closed',
              entityType: 'collections_episode',
              entityId: `${c.accountId}:${c.episode}`,
              accountId: c.accountId,
              reason: c.reason,
            },
            {
              kind: 'collections.closed',
              summary: `Collections episode ${c.episode} closed: ${c.reason}`,
              data: { episode: c.episode },
            },
          );
      });
    },
  };
}

export type CollectionsActivities = ReturnType<typeof createCollectionsActivities>;

/**
 * When the cause of a reconnection arose, for its deadline: the rules count from the payment, the
 * certificate or the arrangement (PA §1407, NY PSL §35, IL §280.170), not from when the case got
 * round to ordering the crew — which a stopped worker can delay by hours. Never before the
 * disconnection, never after `at`; `at` when nothing on record says otherwise.
 *  - PAID: the moment since which nothing has been past due, as the ledger stood at each entry
 *    recorded after the disconnection (a cure a returned payment undid does not count).
 *  - MEDICAL: the first certificate that protects under the rule and is still good at the
 *    disconnection or later (one received before it, recorded late, counts from the disconnection).
 *  - ARRANGEMENT: when the arrangement in force for the episode was accepted.
 */
async function cureTime(
  db: Db,
  ctx: CaseContext,
  accountId: string,
  episode: number,
  cause: string,
  at: string,
): Promise<string> {
  const off = ctx.snapshot.disconnectedAt ? Date.parse(ctx.snapshot.disconnectedAt) : null;
  if (off === null) return at;
  const atMs = Date.parse(at);
  const tz = ctx.profile.timeZone;
  let cured: number | null = null;
  if (cause === 'PAID') {
    const entries = await query<{ created_at: Date }>(
      db,
      `SELECT created_at FROM ledger_entry
       WHERE account_id = $1 AND created_at > $2 AND created_at <= $3
       ORDER BY created_at, id LIMIT 500`,
      [accountId, new Date(off), new Date(atMs)],
    );
    for (const t of [off, ...entries.map((e) => e.created_at.getTime())]) {
      const clear = (await pastDueAsRecordedAt(db, accountId, new Date(t), tz)) <= 0n;
      cured = clear ? (cured ?? t) : null;
    }
  } else if (cause === 'MEDICAL') {
    const rule = ctx.profile.medical;
    const offOn = isoDateIn(new Date(off), tz);
    const window = rule.restoresWithinDaysOfDisconnection;
    const times = ctx.snapshot.medicalCertificates
      .filter((c) => medicalConditionsUnmet(rule, c).length === 0 && c.validUntil >= offOn)
      .map((c) => Date.parse(c.receivedAt))
      .filter((t) => t <= atMs && (window === null || isoDateIn(new Date(t), tz) <= addDays(offOn, window)));
    if (times.length) cured = Math.min(...times);
  } else if (cause === 'ARRANGEMENT') {
    const [row] = await query<{ t: Date | null }>(
      db,
      `SELECT max(created_at) AS t FROM payment_arrangement
       WHERE account_id = $1 AND episode = $2 AND status = 'CURRENT' AND created_at <= $3`,
      [accountId, episode, new Date(atMs)],
    );
    cured = row?.t?.getTime() ?? null;
  }
  if (cured === null) return at;
  return new Date(Math.min(atMs, Math.max(cured, off))).toISOString();
}

function recipientFor(
  ctx: CaseContext,
  role: NoticeRecipientRole,
  /** The area's agency for HEALTH_DEPARTMENT copies (services/notice-agencies.ts); null = none on file. */
  agency: NoticeAgency | null,
): { name: string; email: string | null; address: string | null } | null {
  switch (role) {
    case 'CUSTOMER':
      return { name: ctx.customer.name, email: ctx.customer.email, address: ctx.customer.mailingAddress };
    case 'THIRD_PARTY':
      return ctx.thirdParty;
    case 'OCCUPANT':
      return { name: 'Occupant', email: null, address: ctx.premise.serviceAddress };
    case 'HEALTH_DEPARTMENT':
      return agency ? { name: agency.name, email: agency.email, address: agency.address } : null;
    case 'LANDLORD':
      return null;
  }
}

function labelOf(type: CollectionsNoticeType): string {
  return {
    REMINDER: 'Past-due reminder',
    DISCONNECT_NOTICE: 'Disconnection notice',
    POSTED_NOTICE: 'Posted notice',
    DEFAULT_NOTICE: 'Arrangement default notice',
    RECONNECTION_CONFIRMATION: 'Reconnection confirmation',
  }[type];
}

/**
 * How late the latest-mailed letter of a notice went out (services/notice-print.ts holds late
 * letters), and the day it was mailed; null while none was found late.
 */
async function noticeDaysLate(
  db: Db,
  accountId: string,
  prefix: string,
): Promise<{ days: number; mailedOn: string } | null> {
  const [late] = await query<{ days: number; mailed_on: string | null }>(
    db,
    // By account first: the prefix alone cannot use an index.
    `SELECT (content->>'daysLate')::int AS days, content->>'mailedOn' AS mailed_on FROM notice
     WHERE account_id = $2 AND starts_with(idempotency_key, $1) AND channel = 'PRINT'
       AND (content->>'daysLate')::int > 0
     ORDER BY (content->>'daysLate')::int DESC LIMIT 1`,
    [prefix, accountId],
  );
  return late?.mailed_on ? { days: late.days, mailedOn: late.mailed_on } : null;
}
