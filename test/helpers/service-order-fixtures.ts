// Fixtures shared by the service-order suites: a customer with an account at a premise (with its
// service-line materials, a water meter, optionally a deposit), reads, payments, and polling an
// order (or anything) until it reaches a state. Everything goes through the API, as a CSR would.
import type { TestApp } from './app';

export async function eventually<T>(
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  ms = 15_000,
  what = 'condition',
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what} not reached: ${JSON.stringify(v).slice(0, 800)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

type Line = 'LEAD' | 'GALVANIZED_REQUIRING_REPLACEMENT' | 'NON_LEAD' | 'LEAD_STATUS_UNKNOWN';

export interface AccountOptions {
  /** Both sides of the service line (default: unknown, as the legacy data has it). */
  lines?: [Line, Line];
  /** Estimated annual billing: a new residential customer then owes 1/6 of it as a deposit. */
  depositOnCents?: number;
  startDate?: string;
  status?: 'PENDING' | 'ACTIVE';
  language?: string;
  email?: string | null;
  /** Bills and notices by email (the customer's consent to paperless delivery). */
  paperless?: boolean;
  /** The water meter's id (none when null). */
  meterId?: string | null;
  /** An existing customer (a second premise of theirs). */
  customerId?: string;
  /** Only the premise and its meter: no account there yet. */
  noAccount?: boolean;
}

export async function ok<T = any>(p: Promise<{ status: number; body: any }>, status = 200): Promise<T> {
  const r = await p;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as T;
}

/** A premise, and (unless given) a customer; an account there; a 5/8" water meter (6 dials, ×10 gal). */
export async function customerAt(app: TestApp, tag: string, o: AccountOptions = {}) {
  const customerId =
    o.customerId ??
    (
      await ok<{ id: string }>(
        app.call('csr', 'POST', '/customers', {
          name: `Customer ${tag}`,
          mailingAddress: `${tag} Elm St, Millbrook, PA 16801`,
          ...(o.email === null ? {} : { email: o.email ?? `${tag.toLowerCase()}@example.org` }),
          ...(o.paperless ? { paperless: true } : {}),
          phone: '814-555-0142',
          language: o.language ?? 'en',
        }),
        201,
      )
    ).id;
  const premise = await ok<{ id: string }>(
    app.call('csr', 'POST', '/premises', {
      serviceAddress: `${tag} Elm St, Millbrook, PA 16801`,
      zip: '16801',
      serviceArea: 'North',
      state: 'PA',
      premiseType: 'RESIDENTIAL',
      serviceLinePublic: o.lines?.[0] ?? 'LEAD_STATUS_UNKNOWN',
      serviceLinePrivate: o.lines?.[1] ?? 'LEAD_STATUS_UNKNOWN',
    }),
    201,
  );
  const account = o.noAccount
    ? { id: '', deposit: null }
    : await ok<{ id: string; deposit: { required: boolean; amountCents: number } | null }>(
        app.call('csr', 'POST', '/accounts', {
          customerId,
          premiseId: premise.id,
          class: 'RES',
          billCycle: 1,
          status: o.status ?? 'ACTIVE',
          startDate: o.startDate ?? '2026-11-02',
          deposit:
            o.depositOnCents !== undefined
              ? { estimatedAnnualBillingCents: o.depositOnCents, satisfactoryHistory: false }
              : { estimatedAnnualBillingCents: 0 },
        }),
        201,
      );
  const meterId = o.meterId === undefined ? `W-${tag}` : o.meterId;
  if (meterId)
    await ok(
      app.call('supervisor', 'POST', '/meters', {
        id: meterId,
        premiseId: premise.id,
        service: 'WATER',
        readUnit: 'GAL',
        dials: 6,
        multiplier: 10,
        size: '5/8"',
      }),
      201,
    );
  return { customerId, premiseId: premise.id, accountId: account.id, meterId, deposit: account.deposit };
}

/** One read through the JSON API (its own batch, so no other read travels with it). */
export async function postRead(app: TestApp, meterId: string, readAt: string, value: number) {
  const r = await app.call('csr', 'POST', '/reads', { reads: [{ meterId, readAt, value }] });
  if (r.status !== 200) throw new Error(`read: ${r.status} ${JSON.stringify(r.body)}`);
}

let paymentSeq = 0;
export async function pay(app: TestApp, accountId: string, amountCents: number) {
  return ok(
    app.call(
      'csr',
      'POST',
      '/payments',
      { accountId, amountCents, channel: 'CHECK' },
      { 'idempotency-key': `so-fixture-${process.pid}-${++paymentSeq}-${accountId}` },
    ),
    201,
  );
}

/** Opens an order and waits until its workflow has recorded it. */
export async function openOrder(app: TestApp, body: Record<string, unknown>) {
  const r = await ok<{ id: string; hold?: string }>(app.call('csr', 'POST', '/service-orders', body), 202);
  await eventually(
    () => app.call('csr', 'GET', `/service-orders/${r.id}`),
    (x) => x.status === 200,
    15_000,
    `order ${r.id} recorded`,
  );
  return r;
}

export const order = (app: TestApp, id: string) => app.call('supervisor', 'GET', `/service-orders/${id}`);

/** Polls the order until `pred` holds. */
export async function orderUntil(app: TestApp, id: string, pred: (o: any) => boolean, ms = 20_000) {
  return (
    await eventually(
      () => order(app, id),
      (r) => r.status === 200 && pred(r.body),
      ms,
      `order ${id}`,
    )
  ).body;
}

export async function assign(app: TestApp, id: string, crewId = 'CREW-A') {
  return ok(app.call('supervisor', 'POST', `/service-orders/${id}/assign`, { crewId }));
}

export async function complete(app: TestApp, id: string, body: Record<string, unknown>, crew = 'crew-a') {
  return app.call(crew, 'POST', `/field/orders/${id}/complete`, body);
}
