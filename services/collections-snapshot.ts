// What the collections policy evaluator knows about an account at a moment: gathered from the
// records (premise, customer, ledger, the case's actions, medical certificates, disputes, holds,
// arrangements, recorded weather) into domain/collections' AccountSnapshot. Nothing is assumed
// that the records do not say; where they are silent the evaluator decides conservatively.
import type { LedgerEntry, LedgerKind } from '@prisma/client';
import type { Db } from '../lib/db/prisma';
import { query } from '../lib/db/bulk';
import { allocate } from '../domain/ledger/allocation';
import { pastDue } from '../domain/ledger/aging';
import {
  getProfile,
  PROFILE_CODES,
  type AccountSnapshot,
  type AffidavitRecord,
  type Certifier,
  type Channel,
  type NoticeRecord,
  type PolicyProfile,
  type ProfileCode,
  type Service,
  type WeatherDay,
} from '../domain/collections';
import { addDays, isoDateIn } from '../domain/ledger/dates';
import { isHeatingCustomer } from '../domain/collections/heating';
import { toDomainEntry } from './ledger';
import { AppError, notFound } from '../lib/errors';

const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const DAY_MS = 86_400_000;

/** The collections_action kind of an affidavit filed with the regulator before a termination. */
export const AFFIDAVIT_FILED = 'AFFIDAVIT_FILED';

/** The premise's policy profile in force on a day (the premise names it: PA, NY, CA_WATER, ...). */
export function profileFor(code: string, onDate: string): PolicyProfile {
  if (!(PROFILE_CODES as readonly string[]).includes(code))
    throw new AppError(
      'conflict',
      `No collections policy profile ${code}: set the premise's jurisdiction profile`,
    );
  return getProfile(code as ProfileCode, onDate);
}

export interface CaseContext {
  snapshot: AccountSnapshot;
  profile: PolicyProfile;
  premise: { id: string; zip: string; serviceArea: string; serviceAddress: string };
  customer: {
    name: string;
    email: string | null;
    mailingAddress: string;
    language: string;
    paperless: boolean;
  };
  thirdParty: { name: string; email: string | null; address: string | null } | null;
  /** The emergency contact a critical-care designation names. */
  emergencyContact: { name: string; phone: string | null } | null;
  /** Open past-due charges, oldest first (for the itemized notice). */
  /** The past-due charges: ledger kind, the date a notice gives it (a bill's date), due date, open amount. */
  pastDueItems: { kind: string; date: string; dueDate: string; amountCents: bigint }[];
  balanceCents: bigint;
  /** ACTIVE, FINAL (final-billed, service ended), ... */
  accountStatus: string;
}

/**
 * The service a case is about: an account with electric service is judged under the (stricter)
 * energy rules, then gas; otherwise water.
 */
export function caseService(services: readonly string[]): Service {
  if (services.includes('ELECTRIC')) return 'ELECTRIC';
  if (services.includes('GAS')) return 'GAS';
  return 'WATER';
}

/** A timestamptz as JSON text in UTC, to the millisecond (as Prisma returns it). */
const TS = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Everything a case decision reads about one account, in ONE query: the account, customer and
 * premise as columns, each list (ledger, this episode's actions, certificates, disputes,
 * arrangements, weather around the day) as JSON. A case asks the rules several times on its way
 * to a notice period, and a bill cycle hands thousands of cases over at once, so this is a hot
 * path: one statement instead of a dozen ORM calls. Amounts travel as text (exact bigints), days
 * as YYYY-MM-DD, instants as UTC ISO strings.
 */
const CASE_CONTEXT_SQL = `
SELECT a.id, a.class, a.status, a.income_pct_fpl::text AS income_pct_fpl,
  a.income_verified_on::text AS income_verified_on, a.income_decreased_on::text AS income_decreased_on,
  a.third_party_name, a.third_party_email, a.third_party_address,
  a.critical_care_from::text AS critical_care_from, a.critical_care_until::text AS critical_care_until,
  a.emergency_contact_name, a.emergency_contact_phone,
  c.name, c.email, c.mailing_address, c.language, c.paperless, c.age65_or_dependent,
  p.id AS premise_id, p.zip, p.service_area, p.service_address, p.jurisdiction_profile,
  p.heating::text AS heating, p.tenant_occupied,
  ARRAY(SELECT sp.service::text FROM service_point sp WHERE sp.premise_id = p.id AND sp.active) AS services,
  (SELECT coalesce(json_agg(json_build_object(
     'id', e.id::text, 'kind', e.kind, 'amountCents', e.amount_cents::text,
     'effectiveDate', e.effective_date::text, 'dueDate', e.due_date::text, 'billId', e.bill_id,
     'paymentId', e.payment_id::text, 'reversesEntryId', e.reverses_entry_id::text,
     'idempotencyKey', e.idempotency_key, 'memo', e.memo, 'createdAt', ${TS('e.created_at')})
     ORDER BY e.effective_date, e.id), '[]')
   FROM ledger_entry e WHERE e.account_id = a.id) AS entries,
  (SELECT coalesce(json_object_agg(b.id, b.bill_date::text), '{}')
   FROM bill b WHERE b.id IN (SELECT e.bill_id FROM ledger_entry e WHERE e.account_id = a.id)) AS bill_dates,
  (SELECT json_build_object('n', count(*), 'sum', coalesce(sum(b.total_cents), 0)::text)
   FROM bill b WHERE b.account_id = a.id AND b.status = 'ISSUED' AND b.bill_date >= $3::date) AS recent_bills,
  (SELECT coalesce(json_agg(json_build_object(
     'kind', x.kind, 'method', x.method, 'occurredAt', ${TS('x.occurred_at')}, 'data', x.data)
     ORDER BY x.occurred_at, x.id), '[]')
   FROM collections_action x WHERE x.account_id = a.id AND x.episode = $2) AS actions,
  (SELECT coalesce(json_agg(json_build_object(
     'receivedAt', ${TS('m.received_at')}, 'validUntil', m.valid_until::text, 'kind', m.kind,
     'renewalNumber', m.renewal_number, 'arrearsCents', m.arrears_cents::text,
     'writtenFollowUpBy', m.written_follow_up_by::text, 'certifier', m.certifier,
     'inabilityToPay', m.inability_to_pay, 'agreesToPlan', m.agrees_to_plan) ORDER BY m.received_at), '[]')
   FROM medical_certificate m WHERE m.account_id = a.id) AS certificates,
  (SELECT coalesce(json_agg(json_build_object(
     'openedAt', ${TS('d.opened_at')}, 'resolvedAt', ${TS('d.resolved_at')}) ORDER BY d.opened_at), '[]')
   FROM dispute d WHERE d.account_id = a.id) AS disputes,
  (SELECT json_build_object('holdSince', ${TS('ep.hold_since')}, 'holdReason', ep.hold_reason,
     'disconnectedAt', ${TS('ep.disconnected_at')}, 'reconnectedAt', ${TS('ep.reconnected_at')})
   FROM collections_episode ep WHERE ep.account_id = a.id AND ep.episode = $2) AS episode,
  (SELECT coalesce(json_agg(json_build_object(
     'status', r.status, 'createdAt', ${TS('r.created_at')}, 'defaultedOn', r.defaulted_on::text)
     ORDER BY r.created_at), '[]')
   FROM payment_arrangement r WHERE r.account_id = a.id) AS arrangements,
  (SELECT coalesce(json_agg(json_build_object(
     'day', w.day::text, 'forecastHighF', w.forecast_high_f, 'forecastLowF', w.forecast_low_f,
     'observedHighF', w.observed_high_f, 'observedLowF', w.observed_low_f,
     'heatAdvisory', w.heat_advisory) ORDER BY w.day), '[]')
   FROM weather_observation w
   WHERE w.service_area = p.service_area AND w.day BETWEEN $4::date - 8 AND $4::date + 22) AS weather
FROM account a
JOIN customer c ON c.id = a.customer_id
JOIN premise p ON p.id = a.premise_id
WHERE a.id = $1`;

interface CaseContextRow {
  id: string;
  class: string;
  status: string;
  income_pct_fpl: string | null;
  income_verified_on: string | null;
  income_decreased_on: string | null;
  third_party_name: string | null;
  third_party_email: string | null;
  third_party_address: string | null;
  critical_care_from: string | null;
  critical_care_until: string | null;
  emergency_contact_name: string | null;
  emergency_contact_phone: string | null;
  name: string;
  email: string | null;
  mailing_address: string;
  language: string;
  paperless: boolean;
  age65_or_dependent: boolean;
  premise_id: string;
  zip: string;
  service_area: string;
  service_address: string;
  jurisdiction_profile: string;
  heating: string | null;
  tenant_occupied: boolean;
  services: string[];
  entries: {
    id: string;
    kind: LedgerKind;
    amountCents: string;
    effectiveDate: string;
    dueDate: string | null;
    billId: string | null;
    paymentId: string | null;
    reversesEntryId: string | null;
    idempotencyKey: string;
    memo: string;
    createdAt: string;
  }[];
  bill_dates: Record<string, string>;
  recent_bills: { n: number; sum: string };
  actions: { kind: string; method: string | null; occurredAt: string; data: unknown }[];
  certificates: {
    receivedAt: string;
    validUntil: string;
    kind: string;
    renewalNumber: number;
    arrearsCents: string;
    writtenFollowUpBy: string | null;
    certifier: Certifier;
    inabilityToPay: boolean;
    agreesToPlan: boolean;
  }[];
  disputes: { openedAt: string; resolvedAt: string | null }[];
  episode: {
    holdSince: string | null;
    holdReason: string | null;
    disconnectedAt: string | null;
    reconnectedAt: string | null;
  } | null;
  arrangements: { status: string; createdAt: string; defaultedOn: string | null }[];
  weather: {
    day: string;
    forecastHighF: number | null;
    forecastLowF: number | null;
    observedHighF: number | null;
    observedLowF: number | null;
    heatAdvisory: boolean;
  }[];
}

const utcDay = (iso: string) => new Date(`${iso}T00:00:00Z`);

const toWeatherDay = (w: CaseContextRow['weather'][number]): WeatherDay => ({
  date: w.day,
  ...(w.forecastHighF !== null ? { forecastHighF: w.forecastHighF } : {}),
  ...(w.forecastLowF !== null ? { forecastLowF: w.forecastLowF } : {}),
  ...(w.observedHighF !== null ? { observedHighF: w.observedHighF } : {}),
  ...(w.observedLowF !== null ? { observedLowF: w.observedLowF } : {}),
  heatAdvisory: w.heatAdvisory,
});

/** Days either side of a due date the weather rules may read for it (the day before, two days of
 *  advisories, a few days of forecast, the weekend or holiday after). */
const DUE_DATE_WEATHER_DAYS = 8;

const DUE_DATE_WEATHER_SQL = `
SELECT w.day::text AS day, w.forecast_high_f AS "forecastHighF", w.forecast_low_f AS "forecastLowF",
  w.observed_high_f AS "observedHighF", w.observed_low_f AS "observedLowF", w.heat_advisory AS "heatAdvisory"
FROM weather_observation w
WHERE w.service_area = $1
  AND EXISTS (SELECT 1 FROM unnest($2::date[]) AS d(due)
              WHERE w.day BETWEEN d.due - ${DUE_DATE_WEATHER_DAYS} AND d.due + ${DUE_DATE_WEATHER_DAYS})
ORDER BY w.day`;

/**
 * For an arrangement request under a profile with an extreme-weather plan (Texas): the snapshot
 * with the premise's service-area weather around each past-due bill's due date added, so the plan
 * can tell which bills fell due in an extreme-weather emergency. Those days mostly lie before the
 * ones `loadCaseContext` reads for the case's own decisions. Unchanged for other profiles.
 */
export async function withDueDateWeather(db: Db, ctx: CaseContext): Promise<AccountSnapshot> {
  const { snapshot, profile } = ctx;
  const dueDates = [...new Set((snapshot.pastDueBills ?? []).map((b) => b.dueDate))];
  if (!profile.extremeWeatherPlan || !profile.weather || dueDates.length === 0) return snapshot;
  const rows = await query<CaseContextRow['weather'][number]>(db, DUE_DATE_WEATHER_SQL, [
    ctx.premise.serviceArea,
    dueDates,
  ]);
  const known = new Set(snapshot.weather.map((w) => w.date));
  const added = rows.filter((w) => !known.has(w.day)).map(toWeatherDay);
  return {
    ...snapshot,
    weather: [...snapshot.weather, ...added].sort((a, b) => a.date.localeCompare(b.date)),
  };
}

export async function loadCaseContext(
  db: Db,
  accountId: string,
  episode: number,
  at: Date,
): Promise<CaseContext> {
  const [row] = await query<CaseContextRow>(db, CASE_CONTEXT_SQL, [
    accountId,
    episode,
    isoDay(new Date(at.getTime() - 365 * DAY_MS)),
    isoDay(at),
  ]);
  if (!row) throw notFound('Account', accountId);
  const profile = profileFor(row.jurisdiction_profile, isoDateIn(at, 'America/New_York'));
  const today = isoDateIn(at, profile.timeZone);
  const service = caseService(row.services);
  const heating = isHeatingCustomer(row.heating, row.services);

  const rows: LedgerEntry[] = row.entries.map((e) => ({
    id: BigInt(e.id),
    accountId,
    kind: e.kind,
    amountCents: BigInt(e.amountCents),
    effectiveDate: utcDay(e.effectiveDate),
    dueDate: e.dueDate ? utcDay(e.dueDate) : null,
    billId: e.billId,
    paymentId: e.paymentId,
    reversesEntryId: e.reversesEntryId === null ? null : BigInt(e.reversesEntryId),
    idempotencyKey: e.idempotencyKey,
    memo: e.memo,
    createdAt: new Date(e.createdAt),
  }));
  const entries = rows.filter((r) => isoDay(r.effectiveDate) <= today).map(toDomainEntry);
  const allocation = allocate(entries);
  const overdue = allocation.charges
    .filter((c) => c.openCents > 0n && c.dueDate < today)
    .sort((a, b) => a.dueDate.localeCompare(b.dueDate));
  const oldest = overdue[0];
  const oldestBillDate = oldest?.entry.row.billId ? (row.bill_dates[oldest.entry.row.billId] ?? null) : null;
  const balanceCents = entries.reduce((s, e) => s + e.amountCents, 0n);
  const episodeRow = row.episode;
  const arrangements = row.arrangements;
  const [weatherFrom, weatherTo] = [addDays(today, -7), addDays(today, 21)];
  const weather = row.weather.filter((w) => w.day >= weatherFrom && w.day <= weatherTo);

  const CHANNEL: Record<string, Channel> = {
    EMAIL: 'EMAIL',
    MAIL: 'MAIL',
    PRINT: 'MAIL',
    PHONE: 'PHONE',
    IN_PERSON: 'IN_PERSON',
    POSTED: 'POSTED',
  };
  const notices: NoticeRecord[] = [];
  const affidavits: AffidavitRecord[] = [];
  for (const a of row.actions) {
    if (a.kind === AFFIDAVIT_FILED) {
      // Filed with the regulator ahead of a termination (MD: COMAR 20.31.03.03A), at occurredAt.
      const ref = (a.data as { reference?: unknown } | null)?.reference;
      affidavits.push({ filedAt: a.occurredAt, reference: typeof ref === 'string' ? ref : '' });
      continue;
    }
    const data = (a.data ?? {}) as {
      expiresOn?: string | null;
      disconnectOnOrAfter?: string | null;
      outcome?: 'REACHED' | 'NOT_REACHED';
      recipientRole?: string;
      noticeKind?: string;
    };
    const toEmergencyContact = a.kind === 'CONTACT_ATTEMPT' && data.recipientRole === 'EMERGENCY_CONTACT';
    // Copies are not the customer's notice; a critical-care emergency contact's call is its own.
    if (data.recipientRole && data.recipientRole !== 'CUSTOMER' && !toEmergencyContact) continue;
    const step =
      a.kind === 'CONTACT_ATTEMPT'
        ? 'SHORT_NOTICE_CONTACT'
        : a.kind === 'DISCONNECT_NOTICE' || a.kind === 'POSTED_NOTICE' || a.kind === 'REMINDER'
          ? a.kind
          : null;
    if (!step) continue;
    if (data.noticeKind === 'WINTER_NOTICE') {
      notices.push({
        step: 'WINTER_NOTICE',
        sentAt: a.occurredAt,
        channel: CHANNEL[a.method ?? 'MAIL'] ?? 'MAIL',
        expiresOn: null,
      });
      continue;
    }
    notices.push({
      step,
      sentAt: a.occurredAt,
      channel: CHANNEL[a.method ?? 'MAIL'] ?? 'MAIL',
      expiresOn: data.expiresOn ?? null,
      ...(data.outcome ? { outcome: data.outcome } : {}),
      ...(data.disconnectOnOrAfter ? { onOrAfter: data.disconnectOnOrAfter } : {}),
      ...(toEmergencyContact ? { recipient: 'EMERGENCY_CONTACT' as const } : {}),
    });
  }
  const current = arrangements.filter((a) => a.status !== 'COMPLETED').at(-1) ?? null;

  const snapshot: AccountSnapshot = {
    accountId,
    service,
    customerClass: row.class as AccountSnapshot['customerClass'],
    heating,
    incomePctFpl: row.income_pct_fpl === null ? null : Number(row.income_pct_fpl),
    incomeVerifiedOn: row.income_verified_on,
    incomeChangedOn: row.income_decreased_on,
    age65OrDependentAdult: row.age65_or_dependent,
    tenantOccupied: row.tenant_occupied,
    thirdPartyDesignee: Boolean(row.third_party_name),
    language: row.language,
    oldestUnpaidDueDate: oldest ? oldest.dueDate : null,
    pastDueCents: pastDue(entries, today),
    billMailedOn: oldestBillDate ?? (oldest ? oldest.entry.effectiveDate : null),
    averageMonthlyBillCents: row.recent_bills.n
      ? BigInt(row.recent_bills.sum) / BigInt(row.recent_bills.n)
      : null,
    notices,
    medicalCertificates: row.certificates.map((c) => ({
      receivedAt: c.receivedAt,
      validUntil: c.validUntil,
      kind: c.kind as 'PHONE' | 'WRITTEN',
      renewalNumber: c.renewalNumber,
      arrearsCents: BigInt(c.arrearsCents),
      ...(c.writtenFollowUpBy ? { writtenFollowUpBy: c.writtenFollowUpBy } : {}),
      certifier: c.certifier,
      inabilityToPay: c.inabilityToPay,
      agreesToPlan: c.agreesToPlan,
    })),
    disputes: row.disputes.map((d) => ({ openedAt: d.openedAt, resolvedAt: d.resolvedAt })),
    supervisorHold:
      episodeRow?.holdSince && episodeRow.holdReason
        ? { since: episodeRow.holdSince, reason: episodeRow.holdReason }
        : null,
    arrangement: current
      ? {
          status: current.status as 'CURRENT' | 'DEFAULTED',
          since: current.createdAt.slice(0, 10),
          ...(current.defaultedOn ? { defaultedOn: current.defaultedOn } : {}),
        }
      : null,
    arrangementDefaults: arrangements.filter((a) => a.defaultedOn).map((a) => a.defaultedOn!),
    weather: weather.map(toWeatherDay),
    pastDueBills: overdue.map((c) => ({ dueDate: c.dueDate, openCents: c.openCents })),
    disconnectedAt:
      episodeRow?.disconnectedAt && !episodeRow.reconnectedAt ? episodeRow.disconnectedAt : null,
    criticalCare:
      row.critical_care_from && row.critical_care_until
        ? {
            from: row.critical_care_from,
            until: row.critical_care_until,
            emergencyContact: Boolean(row.emergency_contact_name),
          }
        : null,
    affidavits,
  };
  return {
    snapshot,
    profile,
    premise: {
      id: row.premise_id,
      zip: row.zip,
      serviceArea: row.service_area,
      serviceAddress: row.service_address,
    },
    customer: {
      name: row.name,
      email: row.email,
      mailingAddress: row.mailing_address,
      language: row.language,
      paperless: row.paperless,
    },
    thirdParty: row.third_party_name
      ? { name: row.third_party_name, email: row.third_party_email, address: row.third_party_address }
      : null,
    emergencyContact: row.emergency_contact_name
      ? { name: row.emergency_contact_name, phone: row.emergency_contact_phone }
      : null,
    // Worded by the notice in its own language (labels.json), not by the ledger's English memo.
    pastDueItems: overdue.map((c) => ({
      kind: c.entry.row.kind,
      date:
        (c.entry.row.billId ? row.bill_dates[c.entry.row.billId] : null) ?? isoDay(c.entry.row.effectiveDate),
      dueDate: c.dueDate,
      amountCents: c.openCents,
    })),
    balanceCents,
    accountStatus: row.status,
  };
}
