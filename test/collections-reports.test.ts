// The regulatory collections reports against a seeded world: residential and commercial accounts
// on premises in several ZIPs, heating and not, an inactive account, ledger entries, payment
// arrangements in every state, and collections actions across October, November and December
// 2026 (and other years for the annual count), including actions a minute either side of the
// month's edges in the utility's time zone. Every figure is checked against counts computed here
// with plain loops over the fixtures, including the ids it lists; then CSV, trace, filters,
// input errors and who may read them.
import { startTestApp, type TestApp } from './helpers/app';
import { expectError } from './helpers/api-checks';
import { assign, complete as completeOrder, eventually, openOrder } from './helpers/service-order-fixtures';

jest.setTimeout(180_000);

const TZ = 'America/New_York';
/** The utility's local day of an instant, by a different route than the service takes. */
const localDay = (iso: string, timeZone = TZ) => new Date(iso).toLocaleDateString('en-CA', { timeZone });
/** Illinois counts its own (Chicago) days when the report is for its profile. */
const ZONE: Record<string, string> = { IL: 'America/Chicago', PA: TZ };

// ---- the world -----------------------------------------------------------------------------------

type Service = 'WATER' | 'SEWER' | 'ELECTRIC' | 'GAS';
interface Acct {
  id: string;
  cls: 'RES' | 'COM';
  status: 'ACTIVE' | 'PENDING' | 'FINAL' | 'CLOSED';
  start: string;
  /** The last day of service, for an account that has ended. */
  end?: string;
  zip: string;
  heat: 'GAS' | 'ELECTRIC' | 'NONE' | null;
  services: Service[];
  profile: string;
  /** Charges [effective, due, cents] and payments [effective, cents]. */
  charges: [string, string, number][];
  payments: [string, number][];
}

const ACCOUNTS: Acct[] = [
  // prettier-ignore
  { id: 'R01', cls: 'RES', status: 'ACTIVE', start: '2020-01-01', zip: '16801', heat: 'ELECTRIC', services: ['ELECTRIC', 'WATER'], profile: 'PA',
    charges: [['2026-10-01', '2026-10-21', 10000], ['2026-11-01', '2026-11-21', 8000]], payments: [['2026-11-10', 5000]] },
  // prettier-ignore
  { id: 'R02', cls: 'RES', status: 'ACTIVE', start: '2020-01-01', zip: '16801', heat: 'GAS', services: ['WATER'], profile: 'PA',
    charges: [['2026-10-01', '2026-10-21', 5000]], payments: [['2026-11-05', 5000]] },
  // prettier-ignore
  { id: 'R03', cls: 'RES', status: 'ACTIVE', start: '2021-03-01', zip: '16802', heat: 'GAS', services: ['GAS', 'WATER'], profile: 'PA',
    charges: [['2026-11-05', '2026-11-25', 7000]], payments: [['2026-12-02', 7000]] },
  // prettier-ignore
  { id: 'R04', cls: 'RES', status: 'ACTIVE', start: '2022-05-01', zip: '17011', heat: 'ELECTRIC', services: ['WATER'], profile: 'PA',
    charges: [['2026-11-15', '2026-12-05', 6000]], payments: [] },
  // prettier-ignore
  { id: 'R05', cls: 'RES', status: 'FINAL', start: '2019-01-01', zip: '17011', heat: 'ELECTRIC', services: ['ELECTRIC'], profile: 'PA',
    charges: [['2026-09-01', '2026-09-21', 9000]], payments: [] },
  // prettier-ignore
  { id: 'R06', cls: 'RES', status: 'CLOSED', start: '2018-01-01', zip: '19103', heat: 'NONE', services: ['WATER'], profile: 'PA',
    charges: [['2026-08-01', '2026-08-21', 4000]], payments: [['2026-10-01', 1000]] },
  // Opened after November: in no November figure.
  // prettier-ignore
  { id: 'R07', cls: 'RES', status: 'ACTIVE', start: '2026-12-05', zip: '16801', heat: 'ELECTRIC', services: ['ELECTRIC'], profile: 'PA',
    charges: [['2026-12-06', '2026-12-26', 100000]], payments: [] },
  // prettier-ignore
  { id: 'C08', cls: 'COM', status: 'ACTIVE', start: '2015-01-01', zip: '16801', heat: 'ELECTRIC', services: ['ELECTRIC', 'WATER'], profile: 'PA',
    charges: [['2026-09-01', '2026-09-21', 50000]], payments: [] },
  // prettier-ignore
  { id: 'R09', cls: 'RES', status: 'ACTIVE', start: '2020-01-01', zip: '60601', heat: 'GAS', services: ['GAS'], profile: 'IL',
    charges: [['2026-10-01', '2026-10-21', 3000]], payments: [] },
  // Electric and gas, heated by gas: its case is about electric, and a heating customer (the
  // disconnect order is for the account, gas included).
  // prettier-ignore
  { id: 'R10', cls: 'RES', status: 'ACTIVE', start: '2020-01-01', zip: '16803', heat: 'GAS', services: ['ELECTRIC', 'GAS'], profile: 'PA',
    charges: [['2026-10-10', '2026-10-30', 2500], ['2026-11-10', '2026-11-30', 1000]], payments: [] },
  // prettier-ignore
  { id: 'R11', cls: 'RES', status: 'PENDING', start: '2026-10-01', zip: '16802', heat: 'GAS', services: ['WATER'], profile: 'PA',
    charges: [['2026-10-01', '2026-10-21', 1500]], payments: [] },
  // prettier-ignore
  { id: 'R12', cls: 'RES', status: 'ACTIVE', start: '2023-01-01', zip: '15213-1234', heat: 'ELECTRIC', services: ['ELECTRIC'], profile: 'PA',
    charges: [['2026-11-01', '2026-11-21', 4200]], payments: [] },
  // Closed in December: in service (and in arrears) at the end of November.
  // prettier-ignore
  { id: 'R13', cls: 'RES', status: 'CLOSED', start: '2021-06-01', end: '2026-12-10', zip: '19103', heat: 'NONE', services: ['WATER'], profile: 'PA',
    charges: [['2026-10-01', '2026-10-21', 2000]], payments: [] },
];

/** In service at the end of a day: started by then, not pending, not ended by then (no end date on a FINAL or CLOSED account: ended). */
function inService(a: Acct, day: string): boolean {
  if (a.status === 'PENDING' || a.start > day) return false;
  return a.end ? a.end > day : a.status === 'ACTIVE';
}

interface Arr {
  account: string;
  episode: number;
  status: 'CURRENT' | 'DEFAULTED' | 'COMPLETED';
  createdAt: string;
  defaultedOn?: string;
  completedOn?: string;
  id?: string;
}
const ARRANGEMENTS: Arr[] = [
  { account: 'R01', episode: 1, status: 'CURRENT', createdAt: '2026-11-12T15:00:00Z' },
  // Defaulted after November: still in force at the end of November.
  {
    account: 'R03',
    episode: 1,
    status: 'DEFAULTED',
    createdAt: '2026-10-20T15:00:00Z',
    defaultedOn: '2026-12-03',
  },
  {
    account: 'R10',
    episode: 1,
    status: 'DEFAULTED',
    createdAt: '2026-09-01T15:00:00Z',
    defaultedOn: '2026-11-15',
  },
  // Made after November.
  { account: 'R12', episode: 1, status: 'CURRENT', createdAt: '2026-12-02T15:00:00Z' },
  {
    account: 'R06',
    episode: 1,
    status: 'COMPLETED',
    createdAt: '2026-06-01T15:00:00Z',
    completedOn: '2026-10-01',
  },
  { account: 'R09', episode: 1, status: 'CURRENT', createdAt: '2026-10-05T15:00:00Z' },
  { account: 'R05', episode: 1, status: 'CURRENT', createdAt: '2026-10-01T15:00:00Z' },
  // No ARRANGEMENT_ACCEPTED action recorded for this one.
  { account: 'R04', episode: 2, status: 'CURRENT', createdAt: '2026-11-20T15:00:00Z' },
];

interface Act {
  account: string;
  episode?: number;
  kind: string;
  at: string;
  method?: string;
  cause?: string | null;
  service?: Service;
  cls?: 'RES' | 'COM';
  heating?: boolean;
  zip?: string;
  profile?: string;
  data?: Record<string, string>;
  /** The idempotency key as the case writes it, where the test needs one (a notice's channels). */
  key?: string;
  id?: string;
}
const acct = (id: string) => ACCOUNTS.find((a) => a.id === id)!;
const ACTIONS: Act[] = [
  // November (local), with the edges: 04:30Z on Nov 1 is 00:30 EDT (in); 03:30Z is Oct 31 (out);
  // 04:30Z on Dec 1 is Nov 30 23:30 EST (in); 05:30Z on Dec 1 is Dec 1 (out).
  { account: 'R01', kind: 'HANDOFF', at: '2026-11-02T14:00:00Z' },
  { account: 'R02', kind: 'REMINDER', at: '2026-11-02T14:00:00Z', method: 'MAIL' },
  // One notice, emailed and mailed: two actions, one notice.
  {
    account: 'R01',
    kind: 'DISCONNECT_NOTICE',
    at: '2026-11-03T14:00:00Z',
    method: 'MAIL',
    data: { recipientRole: 'CUSTOMER' },
    key: 'collections:R01:1:DISCONNECT_NOTICE:1:CUSTOMER:PRINT',
  },
  {
    account: 'R01',
    kind: 'DISCONNECT_NOTICE',
    at: '2026-11-03T14:00:00Z',
    method: 'EMAIL',
    data: { recipientRole: 'CUSTOMER' },
    key: 'collections:R01:1:DISCONNECT_NOTICE:1:CUSTOMER:EMAIL',
  },
  {
    account: 'R01',
    kind: 'DISCONNECT_NOTICE',
    at: '2026-11-03T14:00:00Z',
    method: 'MAIL',
    data: { recipientRole: 'THIRD_PARTY' },
    key: 'collections:R01:1:DISCONNECT_NOTICE:1:THIRD_PARTY:PRINT',
  },
  { account: 'R02', kind: 'DISCONNECT_NOTICE', at: '2026-11-01T04:30:00Z', method: 'MAIL' },
  { account: 'R02', kind: 'DISCONNECT_NOTICE', at: '2026-11-01T03:30:00Z', method: 'MAIL' },
  {
    account: 'R04',
    kind: 'DISCONNECT_NOTICE',
    at: '2026-11-04T14:00:00Z',
    method: 'MAIL',
    data: { recipientRole: 'OCCUPANT' },
  },
  {
    account: 'R04',
    kind: 'DISCONNECT_NOTICE',
    at: '2026-11-04T14:00:00Z',
    method: 'MAIL',
    data: { recipientRole: 'CUSTOMER' },
  },
  {
    account: 'R01',
    kind: 'CONTACT_ATTEMPT',
    at: '2026-11-10T15:00:00Z',
    method: 'PHONE',
    data: { outcome: 'NOT_REACHED' },
  },
  {
    account: 'R01',
    kind: 'CONTACT_ATTEMPT',
    at: '2026-11-11T15:00:00Z',
    method: 'PHONE',
    data: { outcome: 'REACHED' },
  },
  {
    account: 'R02',
    kind: 'CONTACT_ATTEMPT',
    at: '2026-11-11T15:00:00Z',
    method: 'IN_PERSON',
    data: { outcome: 'REACHED' },
  },
  // A call to an emergency contact: not the customer's 3-day contact.
  {
    account: 'R01',
    kind: 'CONTACT_ATTEMPT',
    at: '2026-11-11T15:05:00Z',
    method: 'PHONE',
    data: { outcome: 'REACHED', recipientRole: 'EMERGENCY_CONTACT' },
  },
  {
    account: 'R03',
    kind: 'CONTACT_ATTEMPT',
    at: '2026-11-12T15:00:00Z',
    method: 'EMAIL',
    data: { outcome: 'REACHED' },
  },
  {
    account: 'R04',
    kind: 'CONTACT_ATTEMPT',
    at: '2026-11-12T15:00:00Z',
    method: 'MAIL',
    data: { outcome: 'NOT_REACHED' },
  },
  { account: 'R01', kind: 'POSTED_NOTICE', at: '2026-11-14T15:00:00Z', method: 'POSTED' },
  { account: 'R02', kind: 'POSTED_NOTICE', at: '2026-12-01T04:30:00Z', method: 'POSTED' },
  {
    account: 'R01',
    kind: 'DISCONNECT',
    at: '2026-11-17T15:00:00Z',
    cause: 'NONPAYMENT',
    service: 'ELECTRIC',
  },
  { account: 'R04', kind: 'DISCONNECT', at: '2026-11-18T15:00:00Z', cause: 'NONPAYMENT', service: 'WATER' },
  { account: 'R05', kind: 'DISCONNECT', at: '2026-11-19T15:00:00Z', cause: 'OTHER', service: 'ELECTRIC' },
  {
    account: 'R12',
    kind: 'DISCONNECT',
    at: '2026-11-19T16:00:00Z',
    cause: 'NONPAYMENT',
    service: 'ELECTRIC',
    zip: '15213',
  },
  {
    account: 'C08',
    kind: 'DISCONNECT',
    at: '2026-11-20T15:00:00Z',
    cause: 'NONPAYMENT',
    service: 'ELECTRIC',
  },
  { account: 'R09', kind: 'DISCONNECT', at: '2026-11-20T16:00:00Z', cause: 'NONPAYMENT', service: 'GAS' },
  { account: 'R01', kind: 'RECONNECT', at: '2026-11-18T15:00:00Z', cause: 'PAID', service: 'ELECTRIC' },
  { account: 'R04', kind: 'RECONNECT', at: '2026-11-20T15:00:00Z', cause: 'ARRANGEMENT', service: 'WATER' },
  { account: 'R05', kind: 'RECONNECT', at: '2026-11-21T15:00:00Z', cause: 'MEDICAL', service: 'ELECTRIC' },
  {
    account: 'R12',
    kind: 'RECONNECT',
    at: '2026-11-22T15:00:00Z',
    cause: 'ORDER',
    service: 'ELECTRIC',
    zip: '15213',
  },
  {
    account: 'R12',
    kind: 'RECONNECT',
    at: '2026-11-23T15:00:00Z',
    cause: null,
    service: 'ELECTRIC',
    zip: '15213',
  },
  { account: 'R01', kind: 'ARRANGEMENT_ACCEPTED', at: '2026-11-12T15:00:00Z', service: 'ELECTRIC' },
  { account: 'R10', kind: 'ARRANGEMENT_DEFAULTED', at: '2026-11-15T15:00:00Z', service: 'ELECTRIC' },
  { account: 'R02', kind: 'ARRANGEMENT_COMPLETED', at: '2026-11-25T15:00:00Z', service: 'WATER' },
  // 23:30 on November 30 in Chicago, 00:30 on December 1 in Millbrook: November for Illinois' own
  // report, December for the utility's.
  { account: 'R09', kind: 'DISCONNECT_NOTICE', at: '2026-12-01T05:30:00Z', method: 'MAIL', service: 'GAS' },
  // October.
  { account: 'R03', kind: 'DISCONNECT_NOTICE', at: '2026-10-05T15:00:00Z', method: 'MAIL', service: 'GAS' },
  {
    account: 'R03',
    kind: 'CONTACT_ATTEMPT',
    at: '2026-10-10T15:00:00Z',
    method: 'PHONE',
    service: 'GAS',
    data: { outcome: 'REACHED' },
  },
  { account: 'R03', kind: 'DISCONNECT', at: '2026-10-20T15:00:00Z', cause: 'NONPAYMENT', service: 'GAS' },
  { account: 'R03', kind: 'RECONNECT', at: '2026-10-22T15:00:00Z', cause: 'PAID', service: 'GAS' },
  { account: 'R03', kind: 'ARRANGEMENT_ACCEPTED', at: '2026-10-20T15:00:00Z', service: 'GAS' },
  { account: 'R09', kind: 'ARRANGEMENT_ACCEPTED', at: '2026-10-05T15:00:00Z', service: 'GAS' },
  { account: 'R05', kind: 'ARRANGEMENT_ACCEPTED', at: '2026-10-01T15:00:00Z', service: 'ELECTRIC' },
  { account: 'R06', kind: 'ARRANGEMENT_COMPLETED', at: '2026-10-01T15:00:00Z', service: 'WATER' },
  // December and other years (the annual water count).
  { account: 'R02', kind: 'DISCONNECT', at: '2026-12-01T05:30:00Z', cause: 'NONPAYMENT', service: 'WATER' },
  { account: 'R02', kind: 'DISCONNECT', at: '2026-03-10T15:00:00Z', cause: 'NONPAYMENT', service: 'WATER' },
  { account: 'R02', kind: 'DISCONNECT', at: '2026-01-01T04:30:00Z', cause: 'NONPAYMENT', service: 'WATER' },
  { account: 'R02', kind: 'DISCONNECT', at: '2026-01-01T05:30:00Z', cause: 'NONPAYMENT', service: 'WATER' },
  { account: 'C08', kind: 'DISCONNECT', at: '2026-05-01T15:00:00Z', cause: 'NONPAYMENT', service: 'WATER' },
  { account: 'R02', kind: 'DISCONNECT', at: '2026-06-01T15:00:00Z', cause: 'OTHER', service: 'WATER' },
  { account: 'R02', kind: 'DISCONNECT', at: '2027-01-01T05:30:00Z', cause: 'NONPAYMENT', service: 'WATER' },
  {
    account: 'R01',
    kind: 'DISCONNECT',
    at: '2026-07-01T15:00:00Z',
    cause: 'NONPAYMENT',
    service: 'ELECTRIC',
  },
  { account: 'R06', kind: 'DISCONNECT', at: '2026-08-01T15:00:00Z', cause: 'NONPAYMENT', service: 'WATER' },
];

/** The fixture rule for heating: the premise heats with electric or gas, and the account has it. */
function heatingOf(a: Acct): boolean {
  return (a.heat === 'ELECTRIC' || a.heat === 'GAS') && a.services.includes(a.heat);
}

/** Each action's recorded facts, filled from its account where the fixture leaves them out. */
function complete(x: Act): Required<Omit<Act, 'id' | 'data' | 'method' | 'cause' | 'key'>> & Act {
  const a = acct(x.account);
  const service = x.service ?? (a.services.includes('ELECTRIC') ? 'ELECTRIC' : (a.services[0] ?? 'WATER'));
  return {
    ...x,
    episode: x.episode ?? ARRANGEMENTS.find((r) => r.account === x.account)?.episode ?? 1,
    service,
    cls: x.cls ?? a.cls,
    heating: x.heating ?? heatingOf(a),
    zip: x.zip ?? a.zip.slice(0, 5),
    profile: x.profile ?? a.profile,
  };
}

let app: TestApp;

async function seed() {
  const db = app.t.db;
  for (const a of ACCOUNTS) {
    await db.customer.create({
      data: { id: `CU-${a.id}`, name: `Customer ${a.id}`, mailingAddress: `${a.id} Report Rd, Millbrook` },
    });
    await db.premise.create({
      data: {
        id: `PR-${a.id}`,
        serviceAddress: `${a.id} Report Rd, Millbrook`,
        zip: a.zip,
        serviceArea: 'North',
        state: a.profile === 'IL' ? 'IL' : 'PA',
        jurisdictionProfile: a.profile,
        premiseType: a.cls === 'RES' ? 'RESIDENTIAL' : 'COMMERCIAL',
        heating: a.heat,
      },
    });
    for (const service of a.services)
      await db.servicePoint.create({
        data: { id: `SP-${a.id}-${service}`, premiseId: `PR-${a.id}`, service },
      });
    await db.account.create({
      data: {
        id: a.id,
        customerId: `CU-${a.id}`,
        premiseId: `PR-${a.id}`,
        class: a.cls,
        billCycle: 1,
        status: a.status,
        startDate: new Date(`${a.start}T00:00:00Z`),
        endDate: a.end ? new Date(`${a.end}T00:00:00Z`) : null,
      },
    });
    let n = 0;
    for (const [eff, due, cents] of a.charges)
      await db.ledgerEntry.create({
        data: {
          accountId: a.id,
          kind: 'CHARGE',
          amountCents: BigInt(cents),
          effectiveDate: new Date(`${eff}T00:00:00Z`),
          dueDate: new Date(`${due}T00:00:00Z`),
          idempotencyKey: `report-test:${a.id}:${++n}`,
          memo: 'Test bill',
        },
      });
    for (const [eff, cents] of a.payments)
      await db.ledgerEntry.create({
        data: {
          accountId: a.id,
          kind: 'PAYMENT',
          amountCents: BigInt(-cents),
          effectiveDate: new Date(`${eff}T00:00:00Z`),
          idempotencyKey: `report-test:${a.id}:${++n}`,
          memo: 'Test payment',
        },
      });
  }
  for (const r of ARRANGEMENTS) {
    const row = await db.paymentArrangement.create({
      data: {
        accountId: r.account,
        episode: r.episode,
        status: r.status,
        arrearsCents: 10000n,
        downPaymentCents: 1000n,
        terms: { installments: 6 },
        reasons: [],
        createdBy: 'test',
        createdAt: new Date(r.createdAt),
        defaultedOn: r.defaultedOn ? new Date(`${r.defaultedOn}T00:00:00Z`) : null,
        completedOn: r.completedOn ? new Date(`${r.completedOn}T00:00:00Z`) : null,
      },
    });
    r.id = row.id;
  }
  let k = 0;
  for (const x of ACTIONS) {
    const c = complete(x);
    const row = await db.collectionsAction.create({
      data: {
        accountId: c.account,
        episode: c.episode,
        kind: c.kind,
        method: c.method ?? null,
        cause: c.cause ?? null,
        occurredAt: new Date(c.at),
        profile: c.profile,
        service: c.service,
        customerClass: c.cls,
        heating: c.heating,
        zip: c.zip,
        idempotencyKey: x.key ?? `report-test-action:${++k}`,
        ...(c.data ? { data: c.data } : {}),
      },
    });
    x.id = row.id.toString();
  }
}

beforeAll(async () => {
  app = await startTestApp();
  await seed();
});
afterAll(() => app?.close());

// ---- expectations, by plain loops over the fixtures -----------------------------------------------

interface Want {
  actions: Set<string>;
  notices: Set<string>;
  accounts: Set<string>;
  arrangements: Set<string>;
  cents: number;
}
const noWant = (): Want => ({
  actions: new Set(),
  notices: new Set(),
  accounts: new Set(),
  arrangements: new Set(),
  cents: 0,
});
class Expected {
  readonly m = new Map<string, Want>();
  add(
    key: string,
    x: { action?: string; notice?: string; account?: string; cents?: number; arrangement?: string },
  ) {
    const w = this.m.get(key) ?? noWant();
    if (x.action) w.actions.add(x.action);
    if (x.notice) w.notices.add(x.notice);
    if (x.account) w.accounts.add(x.account);
    if (x.arrangement) w.arrangements.add(x.arrangement);
    w.cents += x.cents ?? 0;
    this.m.set(key, w);
  }
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

/** Every figure of the report equals the expectation (zero where nothing is expected), and back. */
function expectFigures(report: any, want: Expected) {
  const got = new Map<string, any>(report.figures.map((f: any) => [f.key, f]));
  const problems: string[] = [];
  for (const [key, w] of want.m)
    if (!got.has(key)) problems.push(`${key}: missing (expected ${JSON.stringify(sorted(w.actions))})`);
  for (const f of report.figures) {
    const w = want.m.get(f.key) ?? noWant();
    const count =
      f.basis === 'actions'
        ? w.actions.size
        : f.basis === 'notices'
          ? w.notices.size
          : f.basis === 'accounts'
            ? w.accounts.size
            : w.arrangements.size;
    const line = (what: string, g: unknown, e: unknown) =>
      JSON.stringify(g) !== JSON.stringify(e) &&
      problems.push(`${f.key} ${what}: got ${JSON.stringify(g)}, expected ${JSON.stringify(e)}`);
    line('count', f.count, count);
    if (f.basis === 'actions' || f.basis === 'notices')
      line('actionIds', sorted(f.actionIds), sorted(w.actions));
    if (f.basis === 'arrangements' || w.arrangements.size || f.arrangementIds)
      line('arrangementIds', sorted(f.arrangementIds ?? []), sorted(w.arrangements));
    line('accountIds', sorted(f.accountIds), sorted(w.accounts));
    if ('amountCents' in f) line('amountCents', f.amountCents, w.cents);
  }
  expect(problems).toEqual([]);
}

const MONTH_END = '2026-11-30';
/** The instant November ends in the utility's time zone (midnight EST, December 1). */
const MONTH_END_INSTANT = Date.parse('2026-12-01T05:00:00Z');
const inNovember = (x: Act, timeZone = TZ) => localDay(x.at, timeZone).startsWith('2026-11');
/** The day before November and the instant November begins (midnight EDT, November 1). */
const MONTH_START_EVE = '2026-10-31';
const MONTH_START_INSTANT = Date.parse('2026-11-01T04:00:00Z');
/** The notice an action gave: its key without the channel (a different route than the service's). */
const noticeKey = (x: Act) => {
  const parts = (x.key ?? `action:${x.id}`).split(':');
  return ['EMAIL', 'PRINT'].includes(parts[parts.length - 1]!)
    ? parts.slice(0, -1).join(':')
    : parts.join(':');
};

/** Past due at the end of a day: charges due before it, less every credit by then (oldest first). */
function pastDue(a: Acct, day: string): number {
  let overdue = 0;
  let credits = 0;
  for (const [eff, due, cents] of a.charges) if (eff <= day && due < day) overdue += cents;
  for (const [eff, cents] of a.payments) if (eff <= day) credits += cents;
  return Math.max(0, overdue - credits);
}

function inForce(r: Arr, endInstant = MONTH_END_INSTANT, through = MONTH_END): boolean {
  return (
    Date.parse(r.createdAt) < endInstant &&
    !(r.defaultedOn && r.defaultedOn <= through) &&
    !(r.completedOn && r.completedOn <= through)
  );
}

function expectedPa(profile?: string): Expected {
  const want = new Expected();
  const seg = (h: boolean) => (h ? 'heating' : 'nonHeating');
  for (const a of ACCOUNTS) {
    if (a.cls !== 'RES' || a.start > MONTH_END || (profile && a.profile !== profile)) continue;
    const s = seg(heatingOf(a));
    const active = inService(a, MONTH_END);
    if (active) want.add(`customers.${s}`, { account: a.id });
    const cents = pastDue(a, MONTH_END);
    if (cents === 0) continue;
    const onAgreement = ARRANGEMENTS.some((r) => r.account === a.id && inForce(r));
    const category = !active ? 'inactive' : onAgreement ? 'onAgreement' : 'offAgreement';
    want.add(`arrears.${category}.${s}`, { account: a.id, cents });
  }
  for (const x of ACTIONS) {
    const c = complete(x);
    if (!inNovember(x) || c.cls !== 'RES' || (profile && c.profile !== profile)) continue;
    const s = seg(c.heating);
    const role = x.data?.recipientRole;
    const ref = { action: x.id!, account: x.account };
    if (x.kind === 'DISCONNECT_NOTICE' && (!role || role === 'CUSTOMER'))
      want.add(`notices10Day.${s}`, { ...ref, notice: noticeKey(x) });
    if (x.kind === 'DISCONNECT_NOTICE' && role === 'OCCUPANT') want.add(`occupantNoticeDwellings.${s}`, ref);
    if (x.kind === 'CONTACT_ATTEMPT' && role !== 'EMERGENCY_CONTACT') {
      want.add(`contacts3Day.${x.method}.${s}`, ref);
      if (x.data?.outcome === 'REACHED') want.add(`contacts3DayCompleted.${x.method}.${s}`, ref);
    }
    if (x.kind === 'POSTED_NOTICE') want.add(`notices48Hour.${s}`, ref);
    if (x.kind === 'DISCONNECT') {
      const cause = x.cause === 'NONPAYMENT' ? 'NONPAYMENT' : 'OTHER';
      want.add(`terminations.${cause}.${s}`, ref);
      want.add(`terminationsByZip3.${c.zip.slice(0, 3)}.${cause}`, ref);
    }
    if (x.kind === 'RECONNECT') want.add(`reconnections.${x.cause ?? 'OTHER'}.${s}`, ref);
  }
  return want;
}

function expectedIl(profile?: string): Expected {
  const want = new Expected();
  const zone = profile ? ZONE[profile]! : TZ;
  const g = (zip: string, cls: string, service: string) => `${zip.slice(0, 5)}.${cls}.${service}`;
  for (const a of ACCOUNTS) {
    if (!inService(a, MONTH_END) || (profile && a.profile !== profile)) continue;
    for (const s of a.services) want.add(`${g(a.zip, a.cls, s)}.customers`, { account: a.id });
  }
  // 220 ILCS 5/8-201.10(b): customers sent notices (2), disconnected for nonpayment (3), reconnected
  // having paid or made an arrangement (4); arrangements made (5); customers completing one (7).
  const measure = (x: Act): string | null => {
    const role = x.data?.recipientRole;
    if (x.kind === 'DISCONNECT_NOTICE') return !role || role === 'CUSTOMER' ? 'disconnectionNotices' : null;
    if (x.kind === 'DISCONNECT') return x.cause === 'NONPAYMENT' ? 'disconnections' : null;
    if (x.kind === 'RECONNECT')
      return x.cause === 'PAID' || x.cause === 'ARRANGEMENT' ? 'reconnections' : null;
    if (x.kind === 'ARRANGEMENT_ACCEPTED') return 'arrangementsNew';
    if (x.kind === 'ARRANGEMENT_COMPLETED') return 'arrangementsCompleted';
    return null;
  };
  for (const x of ACTIONS) {
    const c = complete(x);
    if (!inNovember(x, zone) || (profile && c.profile !== profile)) continue;
    const m = measure(x);
    if (m) want.add(`${g(c.zip, c.cls, c.service)}.${m}`, { action: x.id!, account: x.account });
  }
  // (6): customers in service when November began under an arrangement in force then.
  const startInstant = profile === 'IL' ? Date.parse('2026-11-01T05:00:00Z') : MONTH_START_INSTANT;
  for (const r of ARRANGEMENTS) {
    const a = acct(r.account);
    if (!inForce(r, startInstant, MONTH_START_EVE) || !inService(a, MONTH_START_EVE)) continue;
    if (profile && a.profile !== profile) continue;
    const accepted = ACTIONS.filter(
      (x) =>
        x.kind === 'ARRANGEMENT_ACCEPTED' &&
        x.account === r.account &&
        complete(x).episode === r.episode &&
        Date.parse(x.at) < startInstant,
    );
    if (accepted.length)
      for (const x of accepted) {
        const c = complete(x);
        want.add(`${g(c.zip, c.cls, c.service)}.arrangementsAtMonthStart`, {
          arrangement: r.id!,
          account: r.account,
          action: x.id!,
        });
      }
    else
      for (const s of a.services)
        want.add(`${g(a.zip, a.cls, s)}.arrangementsAtMonthStart`, {
          arrangement: r.id!,
          account: r.account,
        });
  }
  return want;
}

// ---- Pennsylvania --------------------------------------------------------------------------------

describe('GET /reports/collections/pa-56-231', () => {
  test('every figure equals the count made from the fixtures, with the ids behind it', async () => {
    const res = await app.call('supervisor', 'GET', '/reports/collections/pa-56-231?month=2026-11');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      report: 'pa-56-231',
      period: { label: '2026-11', from: '2026-11-01', to: '2026-11-30' },
      timeZone: TZ,
      profile: null,
    });
    expect(res.body.citation).toContain('52 Pa. Code §56.231');
    for (const f of res.body.figures) expect(f.cite).toMatch(/^52 Pa\. Code §56\.231/);
    expectFigures(res.body, expectedPa());

    // Hand-checked anchors, so the loops above cannot agree with the service by both being empty.
    const fig = (key: string) => res.body.figures.find((f: any) => f.key === key);
    expect(fig('customers.heating').accountIds.sort()).toEqual(['R01', 'R03', 'R09', 'R10', 'R12']);
    // R13 closed in December: a customer at the end of November; R05 (final) and R11 (pending) not.
    expect(fig('customers.nonHeating').accountIds.sort()).toEqual(['R02', 'R04', 'R13']);
    expect(fig('arrears.onAgreement.heating')).toMatchObject({ count: 3, amountCents: 13000 + 7000 + 3000 });
    expect(fig('arrears.offAgreement.heating')).toMatchObject({ count: 2, amountCents: 4200 + 2500 });
    expect(fig('arrears.offAgreement.nonHeating')).toMatchObject({ count: 1, amountCents: 2000 });
    expect(fig('arrears.inactive.heating')).toMatchObject({ count: 1, amountCents: 9000 });
    expect(fig('arrears.inactive.nonHeating')).toMatchObject({ count: 2, amountCents: 3000 + 1500 });
    // R01's notice went by email and by mail: one notice, both actions listed.
    expect(fig('notices10Day.heating')).toMatchObject({ basis: 'notices', count: 1 });
    expect(fig('notices10Day.heating').actionIds).toHaveLength(2);
    expect(fig('notices10Day.nonHeating').count).toBe(2);
    expect(fig('occupantNoticeDwellings.nonHeating').count).toBe(1);
    expect(fig('contacts3Day.PHONE.heating').count).toBe(2);
    expect(fig('contacts3DayCompleted.PHONE.heating').count).toBe(1);
    expect(fig('notices48Hour.nonHeating').count).toBe(1);
    expect(fig('terminations.NONPAYMENT.heating').count).toBe(3);
    expect(fig('terminations.OTHER.heating').count).toBe(1);
    expect(fig('terminationsByZip3.170.NONPAYMENT').count).toBe(1);
    expect(fig('terminationsByZip3.170.OTHER').count).toBe(1);
    expect(fig('terminationsByZip3.152.NONPAYMENT').count).toBe(1);
    expect(fig('reconnections.OTHER.heating').count).toBe(1);
  });

  test('?profile= keeps only premises and actions under that profile', async () => {
    const res = await app.call('auditor', 'GET', '/reports/collections/pa-56-231?month=2026-11&profile=PA');
    expect(res.status).toBe(200);
    expect(res.body.profile).toBe('PA');
    expectFigures(res.body, expectedPa('PA'));
    expect(res.body.figures.find((f: any) => f.key === 'customers.heating').accountIds).not.toContain('R09');
  });

  test('another month counts that month: October', async () => {
    const res = await app.call('admin', 'GET', '/reports/collections/pa-56-231?month=2026-10');
    const fig = (key: string) => res.body.figures.find((f: any) => f.key === key);
    const oct = ACTIONS.filter((x) => localDay(x.at).startsWith('2026-10'));
    expect(fig('notices10Day.heating').actionIds).toEqual(
      oct.filter((x) => x.kind === 'DISCONNECT_NOTICE' && complete(x).heating).map((x) => x.id),
    );
    expect(fig('notices10Day.nonHeating').actionIds).toEqual(
      oct.filter((x) => x.kind === 'DISCONNECT_NOTICE' && !complete(x).heating).map((x) => x.id),
    );
    expect(fig('terminations.NONPAYMENT.heating').actionIds).toEqual(
      oct.filter((x) => x.kind === 'DISCONNECT' && complete(x).heating).map((x) => x.id),
    );
  });

  test('?trace= answers with the rows behind one figure; the amounts add up to the figure', async () => {
    const base = '/reports/collections/pa-56-231?month=2026-11';
    const arrears = await app.call('auditor', 'GET', `${base}&trace=arrears.onAgreement.heating`);
    expect(arrears.status).toBe(200);
    expect(arrears.body.figure.key).toBe('arrears.onAgreement.heating');
    expect(arrears.body.items.map((i: any) => [i.accountId, i.pastDueCents])).toEqual([
      ['R01', 13000],
      ['R03', 7000],
      ['R09', 3000],
    ]);
    expect(arrears.body.items.reduce((s: number, i: any) => s + i.pastDueCents, 0)).toBe(
      arrears.body.figure.amountCents,
    );
    expect(arrears.body.items[0]).toMatchObject({
      customerName: 'Customer R01',
      status: 'ACTIVE',
      zip: '16801',
    });

    const terminations = await app.call('auditor', 'GET', `${base}&trace=terminationsByZip3.168.NONPAYMENT`);
    const want = ACTIONS.filter(
      (x) =>
        inNovember(x) && x.kind === 'DISCONNECT' && x.cause === 'NONPAYMENT' && complete(x).cls === 'RES',
    ).filter((x) => complete(x).zip.startsWith('168'));
    expect(terminations.body.items.map((i: any) => i.actionId)).toEqual(want.map((x) => x.id));
    expect(terminations.body.items[0]).toMatchObject({
      kind: 'DISCONNECT',
      cause: 'NONPAYMENT',
      zip: '16801',
    });

    // A notice emailed and mailed: one notice, its two actions listed with the notice they gave.
    const emailed = await app.call('auditor', 'GET', `${base}&trace=notices10Day.heating`);
    expect(emailed.body.figure.count).toBe(1);
    expect(emailed.body.items.map((i: any) => [i.method, i.notice])).toEqual([
      ['MAIL', 'collections:R01:1:DISCONNECT_NOTICE:1:CUSTOMER'],
      ['EMAIL', 'collections:R01:1:DISCONNECT_NOTICE:1:CUSTOMER'],
    ]);

    const csv = await app.call('auditor', 'GET', `${base}&trace=notices10Day.nonHeating&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (csv.body as string).trim().split('\n');
    expect(lines[0]).toMatch(/^"report","period","figure","actionId","accountId"/);
    expect(lines).toHaveLength(1 + expectedPa().m.get('notices10Day.nonHeating')!.actions.size);

    expectError(
      await app.call('auditor', 'GET', `${base}&trace=no.such.figure`),
      400,
      'validation_failed',
      'trace',
    );
  });

  test('?format=csv: one quoted line per figure with the same counts and amounts', async () => {
    const json = await app.call('supervisor', 'GET', '/reports/collections/pa-56-231?month=2026-11');
    const res = await app.call(
      'supervisor',
      'GET',
      '/reports/collections/pa-56-231?month=2026-11&format=csv',
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toContain('pa-56-231-2026-11.csv');
    const rows = (res.body as string)
      .trim()
      .split('\n')
      .map((l) => l.slice(1, -1).split('","'));
    const header = rows.shift()!;
    expect(header.slice(0, 5)).toEqual(['report', 'period', 'figure', 'label', 'cite']);
    expect(header.slice(-3)).toEqual(['basis', 'count', 'amount_cents']);
    expect(rows).toHaveLength(json.body.figures.length);
    const col = (name: string) => header.indexOf(name);
    for (const [i, f] of json.body.figures.entries()) {
      expect(rows[i]![col('figure')]).toBe(f.key);
      expect(rows[i]![col('count')]).toBe(String(f.count));
      expect(rows[i]![col('amount_cents')]).toBe(f.amountCents === undefined ? '' : String(f.amountCents));
    }
  });
});

// ---- Illinois ------------------------------------------------------------------------------------

describe('GET /reports/collections/il-monthly', () => {
  test('by ZIP, class and service: every figure equals the count made from the fixtures', async () => {
    const res = await app.call('supervisor', 'GET', '/reports/collections/il-monthly?month=2026-11');
    expect(res.status).toBe(200);
    expect(res.body.citation).toContain('220 ILCS 5/8-201.10');
    expectFigures(res.body, expectedIl());
    const fig = (key: string) => res.body.figures.find((f: any) => f.key === key);
    // Each measure cites the item of §8-201.10(b) it answers.
    const items = {
      customers: 1,
      disconnectionNotices: 2,
      disconnections: 3,
      reconnections: 4,
      arrangementsNew: 5,
      arrangementsAtMonthStart: 6,
      arrangementsCompleted: 7,
    } as Record<string, number>;
    for (const f of res.body.figures) expect(f.cite).toBe(`220 ILCS 5/8-201.10(b)(${items[f.dims.measure]})`);
    expect(new Set(res.body.figures.map((f: any) => f.dims.measure))).toEqual(new Set(Object.keys(items)));
    expect(fig('16801.RES.ELECTRIC.customers').accountIds).toEqual(['R01']);
    expect(fig('19103.RES.WATER.customers').accountIds).toEqual(['R13']); // closed in December
    // Customers, not notices: R01's notice by email and by mail is one customer.
    expect(fig('16801.RES.ELECTRIC.disconnectionNotices')).toMatchObject({ basis: 'accounts', count: 1 });
    expect(fig('16801.RES.ELECTRIC.disconnectionNotices').actionIds).toHaveLength(2);
    expect(fig('16801.COM.ELECTRIC.disconnections').count).toBe(1);
    // R05 was disconnected for another reason and reconnected on a medical certificate: neither counts.
    expect(res.body.figures.some((f: any) => f.key.startsWith('17011.RES.ELECTRIC.'))).toBe(false);
    // R12's reconnections were by order and for no recorded cause; its disconnection counts.
    expect(fig('15213.RES.ELECTRIC.reconnections').count).toBe(0);
    expect(fig('15213.RES.ELECTRIC.disconnections').count).toBe(1);
    expect(fig('17011.RES.WATER.reconnections').accountIds).toEqual(['R04']);
    expect(fig('16801.RES.ELECTRIC.arrangementsNew').count).toBe(1);
    expect(fig('16801.RES.WATER.arrangementsCompleted')).toMatchObject({ basis: 'accounts', count: 1 });
    // Under an arrangement when November began: R03 (defaulted in December) and R10 (defaulted on
    // November 15, with no acceptance recorded: at its premise), R09; not R01's (made in November)
    // nor R05's (service ended).
    expect(fig('16802.RES.GAS.arrangementsAtMonthStart').arrangementIds).toEqual([
      ARRANGEMENTS.find((r) => r.account === 'R03')!.id,
    ]);
    expect(fig('16803.RES.ELECTRIC.arrangementsAtMonthStart')).toMatchObject({
      basis: 'accounts',
      accountIds: ['R10'],
    });
    const atStart = res.body.figures
      .filter((f: any) => f.dims.measure === 'arrangementsAtMonthStart')
      .flatMap((f: any) => f.accountIds);
    expect(new Set(atStart)).toEqual(new Set(['R03', 'R09', 'R10']));
    // A group with nothing to count (R07 opened in December) does not appear.
    expect(res.body.figures.some((f: any) => f.accountIds.includes('R07'))).toBe(false);
    // Each group lists its measures together, groups in ZIP, class, service order.
    const groups = res.body.figures.map(
      (f: any) => `${f.dims.zip}.${f.dims.customerClass}.${f.dims.service}`,
    );
    expect(groups).toEqual([...groups].sort());
  });

  test('?profile=IL counts Illinois days (Chicago), and CSV', async () => {
    const res = await app.call('auditor', 'GET', '/reports/collections/il-monthly?month=2026-11&profile=IL');
    expect(res.body.timeZone).toBe('America/Chicago');
    expect(res.body.period).toMatchObject({ from: '2026-11-01', to: '2026-11-30' });
    expectFigures(res.body, expectedIl('IL'));
    // The notice sent at 23:30 on November 30 in Chicago (00:30 December 1 in Millbrook).
    const notices = res.body.figures.find((f: any) => f.key === '60601.RES.GAS.disconnectionNotices');
    expect(notices.accountIds).toEqual(['R09']);
    const all = await app.call('auditor', 'GET', '/reports/collections/il-monthly?month=2026-11');
    expect(all.body.timeZone).toBe(TZ);
    expect(all.body.figures.find((f: any) => f.key === '60601.RES.GAS.disconnectionNotices').count).toBe(0);
    expect(new Set(res.body.figures.map((f: any) => f.dims.zip))).toEqual(new Set(['60601']));
    const csv = await app.call(
      'auditor',
      'GET',
      '/reports/collections/il-monthly?month=2026-11&profile=IL&format=csv',
    );
    const lines = (csv.body as string).trim().split('\n');
    expect(lines[0]).toBe(
      '"report","period","figure","label","cite","zip","customerClass","service","measure","basis","count","amount_cents"',
    );
    expect(lines).toHaveLength(1 + res.body.figures.length);
  });
});

// ---- California water ----------------------------------------------------------------------------

describe('GET /reports/collections/ca-water-annual', () => {
  test('residential water discontinuations for nonpayment in the local year, with the list behind it', async () => {
    const res = await app.call('auditor', 'GET', '/reports/collections/ca-water-annual?year=2026');
    expect(res.status).toBe(200);
    expect(res.body.citation).toContain('§116918');
    const want = ACTIONS.filter((x) => {
      const c = complete(x);
      return (
        x.kind === 'DISCONNECT' &&
        x.cause === 'NONPAYMENT' &&
        c.service === 'WATER' &&
        c.cls === 'RES' &&
        localDay(x.at).startsWith('2026-')
      );
    });
    const total = res.body.figures.find((f: any) => f.key === 'discontinuations');
    expect(total.count).toBe(want.length);
    expect(sorted(total.actionIds)).toEqual(sorted(want.map((x) => x.id!)));
    expect(total.count).toBe(5); // Jan 1 00:30 EST, Mar 10, Aug 1, Nov 18, Dec 1 00:30 EST
    for (const f of res.body.figures.filter((f: any) => f.dims.month)) {
      const inMonth = want.filter((x) => localDay(x.at).startsWith(f.dims.month));
      expect({ month: f.dims.month, ids: sorted(f.actionIds) }).toEqual({
        month: f.dims.month,
        ids: sorted(inMonth.map((x) => x.id!)),
      });
    }
    const trace = await app.call(
      'auditor',
      'GET',
      '/reports/collections/ca-water-annual?year=2026&trace=discontinuations',
    );
    expect(trace.body.items).toHaveLength(5);
    expect(trace.body.items.every((i: any) => i.service === 'WATER' && i.customerClass === 'RES')).toBe(true);

    const other = await app.call('auditor', 'GET', '/reports/collections/ca-water-annual?year=2025');
    expect(other.body.figures.find((f: any) => f.key === 'discontinuations').count).toBe(1);
  });
});

// ---- what the reports read: a representative's contact -------------------------------------------

describe("a representative's contact", () => {
  test('is a heating customer’s contact by the case’s own rule: electric and gas, heated by gas', async () => {
    // R10 takes electric and gas and heats with gas: its case is about electric, and it is a
    // heating customer (the contact counts with the heating figures, as the case's own actions do).
    await app.t.db.collectionsEpisode.create({
      data: { accountId: 'R10', episode: 1, workflowId: 'collections:R10:1', pastDueCents: 2500n },
    });
    const r = await app.call(
      'csr',
      'POST',
      '/accounts/R10/contacts',
      { method: 'PHONE', outcome: 'REACHED', at: '2026-09-15T15:00:00Z' },
      { 'idempotency-key': 'report-contact-R10' },
    );
    expect(r.status).toBe(201);
    const action = await app.t.db.collectionsAction.findFirstOrThrow({
      where: { accountId: 'R10', kind: 'CONTACT_ATTEMPT' },
    });
    expect(action).toMatchObject({ service: 'ELECTRIC', heating: true });
    const res = await app.call('supervisor', 'GET', '/reports/collections/pa-56-231?month=2026-09');
    const fig = (key: string) => res.body.figures.find((f: any) => f.key === key);
    expect(fig('contacts3Day.PHONE.heating').actionIds).toEqual([action.id.toString()]);
    expect(fig('contacts3DayCompleted.PHONE.heating').actionIds).toEqual([action.id.toString()]);
    expect(fig('contacts3Day.PHONE.nonHeating').count).toBe(0);
  });

  test('keys are per user: two representatives sending the same key record two contacts; a retry records none', async () => {
    await app.t.db.collectionsEpisode.create({
      data: { accountId: 'R11', episode: 1, workflowId: 'collections:R11:1', pastDueCents: 2500n },
    });
    const contact = (as: string, at: string) =>
      app.call(
        as,
        'POST',
        '/accounts/R11/contacts',
        { method: 'PHONE', outcome: 'NOT_REACHED', at },
        { 'idempotency-key': 'shared-contact-key' },
      );
    expect((await contact('csr', '2025-03-04T14:00:00Z')).status).toBe(201);
    expect((await contact('supervisor', '2025-03-04T16:00:00Z')).status).toBe(201);
    expect((await contact('csr', '2025-03-04T14:00:00Z')).status).toBe(201);
    const rows = await app.t.db.collectionsAction.findMany({
      where: { accountId: 'R11', kind: 'CONTACT_ATTEMPT' },
      orderBy: { occurredAt: 'asc' },
    });
    expect(rows.map((r) => r.occurredAt.toISOString())).toEqual([
      '2025-03-04T14:00:00.000Z',
      '2025-03-04T16:00:00.000Z',
    ]);
  });
});

// ---- what the reports read: orders opened by hand -------------------------------------------------

describe('a field order opened by hand', () => {
  const finished = (orderId: string) =>
    eventually(
      () =>
        app.t.db.collectionsAction.findMany({ where: { idempotencyKey: `service-order:${orderId}:action` } }),
      (rows) => rows.length > 0,
      15_000,
      `the action of order ${orderId}`,
    ).then((rows) => rows[0]!);

  test('by hand, service goes off only for a cause that needs no collections notice, and the refusal says why', async () => {
    const open = (details?: object) =>
      app.call('csr', 'POST', '/service-orders', {
        accountId: 'R12',
        type: 'DISCONNECT',
        reason: 'Past due since October',
        ...(details ? { details } : {}),
      });
    const before = await app.t.db.serviceOrder.count({ where: { accountId: 'R12' } });
    const none = await open();
    expectError(none, 400, 'validation_failed', 'details.disconnectCause');
    expect(none.body.error.message).toMatch(/SAFETY .* TAMPERING .* CUSTOMER_REQUEST/);
    const nonpayment = await open({ disconnectCause: 'NONPAYMENT' });
    expectError(nonpayment, 400, 'validation_failed', 'details.disconnectCause');
    expect(nonpayment.body.error.message).toMatch(/ordered by the account’s collections case/);
    expectError(
      await open({ disconnectCause: 'OVERDUE' }),
      400,
      'validation_failed',
      'details.disconnectCause',
    );
    // The cause belongs to a disconnection only.
    expectError(
      await app.call('csr', 'POST', '/service-orders', {
        accountId: 'R12',
        type: 'RECONNECT',
        reason: 'Repaired',
        details: { disconnectCause: 'SAFETY' },
      }),
      400,
      'validation_failed',
      'details.disconnectCause',
    );
    expect(await app.t.db.serviceOrder.count({ where: { accountId: 'R12' } })).toBe(before);
  });

  test('a disconnection is a termination for a reason other than nonpayment; its reconnection counts too', async () => {
    // R12: Pennsylvania, electric, heated by electricity. No collections case opened these orders.
    const off = await openOrder(app, {
      accountId: 'R12',
      type: 'DISCONNECT',
      priority: 'HIGH',
      reason: 'Damaged meter base: shut off for safety',
      details: { disconnectCause: 'SAFETY' },
    });
    await assign(app, off.id);
    expect(
      (await completeOrder(app, off.id, { outcome: 'COMPLETED_OK', readValue: 5000, notes: 'Off' })).status,
    ).toBe(200);
    const action = await finished(off.id);
    expect(action).toMatchObject({
      kind: 'DISCONNECT',
      cause: 'OTHER',
      episode: 0,
      profile: 'PA',
      service: 'ELECTRIC',
      heating: true,
      customerClass: 'RES',
    });
    expect(action.data).toMatchObject({
      orderId: off.id,
      reason: 'Damaged meter base: shut off for safety',
      disconnectCause: 'SAFETY',
    });

    // A crew that could not get to the meter restored nothing: no action.
    const tried = await openOrder(app, {
      accountId: 'R12',
      type: 'RECONNECT',
      priority: 'HIGH',
      reason: 'Repaired',
    });
    await assign(app, tried.id);
    expect((await completeOrder(app, tried.id, { outcome: 'NO_ACCESS', notes: 'Locked gate' })).status).toBe(
      200,
    );
    const on = await openOrder(app, {
      accountId: 'R12',
      type: 'RECONNECT',
      priority: 'HIGH',
      reason: 'Repaired',
    });
    await assign(app, on.id);
    expect((await completeOrder(app, on.id, { outcome: 'COMPLETED_OK', readValue: 5000 })).status).toBe(200);
    const back = await finished(on.id);
    expect(back).toMatchObject({ kind: 'RECONNECT', cause: 'OTHER', episode: 0 });
    expect(
      await app.t.db.collectionsAction.count({
        where: { idempotencyKey: `service-order:${tried.id}:action` },
      }),
    ).toBe(0);

    const month = localDay(action.occurredAt.toISOString()).slice(0, 7);
    const res = await app.call('supervisor', 'GET', `/reports/collections/pa-56-231?month=${month}`);
    const fig = (key: string) => res.body.figures.find((f: any) => f.key === key);
    // 52 Pa. Code §56.231(a)(16) and (17).
    expect(fig('terminations.OTHER.heating').actionIds).toContain(action.id.toString());
    expect(fig('terminations.NONPAYMENT.heating').actionIds).not.toContain(action.id.toString());
    expect(fig('terminationsByZip3.152.OTHER').actionIds).toEqual([action.id.toString()]);
    if (localDay(back.occurredAt.toISOString()).startsWith(month))
      expect(fig('reconnections.OTHER.heating').actionIds).toContain(back.id.toString());
    // Not a disconnection for nonpayment: not in California's count nor Illinois' item (3).
    const il = await app.call('supervisor', 'GET', `/reports/collections/il-monthly?month=${month}`);
    expect(
      il.body.figures.find((f: any) => f.key === '15213.RES.ELECTRIC.disconnections').actionIds ?? [],
    ).not.toContain(action.id.toString());
  });
});

// ---- input and authorization ---------------------------------------------------------------------

describe('input and who may read', () => {
  test.each([
    ['/reports/collections/pa-56-231', 'month'],
    ['/reports/collections/pa-56-231?month=2026-13', 'month'],
    ['/reports/collections/il-monthly?month=2026-1', 'month'],
    ['/reports/collections/ca-water-annual?year=26', 'year'],
    ['/reports/collections/pa-56-231?month=2026-11&format=xlsx', 'format'],
    ['/reports/collections/pa-56-231?month=2026-11&zip=168', 'zip'],
    ['/reports/collections/pa-56-231?month=2026-11&profile=XX', 'profile'],
  ])('%s → 400 naming %s', async (path, field) => {
    expectError(await app.call('supervisor', 'GET', path), 400, 'validation_failed', field);
  });

  test('csr and field crews may not read the reports; supervisor, auditor and admin may', async () => {
    for (const path of [
      '/reports/collections/pa-56-231?month=2026-11',
      '/reports/collections/il-monthly?month=2026-11',
      '/reports/collections/ca-water-annual?year=2026',
    ]) {
      expectError(await app.call('csr', 'GET', path), 403, 'forbidden');
      expectError(await app.call('crew-a', 'GET', path), 403, 'forbidden');
      expectError(await app.call(null, 'GET', path), 401, 'unauthenticated');
      for (const role of ['supervisor', 'auditor', 'admin'])
        expect((await app.call(role, 'GET', path)).status).toBe(200);
    }
  });
});
