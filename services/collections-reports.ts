// Regulatory collections reports, computed from live data each time they are asked for:
//
//   pa-56-231        Pennsylvania's monthly collections report (52 Pa. Code §56.231)
//   il-monthly       Illinois' monthly report by ZIP, customer class and service (220 ILCS 5/8-201.10)
//   ca-water-annual  California's annual count of residential water discontinuations for
//                    nonpayment (SB 998, Health & Safety Code §116918)
//
// Every figure names what it counts and lists the rows behind it: the collections_action ids of
// an event count (notices, contacts, terminations, reconnections, arrangements made), the account
// ids of a count of customers or arrears, the payment_arrangement ids of arrangements in force.
// `traceFigure` returns those rows in full, so a regulator's question about a number is answered
// from the same computation that produced it.
//
// Periods are calendar months and years in the utility's time zone (services/ledger.ts
// UTILITY_TIME_ZONE), or in the profile's when the report is for one (`?profile=`): an action
// counts in the month of its local day, and month-end positions are as of the last local day of
// the month (an account's standing then, not today's status).
import type {
  AccountStatus,
  CollectionsAction,
  HeatingSource,
  PaymentArrangement,
  Prisma,
} from '@prisma/client';
import type { Db } from '../lib/db/prisma';
import { invalid } from '../lib/errors';
import { addDays, daysInMonth, isoDateIn } from '../domain/ledger';
import { localMidnight } from '../domain/collections/calendar';
import { isHeatingCustomer } from '../domain/collections/heating';
import { PROFILE_CODES, PROFILE_VERSIONS, selectVersion } from '../domain/collections/profiles';
import type { ProfileCode } from '../domain/collections';
import { inServiceOn } from '../domain/account-status';
import { dbDate, isoDay, jsonCents, pastDueBalances, UTILITY_TIME_ZONE } from './ledger';
import { csvCell } from './audit-export';

export const REPORT_KINDS = ['pa-56-231', 'il-monthly', 'ca-water-annual'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export interface ReportParams {
  /** YYYY-MM for the monthly reports. */
  month?: string;
  /** YYYY for the annual report. */
  year?: string;
  /** Only premises (and actions) under this policy profile, e.g. PA; all when absent. */
  profile?: string;
}

/**
 * What a figure counts: actions taken, notices given (a notice sent by email and by mail is one
 * notice and two actions), accounts, or arrangements in force.
 */
export type Basis = 'actions' | 'notices' | 'accounts' | 'arrangements';

export interface Figure {
  /** Stable name, used by `?trace=`. */
  key: string;
  label: string;
  cite: string;
  /** The breakdown the figure belongs to (segment, cause, ZIP, class, service, ...). */
  dims: Record<string, string>;
  basis: Basis;
  count: number;
  /** Money figures only: the sum, in cents. */
  amountCents?: number;
  /** collections_action ids behind the figure (event figures). */
  actionIds?: string[];
  /** Account ids behind the figure. */
  accountIds: string[];
  /** payment_arrangement ids behind the figure (arrangements in force, and the customers under them). */
  arrangementIds?: string[];
}

export interface Report {
  report: ReportKind;
  title: string;
  citation: string;
  period: { label: string; from: string; to: string };
  timeZone: string;
  profile: string | null;
  generatedAt: string;
  /** How each kind of figure is counted. */
  definitions: Record<string, string>;
  figures: Figure[];
}

// ---- periods -------------------------------------------------------------------------------------

interface Period {
  label: string;
  timeZone: string;
  /** First and last local day, YYYY-MM-DD. */
  from: string;
  to: string;
  /** [start, end) as instants. */
  start: Date;
  end: Date;
}

function period(from: string, to: string, label: string, timeZone: string): Period {
  return {
    label,
    timeZone,
    from,
    to,
    start: localMidnight(from, timeZone),
    end: localMidnight(addDays(to, 1), timeZone),
  };
}

/**
 * The zone the report's days are counted in: the profile's when the report is for one (Illinois
 * counts Chicago's days), else the utility's.
 */
function reportTimeZone(profile: string | undefined, onDate: string): string {
  if (!profile) return UTILITY_TIME_ZONE;
  if (!(PROFILE_CODES as readonly string[]).includes(profile))
    throw invalid('profile', `profile: no policy profile ${profile}; one of ${PROFILE_CODES.join(', ')}`);
  const versions = PROFILE_VERSIONS[profile as ProfileCode];
  // A period before the profile's first version still has the profile's zone.
  return (selectVersion(versions, onDate) ?? versions[0]!).timeZone;
}

function monthPeriod(params: ReportParams): Period {
  const { month } = params;
  const m = month ? /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month) : null;
  if (!m) throw invalid('month', 'month: must be a month as YYYY-MM');
  const [y, mo] = [Number(m[1]), Number(m[2])];
  const from = `${month}-01`;
  return period(
    from,
    `${month}-${String(daysInMonth(y, mo)).padStart(2, '0')}`,
    month!,
    reportTimeZone(params.profile, from),
  );
}

function yearPeriod(params: ReportParams): Period {
  const { year } = params;
  if (!year || !/^\d{4}$/.test(year)) throw invalid('year', 'year: must be a year as YYYY');
  return period(`${year}-01-01`, `${year}-12-31`, year, reportTimeZone(params.profile, `${year}-01-01`));
}

// ---- the facts -----------------------------------------------------------------------------------

interface AccountFacts {
  id: string;
  customerName: string;
  status: AccountStatus;
  startDate: string;
  endDate: string | null;
  customerClass: 'RES' | 'COM';
  premiseId: string;
  zip: string;
  heatingSource: HeatingSource | null;
  /** Active service points at the premise. */
  services: string[];
  /** The premise heats with the service the account's collections case is about. */
  heating: boolean;
}

/** Accounts opened by `through` (any status), optionally only residential or under one profile. */
async function loadAccounts(
  db: Db,
  through: string,
  opts: { residentialOnly?: boolean; profile?: string | undefined },
): Promise<AccountFacts[]> {
  const rows = await db.account.findMany({
    where: {
      startDate: { lte: dbDate(through) },
      ...(opts.residentialOnly ? { class: 'RES' as const } : {}),
      ...(opts.profile ? { premise: { jurisdictionProfile: opts.profile } } : {}),
    },
    select: {
      id: true,
      status: true,
      startDate: true,
      endDate: true,
      class: true,
      customer: { select: { name: true } },
      premise: {
        select: {
          id: true,
          zip: true,
          heating: true,
          servicePoints: { where: { active: true }, select: { service: true }, orderBy: { service: 'asc' } },
        },
      },
    },
    orderBy: { id: 'asc' },
  });
  return rows.map((a) => {
    const services = a.premise.servicePoints.map((s) => s.service as string);
    return {
      id: a.id,
      customerName: a.customer.name,
      status: a.status,
      startDate: isoDay(a.startDate),
      endDate: a.endDate ? isoDay(a.endDate) : null,
      customerClass: a.class,
      premiseId: a.premise.id,
      zip: a.premise.zip,
      heatingSource: a.premise.heating,
      services,
      heating: isHeatingCustomer(a.premise.heating, services),
    };
  });
}

/** Past-due cents on a day for many accounts (the ledger's own rule), in slices of 5,000. */
async function pastDueOn(db: Db, accountIds: readonly string[], asOf: string): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  for (let i = 0; i < accountIds.length; i += 5000)
    for (const [id, cents] of await pastDueBalances(db, accountIds.slice(i, i + 5000), asOf))
      out.set(id, cents);
  return out;
}

/**
 * An arrangement is in force at the end of a day when it was made before the day ended and had
 * neither defaulted nor completed by then (its defaulted_on / completed_on dates say when; one
 * marked DEFAULTED or COMPLETED without its date is taken as ended).
 */
export function arrangementInForce(a: PaymentArrangement, end: Date, through: string): boolean {
  if (a.createdAt >= end) return false;
  if (a.defaultedOn ? isoDay(a.defaultedOn) <= through : a.status === 'DEFAULTED') return false;
  if (a.completedOn ? isoDay(a.completedOn) <= through : a.status === 'COMPLETED') return false;
  return true;
}

/** Arrangements in force at the end of the local day `through`, which ends at `end`. */
async function arrangementsInForce(db: Db, end: Date, through: string): Promise<PaymentArrangement[]> {
  const rows = await db.paymentArrangement.findMany({
    where: { createdAt: { lt: end } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  return rows.filter((a) => arrangementInForce(a, end, through));
}

async function loadActions(
  db: Db,
  p: Pick<Period, 'start' | 'end'>,
  where: Prisma.CollectionsActionWhereInput,
): Promise<CollectionsAction[]> {
  return db.collectionsAction.findMany({
    where: { ...where, occurredAt: { gte: p.start, lt: p.end } },
    orderBy: { id: 'asc' },
  });
}

interface ActionData {
  outcome?: string;
  recipientRole?: string;
}
const dataOf = (a: CollectionsAction): ActionData =>
  a.data && typeof a.data === 'object' && !Array.isArray(a.data) ? (a.data as ActionData) : {};

/**
 * A written notice counts once, as the customer's: copies to a third party, a landlord or a health
 * department are recorded as their own actions (with `data.recipientRole`) but are not notices
 * "issued" in any report's sense. Likewise a call to an emergency contact is not a customer contact.
 */
const isCustomerNotice = (a: CollectionsAction) => {
  const role = dataOf(a).recipientRole;
  return role === undefined || role === null || role === 'CUSTOMER';
};

/**
 * The notice an action gave: a notice sent by email and by mail is recorded as two actions whose
 * keys differ only in the last segment, the channel (`…:<seq>:<ROLE>:EMAIL` and `…:PRINT`).
 */
export const noticeOf = (a: Pick<CollectionsAction, 'idempotencyKey'>) =>
  a.idempotencyKey.replace(/:(EMAIL|PRINT)$/, '');

// ---- figures -------------------------------------------------------------------------------------

interface Acc {
  key: string;
  label: string;
  cite: string;
  dims: Record<string, string>;
  basis: Basis;
  money: boolean;
  actions: CollectionsAction[];
  /** Account id → cents (money figures) or null. */
  accounts: Map<string, bigint | null>;
  arrangements: Map<string, { arrangement: PaymentArrangement; actions: CollectionsAction[] }>;
}

class Figures {
  readonly list: Acc[] = [];
  private readonly byKey = new Map<string, Acc>();

  define(
    key: string,
    label: string,
    cite: string,
    dims: Record<string, string>,
    basis: Basis,
    money = false,
  ): Acc {
    let acc = this.byKey.get(key);
    if (!acc) {
      acc = {
        key,
        label,
        cite,
        dims,
        basis,
        money,
        actions: [],
        accounts: new Map(),
        arrangements: new Map(),
      };
      this.byKey.set(key, acc);
      this.list.push(acc);
    }
    return acc;
  }

  get(key: string): Acc {
    const acc = this.byKey.get(key);
    if (!acc) throw new Error(`report figure ${key} was not defined`);
    return acc;
  }

  action(key: string, a: CollectionsAction): void {
    const acc = this.get(key);
    acc.actions.push(a);
    if (!acc.accounts.has(a.accountId)) acc.accounts.set(a.accountId, null);
  }

  account(key: string, accountId: string, cents: bigint | null = null): void {
    this.get(key).accounts.set(accountId, cents);
  }
}

function toFigure(acc: Acc): Figure {
  const count =
    acc.basis === 'actions'
      ? acc.actions.length
      : acc.basis === 'notices'
        ? new Set(acc.actions.map(noticeOf)).size
        : acc.basis === 'accounts'
          ? acc.accounts.size
          : acc.arrangements.size;
  let amount = 0n;
  if (acc.money) for (const c of acc.accounts.values()) amount += c ?? 0n;
  const actionIds = new Set(acc.actions.map((a) => a.id.toString()));
  for (const { actions } of acc.arrangements.values())
    for (const a of actions) actionIds.add(a.id.toString());
  return {
    key: acc.key,
    label: acc.label,
    cite: acc.cite,
    dims: acc.dims,
    basis: acc.basis,
    count,
    ...(acc.money ? { amountCents: jsonCents(amount) } : {}),
    ...(acc.basis !== 'accounts' || actionIds.size ? { actionIds: [...actionIds] } : {}),
    accountIds: [...acc.accounts.keys()],
    ...(acc.basis === 'arrangements' || acc.arrangements.size
      ? { arrangementIds: [...acc.arrangements.keys()] }
      : {}),
  };
}

// ---- Pennsylvania, 52 Pa. Code §56.231 -----------------------------------------------------------

const PA_CITE = '52 Pa. Code §56.231';
const paCite = (...items: number[]) => `${PA_CITE}(a)(${items.join(')–(')})`;
const SEGMENTS = ['heating', 'nonHeating'] as const;
const SEGMENT_LABEL = { heating: 'heating', nonHeating: 'non-heating' } as const;
const segmentOf = (heating: boolean) => (heating ? 'heating' : 'nonHeating');
const CONTACT_METHODS = ['IN_PERSON', 'PHONE', 'EMAIL', 'MAIL'] as const;
const CONTACT_CITE: Record<string, string> = {
  IN_PERSON: paCite(11),
  PHONE: paCite(12),
  EMAIL: paCite(13),
};
const RECONNECT_CAUSES = ['PAID', 'ARRANGEMENT', 'MEDICAL', 'ERRONEOUS', 'ORDER', 'OTHER'] as const;
const RECONNECT_CITE: Record<string, string> = {
  PAID: paCite(18),
  ARRANGEMENT: paCite(18),
  MEDICAL: paCite(19),
};
const TERMINATION_CAUSES = ['NONPAYMENT', 'OTHER'] as const;
const terminationCause = (a: CollectionsAction) => (a.cause === 'NONPAYMENT' ? 'NONPAYMENT' : 'OTHER');
const PA_ACTION_KINDS = ['DISCONNECT_NOTICE', 'CONTACT_ATTEMPT', 'POSTED_NOTICE', 'DISCONNECT', 'RECONNECT'];

const PA_DEFINITIONS = {
  customers:
    'Residential (class RES) accounts in service at the end of the last day of the month: started on or before it, not PENDING, and with an end date after it (a FINAL or CLOSED account without an end date is taken as ended). Heating: the premise heats with a service the account takes (domain/collections/heating.ts).',
  arrears:
    'Past-due ledger balance at the end of the last day of the month (open charges after their due date, oldest-first allocation, services/ledger.ts). On agreement: a payment arrangement made before month end that had neither defaulted nor completed by then. Active or inactive: whether the account was in service at the end of the last day of the month, as for customers.',
  notices10Day:
    'Disconnection notices given in the month, the customer’s copy only (copies to third parties, landlords, occupants or officials are not separate notices). A notice sent by email and by mail is one notice: its DISCONNECT_NOTICE actions share their key up to the channel; the figure lists both actions.',
  occupantNoticeDwellings:
    'Accounts (dwellings) with a DISCONNECT_NOTICE addressed to the occupants (data.recipientRole OCCUPANT) in the month.',
  contacts3Day:
    'CONTACT_ATTEMPT actions with the customer in the month by method (calls to an emergency contact are not counted); contacts3DayCompleted counts those whose outcome was REACHED.',
  notices48Hour: 'POSTED_NOTICE actions in the month.',
  terminations:
    'DISCONNECT actions in the month: cause NONPAYMENT (a collections case’s disconnection), or any other cause as OTHER (a disconnection on a field order opened by hand, with no case: recorded with cause OTHER and episode 0); by ZIP uses the first three digits of the ZIP recorded on the action.',
  reconnections:
    'RECONNECT actions in the month by cause (a cause not listed counts as OTHER; a reconnection on a field order opened by hand is OTHER).',
  heating: 'Action figures split heating/non-heating by the `heating` flag the case recorded on the action.',
};

async function buildPa(
  db: Db,
  params: ReportParams,
): Promise<{ report: Omit<Report, 'figures'>; accs: Acc[] }> {
  const p = monthPeriod(params);
  const f = new Figures();
  for (const s of SEGMENTS)
    f.define(
      `customers.${s}`,
      `Residential ${SEGMENT_LABEL[s]} customers`,
      paCite(s === 'heating' ? 1 : 2),
      { segment: s },
      'accounts',
    );
  const arrears = [
    ['offAgreement', 'Active residential accounts in arrears, not on a payment arrangement', [3, 4]],
    ['onAgreement', 'Active residential accounts in arrears, on a payment arrangement', [5, 6]],
    ['inactive', 'Inactive residential accounts in arrears', [7, 8]],
  ] as const;
  for (const [category, label, items] of arrears)
    for (const s of SEGMENTS)
      f.define(
        `arrears.${category}.${s}`,
        `${label} (${SEGMENT_LABEL[s]})`,
        paCite(...items),
        { segment: s, category },
        'accounts',
        true,
      );
  for (const s of SEGMENTS)
    f.define(
      `notices10Day.${s}`,
      `10-day termination notices issued (${SEGMENT_LABEL[s]})`,
      paCite(9),
      { segment: s },
      'notices',
    );
  for (const s of SEGMENTS)
    f.define(
      `occupantNoticeDwellings.${s}`,
      `Dwellings receiving termination notices addressed to occupants other than the customer (${SEGMENT_LABEL[s]})`,
      paCite(10),
      { segment: s },
      'accounts',
    );

  const actions = await loadActions(db, p, {
    kind: { in: PA_ACTION_KINDS },
    customerClass: 'RES',
    ...(params.profile ? { profile: params.profile } : {}),
  });
  const methods = [...CONTACT_METHODS] as string[];
  for (const a of actions)
    if (a.kind === 'CONTACT_ATTEMPT' && !methods.includes(a.method ?? 'OTHER')) methods.push('OTHER');
  const contactMethods = [...new Set(methods)];
  for (const [prefix, label] of [
    ['contacts3Day', '3-day contacts attempted'],
    ['contacts3DayCompleted', '3-day termination notices completed by contact'],
  ] as const)
    for (const m of contactMethods)
      for (const s of SEGMENTS)
        f.define(
          `${prefix}.${m}.${s}`,
          `${label}, ${m.toLowerCase().replace('_', ' ')} (${SEGMENT_LABEL[s]})`,
          CONTACT_CITE[m] ?? paCite(11, 13),
          { segment: s, method: m },
          'actions',
        );
  for (const s of SEGMENTS)
    f.define(
      `notices48Hour.${s}`,
      `48-hour termination notices posted (${SEGMENT_LABEL[s]})`,
      paCite(14),
      { segment: s },
      'actions',
    );
  for (const cause of TERMINATION_CAUSES)
    for (const s of SEGMENTS)
      f.define(
        `terminations.${cause}.${s}`,
        `Terminations for ${cause === 'NONPAYMENT' ? 'nonpayment' : 'reasons other than nonpayment'} (${SEGMENT_LABEL[s]})`,
        paCite(cause === 'NONPAYMENT' ? 15 : 16),
        { segment: s, cause },
        'actions',
      );
  const zip3s = [
    ...new Set(actions.filter((a) => a.kind === 'DISCONNECT').map((a) => a.zip.slice(0, 3))),
  ].sort();
  for (const zip3 of zip3s)
    for (const cause of TERMINATION_CAUSES)
      f.define(
        `terminationsByZip3.${zip3}.${cause}`,
        `Terminations for ${cause === 'NONPAYMENT' ? 'nonpayment' : 'other reasons'}, ZIP ${zip3}xx`,
        paCite(17),
        { zip3, cause },
        'actions',
      );
  for (const cause of RECONNECT_CAUSES)
    for (const s of SEGMENTS)
      f.define(
        `reconnections.${cause}.${s}`,
        `Reconnections, cause ${cause.toLowerCase()} (${SEGMENT_LABEL[s]})`,
        RECONNECT_CITE[cause] ?? `${PA_CITE}(a)`,
        { segment: s, cause },
        'actions',
      );

  // Month-end positions of residential accounts.
  const accounts = await loadAccounts(db, p.to, { residentialOnly: true, profile: params.profile });
  const pastDue = await pastDueOn(
    db,
    accounts.map((a) => a.id),
    p.to,
  );
  const onAgreement = new Set((await arrangementsInForce(db, p.end, p.to)).map((a) => a.accountId));
  for (const a of accounts) {
    const s = segmentOf(a.heating);
    const active = inServiceOn(a, p.to);
    if (active) f.account(`customers.${s}`, a.id);
    const cents = pastDue.get(a.id) ?? 0n;
    if (cents <= 0n) continue;
    const category = !active ? 'inactive' : onAgreement.has(a.id) ? 'onAgreement' : 'offAgreement';
    f.account(`arrears.${category}.${s}`, a.id, cents);
  }

  for (const a of actions) {
    const s = segmentOf(a.heating);
    switch (a.kind) {
      case 'DISCONNECT_NOTICE':
        if (isCustomerNotice(a)) f.action(`notices10Day.${s}`, a);
        else if (dataOf(a).recipientRole === 'OCCUPANT') f.action(`occupantNoticeDwellings.${s}`, a);
        break;
      case 'CONTACT_ATTEMPT': {
        // A call to a critical-care household's emergency contact is not the customer's contact.
        if (!isCustomerNotice(a)) break;
        const m = CONTACT_METHODS.includes(a.method as never) ? a.method! : 'OTHER';
        f.action(`contacts3Day.${m}.${s}`, a);
        if (dataOf(a).outcome === 'REACHED') f.action(`contacts3DayCompleted.${m}.${s}`, a);
        break;
      }
      case 'POSTED_NOTICE':
        f.action(`notices48Hour.${s}`, a);
        break;
      case 'DISCONNECT':
        f.action(`terminations.${terminationCause(a)}.${s}`, a);
        f.action(`terminationsByZip3.${a.zip.slice(0, 3)}.${terminationCause(a)}`, a);
        break;
      case 'RECONNECT': {
        const cause = RECONNECT_CAUSES.includes(a.cause as never) ? a.cause! : 'OTHER';
        f.action(`reconnections.${cause}.${s}`, a);
        break;
      }
    }
  }
  return {
    report: {
      report: 'pa-56-231',
      title: 'Monthly collections report (residential)',
      citation: `${PA_CITE} (reporting requirements); 66 Pa.C.S. Chapter 14`,
      period: { label: p.label, from: p.from, to: p.to },
      timeZone: p.timeZone,
      profile: params.profile ?? null,
      generatedAt: new Date().toISOString(),
      definitions: PA_DEFINITIONS,
    },
    accs: f.list,
  };
}

// ---- Illinois, 220 ILCS 5/8-201.10 ---------------------------------------------------------------

const IL_CITE = '220 ILCS 5/8-201.10';
/** Each measure is an item of §8-201.10(b): what it counts, and the item it answers. */
const IL_MEASURES = [
  ['customers', 'Customers', 'accounts', 1],
  ['disconnectionNotices', 'Customers receiving disconnection notices', 'accounts', 2],
  ['disconnections', 'Customers disconnected for nonpayment', 'accounts', 3],
  [
    'reconnections',
    'Customers reconnected because they paid in full or set up a payment arrangement',
    'accounts',
    4,
  ],
  ['arrangementsNew', 'New deferred payment arrangements', 'actions', 5],
  [
    'arrangementsAtMonthStart',
    'Customers taking service at the beginning of the month under existing deferred payment arrangements',
    'accounts',
    6,
  ],
  ['arrangementsCompleted', 'Customers completing deferred payment arrangements', 'accounts', 7],
] as const;
type IlMeasure = (typeof IL_MEASURES)[number][0];
const ilCite = (item: number) => `${IL_CITE}(b)(${item})`;
/** Reconnections item (4) asks about: on paying in full, or on a payment arrangement. */
const IL_RECONNECT_CAUSES = new Set(['PAID', 'ARRANGEMENT']);

/** The measure an action counts toward, if any. */
function ilMeasureOf(a: CollectionsAction): IlMeasure | null {
  switch (a.kind) {
    case 'DISCONNECT_NOTICE':
      return isCustomerNotice(a) ? 'disconnectionNotices' : null;
    case 'DISCONNECT':
      return a.cause === 'NONPAYMENT' ? 'disconnections' : null;
    case 'RECONNECT':
      return IL_RECONNECT_CAUSES.has(a.cause ?? '') ? 'reconnections' : null;
    case 'ARRANGEMENT_ACCEPTED':
      return 'arrangementsNew';
    case 'ARRANGEMENT_COMPLETED':
      return 'arrangementsCompleted';
    default:
      return null;
  }
}

const IL_DEFINITIONS = {
  groups:
    'Figures are by 5-digit ZIP, customer class (RES, COM) and service; only groups with something to count appear. Customer figures count accounts; each lists the actions or arrangements behind it.',
  customers:
    '(b)(1) Accounts in service at the end of the last day of the month (started on or before it, not PENDING, with an end date after it; a FINAL or CLOSED account without an end date is taken as ended), counted under each service the premise takes (an active service point), at the premise ZIP.',
  disconnectionNotices:
    '(b)(2) Accounts sent a disconnection notice in the month (DISCONNECT_NOTICE actions, the customer’s copy only; a notice by email and by mail, or several notices, count the customer once), by the ZIP, class and service recorded on the action.',
  disconnections:
    '(b)(3) Accounts disconnected for nonpayment in the month (DISCONNECT actions with cause NONPAYMENT).',
  reconnections:
    '(b)(4) Accounts reconnected in the month because they paid in full or set up a payment arrangement (RECONNECT actions with cause PAID or ARRANGEMENT; reconnections on a medical certificate, in error or by order are not counted).',
  arrangementsNew: '(b)(5) Deferred payment arrangements made in the month (ARRANGEMENT_ACCEPTED actions).',
  arrangementsAtMonthStart:
    '(b)(6) Accounts in service at the beginning of the month (at the end of the day before its first day) under a payment arrangement in force then: made before the month began and neither defaulted nor completed before its first day. Counted where the arrangement’s acceptance was recorded (the ZIP, class and service of the episode’s ARRANGEMENT_ACCEPTED actions before the month) or, without such an action, at the account’s premise ZIP, class and services.',
  arrangementsCompleted:
    '(b)(7) Accounts that completed a deferred payment arrangement in the month (ARRANGEMENT_COMPLETED actions).',
};

async function buildIl(
  db: Db,
  params: ReportParams,
): Promise<{ report: Omit<Report, 'figures'>; accs: Acc[] }> {
  const p = monthPeriod(params);
  const f = new Figures();
  const group = (zip: string, customerClass: string, service: string) => {
    const zip5 = zip.slice(0, 5);
    const prefix = `${zip5}.${customerClass}.${service}`;
    for (const [measure, label, basis, item] of IL_MEASURES)
      f.define(
        `${prefix}.${measure}`,
        `${label}: ZIP ${zip5}, ${customerClass}, ${service}`,
        ilCite(item),
        { zip: zip5, customerClass, service, measure },
        basis,
      );
    return prefix;
  };

  const accounts = await loadAccounts(db, p.to, { profile: params.profile });
  for (const a of accounts)
    if (inServiceOn(a, p.to))
      for (const service of a.services)
        f.account(`${group(a.zip, a.customerClass, service)}.customers`, a.id);

  const profileWhere = params.profile ? { profile: params.profile } : {};
  const actions = await loadActions(db, p, {
    kind: {
      in: ['DISCONNECT_NOTICE', 'DISCONNECT', 'RECONNECT', 'ARRANGEMENT_ACCEPTED', 'ARRANGEMENT_COMPLETED'],
    },
    ...profileWhere,
  });
  for (const a of actions) {
    const measure = ilMeasureOf(a);
    if (measure) f.action(`${group(a.zip, a.customerClass, a.service)}.${measure}`, a);
  }

  // (6): in force at the beginning of the month, for customers taking service then.
  const dayBefore = addDays(p.from, -1);
  const byId = new Map(accounts.map((a) => [a.id, a]));
  const inForce = (await arrangementsInForce(db, p.start, dayBefore)).filter((a) => {
    const account = byId.get(a.accountId);
    return account !== undefined && inServiceOn(account, dayBefore);
  });
  const accepted = inForce.length
    ? await db.collectionsAction.findMany({
        where: {
          kind: 'ARRANGEMENT_ACCEPTED',
          occurredAt: { lt: p.start },
          accountId: { in: [...new Set(inForce.map((a) => a.accountId))] },
          ...profileWhere,
        },
        orderBy: { id: 'asc' },
      })
    : [];
  for (const arr of inForce) {
    const own = accepted.filter((a) => a.accountId === arr.accountId && a.episode === arr.episode);
    const account = byId.get(arr.accountId)!;
    const places = own.length
      ? own.map((a) => ({ zip: a.zip, customerClass: a.customerClass, service: a.service, actions: [a] }))
      : account.services.map((service) => ({
          zip: account.zip,
          customerClass: account.customerClass as string,
          service,
          actions: [] as CollectionsAction[],
        }));
    for (const place of places) {
      const acc = f.get(`${group(place.zip, place.customerClass, place.service)}.arrangementsAtMonthStart`);
      const entry = acc.arrangements.get(arr.id) ?? { arrangement: arr, actions: [] };
      entry.actions.push(...place.actions);
      acc.arrangements.set(arr.id, entry);
      acc.accounts.set(arr.accountId, null);
    }
  }

  const measureIndex = new Map(IL_MEASURES.map(([m], i) => [m as string, i]));
  const accs = f.list
    .filter((acc) => {
      // A group appears when any of its measures counts something.
      const prefix = acc.key.slice(0, acc.key.lastIndexOf('.'));
      return IL_MEASURES.some(([m]) => {
        const other = f.get(`${prefix}.${m}`);
        return other.actions.length || other.accounts.size || other.arrangements.size;
      });
    })
    .sort(
      (a, b) =>
        a.dims.zip!.localeCompare(b.dims.zip!) ||
        a.dims.customerClass!.localeCompare(b.dims.customerClass!) ||
        a.dims.service!.localeCompare(b.dims.service!) ||
        measureIndex.get(a.dims.measure!)! - measureIndex.get(b.dims.measure!)!,
    );
  return {
    report: {
      report: 'il-monthly',
      title: 'Monthly disconnection, reconnection and deferred payment arrangement report',
      citation: IL_CITE,
      period: { label: p.label, from: p.from, to: p.to },
      timeZone: p.timeZone,
      profile: params.profile ?? null,
      generatedAt: new Date().toISOString(),
      definitions: IL_DEFINITIONS,
    },
    accs,
  };
}

// ---- California water, Health & Safety Code §116918 ----------------------------------------------

const CA_CITE = 'Cal. Health & Safety Code §116918 (SB 998, Water Shutoff Protection Act)';

async function buildCaWater(
  db: Db,
  params: ReportParams,
): Promise<{ report: Omit<Report, 'figures'>; accs: Acc[] }> {
  const p = yearPeriod(params);
  const f = new Figures();
  f.define(
    'discontinuations',
    'Discontinuations of residential water service for nonpayment',
    CA_CITE,
    {},
    'actions',
  );
  for (let m = 1; m <= 12; m++) {
    const month = `${p.label}-${String(m).padStart(2, '0')}`;
    f.define(`discontinuations.${month}`, `… of which in ${month}`, CA_CITE, { month }, 'actions');
  }
  const actions = await loadActions(db, p, {
    kind: 'DISCONNECT',
    cause: 'NONPAYMENT',
    service: 'WATER',
    customerClass: 'RES',
    ...(params.profile ? { profile: params.profile } : {}),
  });
  for (const a of actions) {
    f.action('discontinuations', a);
    f.action(`discontinuations.${isoDateIn(a.occurredAt, p.timeZone).slice(0, 7)}`, a);
  }
  return {
    report: {
      report: 'ca-water-annual',
      title: 'Annual count of residential water discontinuations for nonpayment',
      citation: CA_CITE,
      period: { label: p.label, from: p.from, to: p.to },
      timeZone: p.timeZone,
      profile: params.profile ?? null,
      generatedAt: new Date().toISOString(),
      definitions: {
        discontinuations:
          'DISCONNECT actions in the calendar year with cause NONPAYMENT, service WATER and customer class RES; by month of the local day.',
      },
    },
    accs: f.list,
  };
}

const BUILDERS: Record<
  ReportKind,
  (db: Db, params: ReportParams) => Promise<{ report: Omit<Report, 'figures'>; accs: Acc[] }>
> = {
  'pa-56-231': buildPa,
  'il-monthly': buildIl,
  'ca-water-annual': buildCaWater,
};

// ---- the answers ---------------------------------------------------------------------------------

/** A report with every figure and the ids behind it. */
export async function collectionsReport(db: Db, kind: ReportKind, params: ReportParams): Promise<Report> {
  const { report, accs } = await BUILDERS[kind](db, params);
  return { ...report, figures: accs.map(toFigure) };
}

const actionItem = (a: CollectionsAction) => ({
  actionId: a.id.toString(),
  accountId: a.accountId,
  episode: a.episode,
  kind: a.kind,
  method: a.method,
  cause: a.cause,
  outcome: dataOf(a).outcome ?? null,
  recipientRole: dataOf(a).recipientRole ?? null,
  occurredAt: a.occurredAt.toISOString(),
  profile: a.profile,
  service: a.service,
  customerClass: a.customerClass,
  heating: a.heating,
  zip: a.zip,
  amountCents: a.amountCents === null ? null : jsonCents(a.amountCents),
});

export interface Trace {
  report: ReportKind;
  period: Report['period'];
  profile: string | null;
  figure: Figure;
  /** The rows behind the figure: actions, accounts (with the amount counted) or arrangements. */
  items: Record<string, unknown>[];
}

/** GET …?trace=<figure>: the figure and the rows behind it, in full. */
export async function traceFigure(
  db: Db,
  kind: ReportKind,
  params: ReportParams,
  key: string,
): Promise<Trace> {
  const { report, accs } = await BUILDERS[kind](db, params);
  const acc = accs.find((a) => a.key === key);
  if (!acc)
    throw invalid(
      'trace',
      `trace: the report has no figure '${key}'; the figures are listed in the report's JSON under figures[].key`,
    );
  let items: Record<string, unknown>[];
  if (acc.basis === 'actions') items = acc.actions.map(actionItem);
  // Each action, with the notice it gave (the email and the letter of one notice share it).
  else if (acc.basis === 'notices')
    items = acc.actions.map((a) => ({ ...actionItem(a), notice: noticeOf(a) }));
  else if (acc.basis === 'arrangements')
    items = [...acc.arrangements.values()].map(({ arrangement: r, actions }) => ({
      arrangementId: r.id,
      accountId: r.accountId,
      episode: r.episode,
      status: r.status,
      createdAt: r.createdAt.toISOString(),
      defaultedOn: r.defaultedOn ? isoDay(r.defaultedOn) : null,
      completedOn: r.completedOn ? isoDay(r.completedOn) : null,
      arrearsCents: jsonCents(r.arrearsCents),
      acceptedActionIds: actions.map((a) => a.id.toString()),
    }));
  else {
    const ids = [...acc.accounts.keys()];
    const rows = await db.account.findMany({
      where: { id: { in: ids } },
      select: {
        id: true,
        status: true,
        class: true,
        customer: { select: { name: true } },
        premise: { select: { id: true, zip: true, heating: true } },
      },
    });
    const byId = new Map(rows.map((r) => [r.id, r]));
    const viaActions = new Map<string, string[]>();
    for (const a of acc.actions)
      viaActions.set(a.accountId, [...(viaActions.get(a.accountId) ?? []), a.id.toString()]);
    const viaArrangements = new Map<string, string[]>();
    for (const { arrangement: r } of acc.arrangements.values())
      viaArrangements.set(r.accountId, [...(viaArrangements.get(r.accountId) ?? []), r.id]);
    items = ids.map((id) => {
      const r = byId.get(id);
      const cents = acc.accounts.get(id);
      return {
        accountId: id,
        customerName: r?.customer.name ?? null,
        status: r?.status ?? null,
        customerClass: r?.class ?? null,
        premiseId: r?.premise.id ?? null,
        zip: r?.premise.zip ?? null,
        heatingSource: r?.premise.heating ?? null,
        ...(acc.money ? { pastDueCents: jsonCents(cents ?? 0n) } : {}),
        ...(acc.actions.length ? { actionIds: viaActions.get(id) ?? [] } : {}),
        ...(acc.arrangements.size ? { arrangementIds: viaArrangements.get(id) ?? [] } : {}),
      };
    });
  }
  return { report: kind, period: report.period, profile: report.profile, figure: toFigure(acc), items };
}

// ---- CSV -----------------------------------------------------------------------------------------

const csvLine = (cells: unknown[]) => `${cells.map(csvCell).join(',')}\n`;

/** The report as CSV: one line per figure (the ids stay in the JSON and the trace). */
export function reportCsv(r: Report): string {
  const dims: string[] = [];
  for (const fig of r.figures) for (const d of Object.keys(fig.dims)) if (!dims.includes(d)) dims.push(d);
  let out = csvLine([
    'report',
    'period',
    'figure',
    'label',
    'cite',
    ...dims,
    'basis',
    'count',
    'amount_cents',
  ]);
  for (const fig of r.figures)
    out += csvLine([
      r.report,
      r.period.label,
      fig.key,
      fig.label,
      fig.cite,
      ...dims.map((d) => fig.dims[d] ?? ''),
      fig.basis,
      fig.count,
      fig.amountCents ?? '',
    ]);
  return out;
}

/** A figure's rows as CSV. */
export function traceCsv(t: Trace): string {
  const columns: string[] = [];
  for (const item of t.items) for (const c of Object.keys(item)) if (!columns.includes(c)) columns.push(c);
  if (!columns.length)
    columns.push(t.figure.basis === 'actions' || t.figure.basis === 'notices' ? 'actionId' : 'accountId');
  return [
    csvLine(['report', 'period', 'figure', ...columns]),
    ...t.items.map((item) =>
      csvLine([t.report, t.period.label, t.figure.key, ...columns.map((c) => item[c])]),
    ),
  ].join('');
}
