import fc from 'fast-check';
import { LEDGER_KINDS } from '../ledger/entries';
import {
  activityLabel,
  activityLines,
  clampPastDue,
  MAX_ACTIVITY_LINES,
  statementSummary,
  type StatementActivity,
} from './statement';

const entry = (
  kind: StatementActivity['kind'],
  amountCents: bigint,
  effectiveDate: string,
  extra: Partial<StatementActivity> = {},
): StatementActivity => ({ kind, amountCents, effectiveDate, billId: null, reverses: false, ...extra });

test('the summary adds up: previous + activity = balance forward; + current = total due', () => {
  const s = statementSummary({
    previousBalanceCents: 4500n,
    activity: [
      entry('PAYMENT', -3000n, '2026-10-20'),
      entry('LATE_FEE', 100n, '2026-10-26'),
      entry('RETURNED_PAYMENT_FEE', 2500n, '2026-10-28'),
    ],
    currentChargesCents: 5000n,
    pastDueCents: 1500n,
  });
  expect(s).toMatchObject({
    activityCents: -400n,
    balanceForwardCents: 4100n,
    totalDueCents: 9100n,
    amountDueCents: 9100n,
    creditCents: 0n,
    pastDueCents: 1500n,
  });
  expect(s.activity.map((l) => [l.label, l.date, l.amountCents])).toEqual([
    ['payment', '2026-10-20', -3000n],
    ['lateCharge', '2026-10-26', 100n],
    ['returnedPaymentCharge', '2026-10-28', 2500n],
  ]);
});

test('an account in credit owes nothing and is told its credit', () => {
  const s = statementSummary({
    previousBalanceCents: 0n,
    activity: [entry('PAYMENT', -10_000n, '2026-11-10')],
    currentChargesCents: 4000n,
    pastDueCents: 0n,
  });
  expect([s.totalDueCents, s.amountDueCents, s.creditCents]).toEqual([-6000n, 0n, 6000n]);
});

test('past due is part of the balance forward and of the total due: never above either, never negative', () => {
  expect(clampPastDue(1500n, 4100n, 9100n)).toBe(1500n);
  expect(clampPastDue(5000n, 4100n, 9100n)).toBe(4100n);
  expect(clampPastDue(300n, -200n, 4000n)).toBe(0n);
  expect(clampPastDue(-5n, 100n, 200n)).toBe(0n);
  // $100 brought forward, all past due, and a $30 credit among this bill's charges: $70 owed.
  expect(clampPastDue(10_000n, 10_000n, 7000n)).toBe(7000n);
  // A $150 credit: nothing owed, so nothing past due to pay now.
  expect(clampPastDue(10_000n, 10_000n, -5000n)).toBe(0n);
});

test('each entry says what it is', () => {
  expect(activityLabel(entry('PAYMENT_REVERSAL', 1000n, '2026-10-28', { reverses: true }))).toBe(
    'paymentReturned',
  );
  expect(activityLabel(entry('ADJUSTMENT', -4500n, '2026-10-28', { reverses: true, billId: 'B1' }))).toBe(
    'correction',
  );
  expect(activityLabel(entry('ADJUSTMENT', -500n, '2026-10-28', { billId: 'B1-A1' }))).toBe('billAdjustment');
  expect(activityLabel(entry('ADJUSTMENT', -500n, '2026-10-28'))).toBe('adjustment');
  expect(activityLabel(entry('ADJUSTMENT', -500n, '2026-10-28', { purpose: 'transferredOut' }))).toBe(
    'transferredOut',
  );
  expect(activityLabel(entry('CHARGE', 9000n, '2026-10-28', { billId: 'FINAL-1' }))).toBe('otherBill');
  expect(activityLabel(entry('CHARGE', 9000n, '2026-10-28'))).toBe('charge');
  expect(activityLabel(entry('RECONNECTION_FEE', 5000n, '2026-10-28'))).toBe('reconnectionCharge');
  expect(activityLabel(entry('DEPOSIT_APPLIED', -7500n, '2026-10-28'))).toBe('depositApplied');
});

test('past the line limit, entries of one wording are summed into one line, in order of first appearance', () => {
  const many = [
    ...Array.from({ length: 7 }, (_, i) => entry('PAYMENT', -100n, `2026-10-${String(10 + i)}`)),
    entry('LATE_FEE', 100n, '2026-10-09'),
    entry('ADJUSTMENT', -50n, '2026-10-20', { billId: 'B1-A1' }),
    entry('ADJUSTMENT', -25n, '2026-10-21', { billId: 'B1-A2' }),
  ];
  const lines = activityLines(many);
  expect(lines.map((l) => [l.label, l.count, l.date, l.billId, l.amountCents])).toEqual([
    ['lateCharge', 1, '2026-10-09', null, 100n],
    ['payment', 7, null, null, -700n],
    ['billAdjustment', 1, '2026-10-20', 'B1-A1', -50n],
    ['billAdjustment', 1, '2026-10-21', 'B1-A2', -25n],
  ]);
  expect(activityLines(many.slice(0, MAX_ACTIVITY_LINES))).toHaveLength(MAX_ACTIVITY_LINES);
});

test('property: the lines always add up to the activity, grouped or not', () => {
  const anEntry = fc.record({
    kind: fc.constantFrom(...LEDGER_KINDS),
    amountCents: fc.bigInt({ min: -1_000_000n, max: 1_000_000n }).filter((c) => c !== 0n),
    effectiveDate: fc.integer({ min: 1, max: 28 }).map((d) => `2026-10-${String(d).padStart(2, '0')}`),
    billId: fc.option(fc.constantFrom('B1', 'B2', 'B3-A1'), { nil: null }),
    reverses: fc.boolean(),
  });
  fc.assert(
    fc.property(
      fc.array(anEntry, { maxLength: 30 }),
      fc.bigInt({ min: -(10n ** 8n), max: 10n ** 8n }),
      fc.bigInt({ min: -(10n ** 6n), max: 10n ** 7n }),
      (activity, previous, current) => {
        const s = statementSummary({
          previousBalanceCents: previous,
          activity,
          currentChargesCents: current,
          pastDueCents: previous,
        });
        const sum = s.activity.reduce((t, l) => t + l.amountCents, 0n);
        const count = s.activity.reduce((t, l) => t + l.count, 0);
        return (
          sum === s.activityCents &&
          count === activity.length &&
          s.totalDueCents === previous + sum + current &&
          s.amountDueCents - s.creditCents === s.totalDueCents &&
          s.pastDueCents >= 0n &&
          s.pastDueCents <= (s.balanceForwardCents > 0n ? s.balanceForwardCents : 0n) &&
          s.pastDueCents <= s.amountDueCents
        );
      },
    ),
  );
});
