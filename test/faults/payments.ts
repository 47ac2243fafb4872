// Payments arriving through the real API while the system is being hit, sent as a real client
// sends them: every payment carries an Idempotency-Key; on a connection error or a 5xx the same
// request (same key, same body) is sent again until it is answered. What each one finally got is
// recorded, so the checks can hold the ledger to every acknowledgement.
import type { PlannedPayment } from './plan';

export interface PaymentOutcome {
  planned: PlannedPayment;
  /** The final status: 201 (or 200 for a replay), a 4xx, or null when no answer came in time. */
  status: number | null;
  paymentId: string | null;
  attempts: number;
  /** Answers from a replayed key (Idempotent-Replayed: a retry found the first attempt's result). */
  replayed: boolean;
  error: string | null;
  returned: { status: number | null; attempts: number; error: string | null } | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Answer {
  status: number | null;
  body: unknown;
  replayed: boolean;
  attempts: number;
  error: string | null;
}

/** Sends until a non-5xx answer or the deadline; connection errors and 5xx are retried as they are. */
async function send(
  url: string,
  key: string,
  headers: Record<string, string>,
  body: unknown,
  deadline: number,
): Promise<Answer> {
  let attempts = 0;
  let lastError: string | null = null;
  for (let wait = 250; ; wait = Math.min(wait * 2, 5_000)) {
    attempts++;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      if (res.status < 500) {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON
        }
        return {
          status: res.status,
          body: parsed,
          replayed: res.headers.get('idempotent-replayed') === 'true',
          attempts,
          error: res.status >= 400 ? text.slice(0, 300) : null,
        };
      }
      lastError = `${res.status} ${text.slice(0, 200)}`;
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() + wait > deadline)
      return { status: null, body: null, replayed: false, attempts, error: lastError };
    await sleep(wait);
  }
}

export interface PaymentDriver {
  /** Resolves when every payment (and return) has its final answer. */
  done: Promise<PaymentOutcome[]>;
  /** How many have been answered so far. */
  answered(): number;
  /** Releases the payments of slot k (slot 0 is open from the start). */
  openSlot(k: number): void;
}

export function drivePayments(opts: {
  baseUrl: string;
  csrKey: string;
  supervisorKey: string;
  payments: PlannedPayment[];
  /** Give up retrying one request after this long (the checks then allow it either way). */
  retryForMs: number;
  concurrency: number;
}): PaymentDriver {
  const slots = new Map<number, { at: number | null; open: Promise<void>; release: () => void }>();
  const slot = (k: number) => {
    let s = slots.get(k);
    if (!s) {
      let release!: () => void;
      const open = new Promise<void>((r) => (release = r));
      const entry = { at: null as number | null, open, release: () => undefined as void };
      entry.release = () => {
        entry.at ??= Date.now();
        release();
      };
      slots.set(k, (s = entry));
    }
    return s;
  };
  slot(0).release();
  const outcomes: PaymentOutcome[] = [];
  let answered = 0;
  const queue = [...opts.payments];
  const returns: Promise<void>[] = [];

  const one = async (p: PlannedPayment) => {
    const a = await send(
      `${opts.baseUrl}/payments`,
      opts.csrKey,
      { 'idempotency-key': p.key },
      { accountId: p.accountId, amountCents: p.amountCents, channel: p.channel, externalRef: `ref ${p.key}` },
      Date.now() + opts.retryForMs,
    );
    const body = a.body as { payment?: { id?: string } } | null;
    const o: PaymentOutcome = {
      planned: p,
      status: a.status,
      paymentId: a.status !== null && a.status < 300 ? (body?.payment?.id ?? null) : null,
      attempts: a.attempts,
      replayed: a.replayed,
      error: a.error,
      returned: null,
    };
    outcomes.push(o);
    answered++;
    if (o.paymentId && p.returnAfterMs !== null) {
      returns.push(
        (async () => {
          await sleep(p.returnAfterMs!);
          const r = await send(
            `${opts.baseUrl}/payments/${o.paymentId}/return`,
            opts.supervisorKey,
            {},
            { code: p.channel === 'ACH' ? 'R01' : 'NSF_CHECK', reason: 'Returned by the bank' },
            Date.now() + opts.retryForMs,
          );
          o.returned = { status: r.status, attempts: r.attempts, error: r.error };
        })(),
      );
    }
  };

  const lane = async () => {
    for (let p = queue.shift(); p; p = queue.shift()) {
      const s = slot(p.slot);
      await s.open;
      const wait = s.at! + p.atMs - Date.now();
      if (wait > 0) await sleep(wait);
      await one(p);
    }
  };
  const done = (async () => {
    await Promise.all(Array.from({ length: opts.concurrency }, lane));
    await Promise.all(returns);
    return outcomes.sort((a, b) => a.planned.n - b.planned.n);
  })();
  return { done, answered: () => answered, openSlot: (k) => slot(k).release() };
}
