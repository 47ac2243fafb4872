// Drinking-water notices to everyone served (domain/water-notices.ts has the rules): a public
// notice by tier or the Consumer Confidence Report, issued by a supervisor for some or all service
// areas, delivered to every active water account there — by email with the customer's paperless
// consent, otherwise by mail — each copy once (the notice register, key
// water-notice:<id>:<round>:<account>), with the register as the proof of delivery: who got it,
// how, when, against the deadline. A Tier 2 notice repeats every three months until resolved
// (workflows/water-notices.ts waits between rounds).
import { createHash, randomUUID } from 'node:crypto';
import type { Actor } from '../lib/audit';
import { recordChange } from '../lib/audit';
import type { Db } from '../lib/db/prisma';
import { query } from '../lib/db/bulk';
import type { Mailer } from '../lib/mailer';
import { AppError, invalid, notFound, conflict } from '../lib/errors';
import { WATER_NOTICE_RULES, type WaterNoticeKind } from '../domain/water-notices';
import { waterNoticeDueBy, type WaterNoticeBasis } from '../domain/water-notice-due';
import { billLanguage, oneLine, utilityInfo, type BillLanguage } from './bill-render';
import { noticeTemplates } from './notice-templates';
import { sendNoticeCopy } from './notice-copy';
import { UTILITY_TIME_ZONE } from './ledger';

export const NOTICE_TYPE_WATER = 'WATER_NOTICE';

export interface WaterNoticeRow {
  id: string;
  kind: WaterNoticeKind;
  title: string;
  service_areas: string[] | null;
  learned_at: Date | null;
  year: number | null;
  edition: number | null;
  due_by: Date;
  url: string | null;
  body_en: string;
  body_es: string | null;
  created_by: string;
  created_at: Date;
  resolved_at: Date | null;
  resolved_reason: string | null;
}

export interface WaterNoticeInput {
  kind: WaterNoticeKind;
  title: string;
  /** Service areas it goes to; every area when absent. */
  serviceAreas?: string[] | undefined;
  /** When the system learned of the violation or situation (a public notice). */
  learnedAt?: string | undefined;
  /** The CCR's delivery year and edition. */
  year?: number | undefined;
  edition?: 1 | 2 | undefined;
  /** Where the report is published (required for a CCR: email and letters link to it). */
  url?: string | undefined;
  bodyEn: string;
  bodyEs?: string | undefined;
}

// ---- rendering ------------------------------------------------------------------------------------

interface Labels {
  kinds: Record<WaterNoticeKind, string>;
  languageFallback: string;
}
const templatesFor = noticeTemplates<Labels>('water-notice');

const longDate = (d: Date, language: BillLanguage) =>
  new Intl.DateTimeFormat(language === 'es' ? 'es-US' : 'en-US', {
    dateStyle: 'long',
    timeZone: UTILITY_TIME_ZONE,
  }).format(d);

/** One copy's wording: in Spanish where the customer reads it and the utility wrote it, else English. */
export function renderWaterNotice(
  n: Pick<WaterNoticeRow, 'kind' | 'title' | 'year' | 'url' | 'body_en' | 'body_es'>,
  v: {
    language: string | null;
    addressee: string;
    serviceAddress: string;
    round: number;
    firstNoticeAt: Date | null;
  },
) {
  const wanted = billLanguage(v.language);
  const language: BillLanguage = wanted === 'es' && n.body_es ? 'es' : 'en';
  const t = templatesFor(language);
  const body = language === 'es' ? n.body_es! : n.body_en;
  const ctx = {
    utility: utilityInfo(),
    addressee: v.addressee,
    serviceAddress: v.serviceAddress,
    title: n.title,
    body,
    paragraphs: body
      .split(/\n\s*\n/)
      .map((p) => p.trim())
      .filter(Boolean),
    ccr: n.kind === 'CCR' ? { year: n.year, url: n.url } : null,
    repeat: v.round > 1,
    firstNoticeText: v.firstNoticeAt ? longDate(v.firstNoticeAt, language) : null,
    languageFallback: language !== (v.language ?? 'en').slice(0, 2).toLowerCase(),
    t: { ...t.labels, heading: t.labels.kinds[n.kind] },
  };
  const subject = oneLine(t.subject(ctx));
  const text = t.text(ctx).replace(/\n{3,}/g, '\n\n');
  const html = t.html(ctx);
  const contentHash = createHash('sha256').update(`${subject}\0${text}\0${html}\0`, 'utf8').digest('hex');
  return { subject, text, html, language, contentHash };
}

// ---- issuing ---------------------------------------------------------------------------------------

export interface WaterNoticeView {
  id: string;
  kind: WaterNoticeKind;
  label: string;
  cite: string;
  title: string;
  serviceAreas: string[] | null;
  learnedAt: string | null;
  year: number | null;
  edition: number | null;
  dueBy: string;
  repeatsEveryMonths: number | null;
  url: string | null;
  createdBy: string;
  createdAt: string;
  resolvedAt: string | null;
  resolvedReason: string | null;
}

const view = (r: WaterNoticeRow): WaterNoticeView => ({
  id: r.id,
  kind: r.kind,
  label: WATER_NOTICE_RULES[r.kind].label,
  cite: WATER_NOTICE_RULES[r.kind].cite,
  title: r.title,
  serviceAreas: r.service_areas,
  learnedAt: r.learned_at?.toISOString() ?? null,
  year: r.year,
  edition: r.edition,
  dueBy: r.due_by.toISOString(),
  repeatsEveryMonths: WATER_NOTICE_RULES[r.kind].repeatMonths,
  url: r.url,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  resolvedAt: r.resolved_at?.toISOString() ?? null,
  resolvedReason: r.resolved_reason,
});

/**
 * A notice's id from the issuing user and their Idempotency-Key: a retry of the same request names
 * the same notice, so it is issued (and delivered) once.
 */
export function waterNoticeId(actorId: string, clientKey: string): string {
  const h = createHash('sha256').update(`water-notice\0${actorId}\0${clientKey}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The notice as issued: checked, its deadline computed, recorded and audited — once per id. The
 * same id again with the same content answers the notice recorded (`replayed`); with other content
 * it is refused (409 on the Idempotency-Key).
 */
export async function createWaterNotice(
  db: Db,
  actor: Actor,
  input: WaterNoticeInput,
  id: string = randomUUID(),
): Promise<WaterNoticeView & { replayed: boolean }> {
  let basis: WaterNoticeBasis;
  if (input.kind === 'CCR') {
    if (input.year === undefined)
      throw invalid('year', 'year: a Consumer Confidence Report names the year it is delivered in');
    if (!input.url)
      throw invalid(
        'url',
        'url: a Consumer Confidence Report names where it is published (its emails and letters link to it)',
      );
    if (input.learnedAt !== undefined) throw invalid('learnedAt', 'learnedAt: only a public notice has one');
    basis = { kind: 'CCR', year: input.year, edition: input.edition ?? 1 };
  } else {
    if (!input.learnedAt)
      throw invalid(
        'learnedAt',
        'learnedAt: a public notice says when the system learned of the violation or situation',
      );
    if (input.year !== undefined || input.edition !== undefined)
      throw invalid(
        input.year !== undefined ? 'year' : 'edition',
        'year, edition: only a Consumer Confidence Report has them',
      );
    basis = { kind: input.kind, learnedAt: new Date(input.learnedAt) };
  }
  if (input.serviceAreas) {
    const known = new Set(
      (await query<{ service_area: string }>(db, `SELECT DISTINCT service_area FROM premise`)).map(
        (r) => r.service_area,
      ),
    );
    const unknown = input.serviceAreas.filter((a) => !known.has(a));
    if (unknown.length)
      throw invalid(
        'serviceAreas',
        `serviceAreas: no premise is in ${unknown.map((a) => `'${a}'`).join(', ')}`,
      );
  }
  const dueBy = waterNoticeDueBy(basis, UTILITY_TIME_ZONE);
  const row = await db.$transaction(async (tx) => {
    const [r] = await tx.$queryRawUnsafe<WaterNoticeRow[]>(
      `INSERT INTO water_notice (id, kind, title, service_areas, learned_at, year, edition, due_by, url, body_en, body_es, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING RETURNING *`,
      id,
      input.kind,
      input.title,
      input.serviceAreas ?? null,
      basis.kind === 'CCR' ? null : basis.learnedAt,
      basis.kind === 'CCR' ? basis.year : null,
      basis.kind === 'CCR' ? basis.edition : null,
      dueBy,
      input.url ?? null,
      input.bodyEn,
      input.bodyEs ?? null,
      actor.id,
    );
    if (!r) return null; // issued already under this id
    await recordChange(tx, actor, {
      action: 'water-notice.issue',
      entityType: 'water_notice',
      entityId: id,
      after: {
        kind: input.kind,
        title: input.title,
        serviceAreas: input.serviceAreas ?? null,
        dueBy: dueBy.toISOString(),
      },
      reason: `${WATER_NOTICE_RULES[input.kind].label}, due by ${dueBy.toISOString()} (${WATER_NOTICE_RULES[input.kind].cite})`,
    });
    return r;
  });
  if (row) return { ...view(row), replayed: false };
  const earlier = await loadNotice(db, id);
  const same =
    earlier.kind === input.kind &&
    earlier.title === input.title &&
    earlier.body_en === input.bodyEn &&
    earlier.body_es === (input.bodyEs ?? null) &&
    earlier.url === (input.url ?? null) &&
    JSON.stringify(earlier.service_areas) === JSON.stringify(input.serviceAreas ?? null) &&
    earlier.due_by.getTime() === dueBy.getTime();
  if (!same)
    throw new AppError(
      'idempotency_mismatch',
      `Idempotency-Key: already used to issue another notice (${id}); use a new key for a new notice`,
      'Idempotency-Key',
    );
  return { ...view(earlier), replayed: true };
}

async function loadNotice(db: Db, id: string): Promise<WaterNoticeRow> {
  const [r] = await query<WaterNoticeRow>(db, `SELECT * FROM water_notice WHERE id = $1`, [id]);
  if (!r) throw notFound('Water notice', id);
  return r;
}

export async function listWaterNotices(db: Db, limit: number): Promise<{ items: WaterNoticeView[] }> {
  const rows = await query<WaterNoticeRow>(
    db,
    `SELECT * FROM water_notice ORDER BY created_at DESC, id LIMIT $1`,
    [limit],
  );
  return { items: rows.map(view) };
}

/** The situation is over: recorded and audited; a repeating notice stops repeating. */
export async function resolveWaterNotice(
  db: Db,
  actor: Actor,
  id: string,
  reason: string,
): Promise<WaterNoticeView> {
  const n = await loadNotice(db, id);
  if (n.resolved_at) throw conflict(`Water notice ${id} was resolved on ${n.resolved_at.toISOString()}`);
  const row = await db.$transaction(async (tx) => {
    const [r] = await tx.$queryRawUnsafe<WaterNoticeRow[]>(
      `UPDATE water_notice SET resolved_at = now(), resolved_reason = $2 WHERE id = $1 AND resolved_at IS NULL RETURNING *`,
      id,
      reason,
    );
    if (!r) throw conflict(`Water notice ${id} was resolved meanwhile`);
    await recordChange(tx, actor, {
      action: 'water-notice.resolve',
      entityType: 'water_notice',
      entityId: id,
      before: { resolvedAt: null },
      after: { resolvedAt: r.resolved_at!.toISOString() },
      reason,
    });
    return r;
  });
  return view(row);
}

// ---- delivering ------------------------------------------------------------------------------------

const noticeKey = (id: string, round: number, accountId: string) =>
  `water-notice:${id}:${round}:${accountId}`;

/** Active accounts with water service in the notice's areas, in account order, after `after`. */
async function servedAccounts(db: Db, n: WaterNoticeRow, after: string, limit: number): Promise<string[]> {
  const rows = await query<{ id: string }>(
    db,
    `SELECT a.id FROM account a JOIN premise p ON p.id = a.premise_id
     WHERE a.status = 'ACTIVE' AND a.id > $1
       AND ($2::text[] IS NULL OR p.service_area = ANY($2::text[]))
       AND EXISTS (SELECT 1 FROM service_point sp WHERE sp.premise_id = p.id AND sp.active AND sp.service = 'WATER')
     ORDER BY a.id LIMIT $3`,
    [after, n.service_areas, limit],
  );
  return rows.map((r) => r.id);
}

export interface WaterNoticeTally {
  id: string;
  round: number;
  accounts: number;
  sent: number;
  alreadySent: number;
  emailed: number;
  mailed: number;
  lastAccountId: string;
  /** The round was not delivered: the notice had been resolved. */
  resolved?: boolean;
}

/**
 * Delivers round `round` of a notice to every account it goes to, in slices, once each; `resume`
 * carries a retried attempt past the accounts done. A resolved notice's repeats are not sent.
 */
export async function deliverWaterNotice(
  deps: { db: Db; mailer?: Mailer | undefined; heartbeat?: (t: WaterNoticeTally) => void },
  i: {
    id: string;
    round: number;
    at: Date;
    actor: Actor;
    firstNoticeAt?: Date | null;
    resume?: WaterNoticeTally;
  },
): Promise<WaterNoticeTally> {
  const { db } = deps;
  const n = await loadNotice(db, i.id);
  const tally: WaterNoticeTally = i.resume ?? {
    id: i.id,
    round: i.round,
    accounts: 0,
    sent: 0,
    alreadySent: 0,
    emailed: 0,
    mailed: 0,
    lastAccountId: '',
  };
  if (n.resolved_at && i.round > 1) return { ...tally, resolved: true };
  const rule = WATER_NOTICE_RULES[n.kind];
  for (;;) {
    const ids = await servedAccounts(db, n, tally.lastAccountId, 200);
    if (ids.length === 0) return tally;
    const accounts = await db.account.findMany({
      where: { id: { in: ids } },
      include: { customer: true, premise: true },
      orderBy: { id: 'asc' },
    });
    for (const a of accounts) {
      const c = a.customer;
      const rendered = renderWaterNotice(n, {
        language: c.language,
        addressee: c.name,
        serviceAddress: a.premise.serviceAddress,
        round: i.round,
        firstNoticeAt: i.firstNoticeAt ?? null,
      });
      const key = noticeKey(n.id, i.round, a.id);
      const copy = await sendNoticeCopy(deps, {
        accountId: a.id,
        type: NOTICE_TYPE_WATER,
        key,
        rendered,
        email: c.paperless && c.email?.trim() ? c.email.trim() : null,
        letter: { recipientName: c.name, mailingAddress: c.mailingAddress },
        content: { waterNoticeId: n.id, kind: n.kind, round: i.round },
        at: i.at,
        actor: i.actor,
        audit: {
          action: 'notice.water.sent',
          entityType: 'notice',
          entityId: key,
          reason: `${rule.label}: ${n.title} (${rule.cite})`,
          after: { waterNoticeId: n.id, kind: n.kind, round: i.round },
        },
        timeline: {
          kind: 'notice.water',
          summary: (cp) =>
            cp.unconfirmed
              ? `${rule.label} email not confirmed by the mail server (not resent automatically): ${n.title}`
              : `${rule.label}${i.round > 1 ? ` (repeat ${i.round})` : ''} ${cp.channel === 'EMAIL' ? 'emailed' : 'mailed'}: ${n.title}`,
          data: { waterNoticeId: n.id, round: i.round },
        },
      });
      tally.accounts++;
      if (!copy.sent) tally.alreadySent++;
      else {
        tally.sent++;
        if (copy.channel === 'EMAIL') tally.emailed++;
        else tally.mailed++;
      }
      tally.lastAccountId = a.id;
    }
    deps.heartbeat?.(tally);
  }
}

// ---- proof of delivery --------------------------------------------------------------------------------

export interface WaterNoticeStatus extends WaterNoticeView {
  rounds: {
    round: number;
    copies: number;
    emailed: number;
    mailed: number;
    unconfirmed: number;
    /** Letters registered for print that no batch has taken yet. */
    waitingForPrint: number;
    /** When the first and the last copy went out (an email sent, a letter's batch closed). */
    firstAt: string | null;
    lastAt: string | null;
    /**
     * The first round out by the deadline (later rounds: null); null while letters wait for a
     * batch before the deadline, false once it passed with copies still waiting.
     */
    onTime: boolean | null;
  }[];
  /** Accounts the notice goes to now that have no copy of the latest round. */
  missing: string[];
}

export async function waterNoticeStatus(
  db: Db,
  id: string,
  now: Date = new Date(),
): Promise<WaterNoticeStatus> {
  const n = await loadNotice(db, id);
  const rows = await query<{
    round: number;
    copies: string;
    emailed: string;
    unconfirmed: string;
    waiting: string;
    first_at: Date | null;
    last_at: Date | null;
  }>(
    db,
    // A copy is out when the mail server took the email (sent_at) or when the print batch holding
    // the letter closed (its cutoff); a letter still waiting for a batch is not out yet.
    `SELECT (n.content->>'round')::int AS round, count(*) AS copies,
            count(*) FILTER (WHERE n.channel = 'EMAIL') AS emailed,
            count(*) FILTER (WHERE n.unconfirmed_at IS NOT NULL) AS unconfirmed,
            count(*) FILTER (WHERE n.channel = 'PRINT' AND n.batch_id IS NULL) AS waiting,
            min(CASE WHEN n.channel = 'PRINT' THEN b.cutoff ELSE n.sent_at END) AS first_at,
            max(CASE WHEN n.channel = 'PRINT' THEN b.cutoff ELSE n.sent_at END) AS last_at
     FROM notice n LEFT JOIN print_batch b ON b.id = n.batch_id
     WHERE n.type = $1 AND starts_with(n.idempotency_key, $2)
     GROUP BY 1 ORDER BY 1`,
    [NOTICE_TYPE_WATER, `water-notice:${n.id}:`],
  );
  const latest = rows.length ? rows[rows.length - 1]!.round : 1;
  const have = new Set(
    (
      await query<{ account_id: string }>(db, `SELECT account_id FROM notice WHERE idempotency_key LIKE $1`, [
        `water-notice:${n.id}:${latest}:%`,
      ])
    ).map((r) => r.account_id),
  );
  const missing: string[] = [];
  for (let after = ''; ; ) {
    const ids = await servedAccounts(db, n, after, 5000);
    if (!ids.length) break;
    missing.push(...ids.filter((a) => !have.has(a)));
    after = ids[ids.length - 1]!;
  }
  return {
    ...view(n),
    rounds: rows.map((r) => ({
      round: r.round,
      copies: Number(r.copies),
      emailed: Number(r.emailed),
      mailed: Number(r.copies) - Number(r.emailed),
      unconfirmed: Number(r.unconfirmed),
      waitingForPrint: Number(r.waiting),
      firstAt: r.first_at?.toISOString() ?? null,
      lastAt: r.last_at?.toISOString() ?? null,
      // Round 1 against the deadline: every copy out by then (a letter only once its batch
      // closed); null while letters still wait and the deadline has not passed.
      onTime:
        r.round !== 1
          ? null
          : Number(r.waiting) > 0
            ? now > n.due_by
              ? false
              : null
            : r.last_at !== null && r.last_at <= n.due_by,
    })),
    missing,
  };
}
