// What one seed decides: the fault schedule (which part, at which stage of the run, how long after
// reaching it, how long the part stays down) and the payment stream (which accounts, amounts,
// channels, when, and which payments the bank returns). Same seed, same plan, on any machine.
import { prng } from '../../bench/harness';

export type FaultKind = 'worker' | 'temporal' | 'postgres';

/**
 * The moments a fault can be aimed at: the bill cycle's stages as its run record shows them, and
 * `collections` — after the cycle has closed, while the collections cases it started are working.
 */
export const MOMENTS = [
  'validating',
  'rating',
  'issuing',
  'delivering',
  'late-charges',
  'handing-off',
  'collections',
] as const;
export type Moment = (typeof MOMENTS)[number];

export interface Fault {
  n: number;
  kind: FaultKind;
  /** Injected once the run has reached this moment (or passed it: stages can be short). */
  at: Moment;
  /** …and this long after that. */
  delayMs: number;
  /** How long the part stays down before it is started again (the worker: its supervisor's 1 s). */
  downMs: number;
}

export interface PlannedPayment {
  n: number;
  /**
   * Slot 0 opens when the cycle starts, slot k just before fault k: payments arrive in bursts
   * around the faults, so some are in flight while the part goes down.
   */
  slot: number;
  /** When the driver sends it, after its slot opens. */
  atMs: number;
  accountId: string;
  amountCents: number;
  channel: 'CASH' | 'CHECK' | 'CARD' | 'ACH';
  key: string;
  /** Returned by the bank this long after it was acknowledged (ACH and checks only). */
  returnAfterMs: number | null;
}

export interface Plan {
  seed: number;
  faults: Fault[];
  payments: PlannedPayment[];
}

const ORDER: FaultKind[] = ['worker', 'temporal', 'postgres'];

/**
 * `faults` faults in the order worker → Temporal → Postgres, repeated, each aimed at a moment no
 * earlier than the previous one's, so a run walks through the cycle while being hit.
 */
export function makePlan(seed: number, opts: { faults: number; accounts: string[]; unpaid: string[] }): Plan {
  const rnd = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

  // Moments: sorted draws, so faults go forward through the run; the collections cases are drawn
  // more often than a uniform draw would (a quarter of the time, besides their own seventh).
  const moments = Array.from({ length: opts.faults }, () =>
    rnd() < 0.25 ? MOMENTS.length - 1 : int(0, MOMENTS.length - 1),
  ).sort((a, b) => a - b);
  // The last fault always falls while the collections cases work, so they are hit mid-notice too.
  if (moments.length > 0) moments[moments.length - 1] = MOMENTS.length - 1;
  const faults: Fault[] = moments.map((m, i) => {
    const kind = ORDER[i % ORDER.length]!;
    return {
      n: i + 1,
      kind,
      at: MOMENTS[m]!,
      delayMs: int(0, MOMENTS[m] === 'collections' ? 15_000 : 4_000),
      downMs: kind === 'worker' ? 1_000 : int(0, 5_000),
    };
  });

  // Payments: one for every 20 accounts (at least 40), each within 10 s of its slot opening; three
  // in five to accounts with no payment on file (they are the ones going past due), half of those
  // paying everything. Amounts in whole cents.
  const count = Math.max(40, Math.floor(opts.accounts.length / 20));
  const payments: PlannedPayment[] = [];
  for (let n = 1; n <= count; n++) {
    const toUnpaid = opts.unpaid.length > 0 && rnd() < 0.6;
    const accountId = toUnpaid ? pick(opts.unpaid) : pick(opts.accounts);
    const channel = pick(['CASH', 'CHECK', 'CARD', 'ACH'] as const);
    const amountCents = toUnpaid && rnd() < 0.5 ? 2_000_000 : int(100, 25_000);
    const returnable = channel === 'ACH' || channel === 'CHECK';
    payments.push({
      n,
      slot: int(0, opts.faults),
      atMs: int(0, 10_000),
      accountId,
      amountCents,
      channel,
      key: `faults-${seed}-${n}`,
      returnAfterMs: returnable && rnd() < 0.15 ? int(2_000, 60_000) : null,
    });
  }
  payments.sort((a, b) => a.slot - b.slot || a.atMs - b.atMs || a.n - b.n);
  return { seed, faults, payments };
}

export function describeFault(f: Fault): string {
  const down = f.kind === 'worker' ? 'supervisor restarts it' : `down ${(f.downMs / 1000).toFixed(1)} s`;
  return `#${f.n} kill -9 ${f.kind} at ${f.at} +${(f.delayMs / 1000).toFixed(1)} s (${down})`;
}
