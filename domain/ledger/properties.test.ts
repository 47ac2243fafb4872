// Property tests over random sequences of ledger operations: charges and fees, payments, returned
// payments (exact reversals), adjustments either way and deposit credits, on random dates.
import fc from 'fast-check';
import {
  addDays,
  aging,
  allocate,
  AGING_BUCKETS,
  balance,
  openAmounts,
  type Entry,
  type LedgerKind,
} from './index';

const BASE = '2026-01-01';

type Op =
  | { op: 'charge'; kind: LedgerKind; cents: number; day: number; dueIn: number | null }
  | { op: 'payment'; cents: number; day: number }
  | { op: 'credit'; kind: LedgerKind; cents: number; day: number }
  | { op: 'adjust'; cents: number; day: number }
  | { op: 'reverse'; pick: number; after: number };

const cents = fc.integer({ min: 1, max: 500_000 });
const day = fc.integer({ min: 0, max: 400 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant('charge' as const),
    kind: fc.constantFrom<LedgerKind>('CHARGE', 'LATE_FEE', 'RETURNED_PAYMENT_FEE', 'DEPOSIT_BILLED'),
    cents,
    day,
    dueIn: fc.option(fc.integer({ min: 0, max: 30 }), { nil: null }),
  }),
  fc.record({ op: fc.constant('payment' as const), cents, day }),
  fc.record({
    op: fc.constant('credit' as const),
    kind: fc.constantFrom<LedgerKind>('DEPOSIT_APPLIED', 'DEPOSIT_REFUND', 'DEPOSIT_INTEREST'),
    cents,
    day,
  }),
  fc.record({ op: fc.constant('adjust' as const), cents: fc.integer({ min: -50_000, max: 50_000 }), day }),
  fc.record({ op: fc.constant('reverse' as const), pick: fc.nat(), after: fc.integer({ min: 0, max: 20 }) }),
);

/** Entries for a sequence of operations; a reversal returns a payment not yet returned, if any. */
function build(ops: readonly Op[]): Entry[] {
  const entries: Entry[] = [];
  const reversed = new Set<bigint>();
  let id = 1n;
  for (const o of ops) {
    switch (o.op) {
      case 'charge':
        entries.push({
          id: id++,
          kind: o.kind,
          amountCents: BigInt(o.cents),
          effectiveDate: addDays(BASE, o.day),
          dueDate: o.dueIn === null ? null : addDays(BASE, o.day + o.dueIn),
        });
        break;
      case 'payment':
        entries.push({
          id: id++,
          kind: 'PAYMENT',
          amountCents: -BigInt(o.cents),
          effectiveDate: addDays(BASE, o.day),
        });
        break;
      case 'credit':
        entries.push({
          id: id++,
          kind: o.kind,
          amountCents: -BigInt(o.cents),
          effectiveDate: addDays(BASE, o.day),
        });
        break;
      case 'adjust':
        if (o.cents !== 0)
          entries.push({
            id: id++,
            kind: 'ADJUSTMENT',
            amountCents: BigInt(o.cents),
            effectiveDate: addDays(BASE, o.day),
          });
        break;
      case 'reverse': {
        const open = entries.filter((e) => e.kind === 'PAYMENT' && !reversed.has(e.id));
        const p = open.length ? open[o.pick % open.length]! : undefined;
        if (!p) break;
        reversed.add(p.id);
        entries.push({
          id: id++,
          kind: 'PAYMENT_REVERSAL',
          amountCents: -p.amountCents,
          effectiveDate: addDays(p.effectiveDate, o.after),
          reversesEntryId: p.id,
        });
        break;
      }
    }
  }
  return entries;
}

const entriesArb = fc.array(opArb, { maxLength: 40 }).map(build);
const asOfArb = fc.integer({ min: -10, max: 500 }).map((d) => addDays(BASE, d));
const sum = (xs: Iterable<bigint>) => [...xs].reduce((s, x) => s + x, 0n);

test('the balance is the sum of the entries, an integer number of cents', () => {
  fc.assert(
    fc.property(entriesArb, (entries) => {
      const b = balance(entries);
      expect(typeof b).toBe('bigint');
      expect(b).toBe(entries.reduce((s, e) => s + e.amountCents, 0n));
    }),
  );
});

test('aging buckets sum to max(balance, 0); a credit balance is shown apart; nothing negative', () => {
  fc.assert(
    fc.property(entriesArb, asOfArb, (entries, asOf) => {
      const a = aging(entries, asOf);
      const bal = balance(entries.filter((e) => e.effectiveDate <= asOf));
      expect(a.balanceCents).toBe(bal);
      expect(sum(Object.values(a.buckets))).toBe(bal > 0n ? bal : 0n);
      expect(a.owedCents).toBe(bal > 0n ? bal : 0n);
      expect(a.creditCents).toBe(bal < 0n ? -bal : 0n);
      for (const k of AGING_BUCKETS) {
        expect(typeof a.buckets[k]).toBe('bigint');
        expect(a.buckets[k] >= 0n).toBe(true);
      }
      expect(a.pastDueCents >= 0n && a.pastDueCents <= a.owedCents).toBe(true);
      expect(a.pastDueCents).toBe(a.owedCents - a.buckets.current);
    }),
  );
});

test('allocation never exceeds a charge nor a credit, and goes oldest first', () => {
  fc.assert(
    fc.property(entriesArb, (entries) => {
      const a = allocate(entries);
      const toCharge = new Map<bigint, bigint>();
      const fromCredit = new Map<bigint, bigint>();
      for (const x of a.applications) {
        expect(x.cents > 0n).toBe(true);
        toCharge.set(x.chargeId, (toCharge.get(x.chargeId) ?? 0n) + x.cents);
        fromCredit.set(x.creditId, (fromCredit.get(x.creditId) ?? 0n) + x.cents);
      }
      for (const c of a.charges) {
        const applied = toCharge.get(c.entry.id) ?? 0n;
        expect(applied <= c.amountCents).toBe(true);
        expect(c.openCents).toBe(c.amountCents - applied);
      }
      for (const c of a.credits) {
        const applied = fromCredit.get(c.entry.id) ?? 0n;
        expect(applied <= c.amountCents).toBe(true);
        expect(c.unappliedCents).toBe(c.amountCents - applied);
      }
      // Oldest first: fully paid charges, then at most one partly paid, then untouched ones.
      const states = a.charges.map((c) => (c.openCents === 0n ? 0 : c.openCents < c.amountCents ? 1 : 2));
      expect([...states].sort()).toEqual(states);
      expect(states.filter((s) => s === 1).length <= 1).toBe(true);
      // Either every charge is paid or every credit is used up.
      expect(
        a.charges.every((c) => c.openCents === 0n) || a.credits.every((c) => c.unappliedCents === 0n),
      ).toBe(true);
      // Open charges less unapplied credits is the balance.
      expect(sum(a.charges.map((c) => c.openCents)) - sum(a.credits.map((c) => c.unappliedCents))).toBe(
        balance(entries),
      );
    }),
  );
});

test('returning a payment restores exactly the open amounts from before it', () => {
  fc.assert(
    fc.property(entriesArb, cents, fc.integer({ min: 0, max: 400 }), (entries, amount, d) => {
      const before = openAmounts(entries);
      const nextId = entries.reduce((m, e) => (e.id > m ? e.id : m), 0n) + 1n;
      const pay: Entry = {
        id: nextId,
        kind: 'PAYMENT',
        amountCents: -BigInt(amount),
        effectiveDate: addDays(BASE, d),
      };
      const rev: Entry = {
        id: nextId + 1n,
        kind: 'PAYMENT_REVERSAL',
        amountCents: BigInt(amount),
        effectiveDate: addDays(BASE, d + 3),
        reversesEntryId: pay.id,
      };
      expect(openAmounts([...entries, pay, rev])).toEqual(before);
      expect(balance([...entries, pay, rev])).toBe(balance(entries));
    }),
  );
});

test('a returned payment counts as if it had never been made, whatever came after it', () => {
  fc.assert(
    fc.property(entriesArb, (entries) => {
      const reversal = entries.find((e) => e.kind === 'PAYMENT_REVERSAL' && e.reversesEntryId);
      fc.pre(!!reversal);
      const without = entries.filter((e) => e.id !== reversal!.id && e.id !== reversal!.reversesEntryId);
      expect(openAmounts(entries)).toEqual(openAmounts(without));
    }),
  );
});

test('the order entries are given in does not matter', () => {
  fc.assert(
    fc.property(
      entriesArb.chain((es) => fc.tuple(fc.constant(es), fc.shuffledSubarray(es, { minLength: es.length }))),
      ([es, shuffled]) => {
        expect(openAmounts(shuffled)).toEqual(openAmounts(es));
      },
    ),
  );
});
