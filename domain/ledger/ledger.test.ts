import {
  aging,
  allocate,
  allocationOf,
  balance,
  bucketFor,
  cancelledIds,
  divideHalfUp,
  formatCents,
  lateChargeableCents,
  lateFeeCents,
  openAmounts,
  parseDollars,
  pastDue,
  returnRefusal,
  describeReturnCode,
  stopsAutopay,
  matchAchReturn,
  type AchReturnCandidate,
  RETURNED_PAYMENT_FEE_CENTS,
  addMonths,
  daysBetween,
  fullMonthsBetween,
  isoDateIn,
  type Entry,
  type LedgerKind,
} from './index';
import { localMidnight } from '../collections/calendar';

let nextId = 1n;
function e(kind: LedgerKind, amount: bigint, effectiveDate: string, extra: Partial<Entry> = {}): Entry {
  return { id: nextId++, kind, amountCents: amount, effectiveDate, ...extra };
}
beforeEach(() => {
  nextId = 1n;
});

describe('balance', () => {
  test('is the sum of the entries, in integer cents', () => {
    const entries = [e('CHARGE', 10_000n, '2026-09-01'), e('PAYMENT', -2_550n, '2026-09-10')];
    expect(balance(entries)).toBe(7_450n);
    expect(balance([])).toBe(0n);
  });
});

describe('allocation: oldest first', () => {
  test('a payment pays three charges by due date, not by posting order', () => {
    const sep = e('CHARGE', 5_000n, '2026-08-31', { dueDate: '2026-09-20' });
    const nov = e('CHARGE', 7_000n, '2026-10-31', { dueDate: '2026-11-20' });
    const oct = e('CHARGE', 6_000n, '2026-09-30', { dueDate: '2026-10-20' });
    const pay = e('PAYMENT', -8_000n, '2026-11-05');
    const { appliedTo, unappliedCents } = allocationOf([sep, nov, oct, pay], pay.id);
    expect(appliedTo.map((a) => [a.charge.id, a.appliedCents, a.openCents])).toEqual([
      [sep.id, 5_000n, 0n],
      [oct.id, 3_000n, 3_000n],
    ]);
    expect(unappliedCents).toBe(0n);
    expect(openAmounts([sep, nov, oct, pay])).toEqual(
      new Map([
        [sep.id, 0n],
        [oct.id, 3_000n],
        [nov.id, 7_000n],
      ]),
    );
  });

  test('ties on due date go by effective date, then by id', () => {
    const b = e('CHARGE', 100n, '2026-10-02', { dueDate: '2026-10-20' });
    const a = e('LATE_FEE', 100n, '2026-10-01', { dueDate: '2026-10-20' });
    const c = e('CHARGE', 100n, '2026-10-02', { dueDate: '2026-10-20' });
    const order = allocate([c, b, a]).charges.map((x) => x.entry.id);
    expect(order).toEqual([a.id, b.id, c.id]);
  });

  test('a charge without a due date is due on its effective date', () => {
    const fee = e('RETURNED_PAYMENT_FEE', 2_500n, '2026-09-05');
    const bill = e('CHARGE', 4_000n, '2026-09-01', { dueDate: '2026-09-21' });
    const pay = e('PAYMENT', -3_000n, '2026-09-30');
    expect(allocationOf([bill, fee, pay], pay.id).appliedTo.map((a) => a.charge.id)).toEqual([
      fee.id,
      bill.id,
    ]);
  });

  test('every credit kind reduces the oldest open amounts; an overpayment is a credit balance', () => {
    const bill = e('CHARGE', 4_000n, '2026-09-01', { dueDate: '2026-09-21' });
    const adj = e('ADJUSTMENT', -1_000n, '2026-09-02');
    const dep = e('DEPOSIT_APPLIED', -2_000n, '2026-09-03');
    const pay = e('PAYMENT', -5_000n, '2026-09-04');
    const entries = [bill, adj, dep, pay];
    expect(allocationOf(entries, adj.id).appliedTo[0]!.appliedCents).toBe(1_000n);
    expect(allocationOf(entries, pay.id)).toMatchObject({ unappliedCents: 4_000n });
    expect(balance(entries)).toBe(-4_000n);
    expect(aging(entries, '2026-12-31')).toMatchObject({
      owedCents: 0n,
      creditCents: 4_000n,
      pastDueCents: 0n,
    });
  });

  test('a positive adjustment is a charge; a credit posted before a charge pays it when it comes', () => {
    const pay = e('PAYMENT', -1_000n, '2026-09-01');
    const adj = e('ADJUSTMENT', 1_500n, '2026-09-10');
    expect(allocationOf([pay, adj], pay.id).appliedTo).toEqual([
      { charge: adj, dueDate: '2026-09-10', appliedCents: 1_000n, openCents: 500n },
    ]);
  });

  test('a returned payment (exact reversal) restores the open amounts it paid', () => {
    const bill1 = e('CHARGE', 3_000n, '2026-09-01', { dueDate: '2026-09-21' });
    const bill2 = e('CHARGE', 3_000n, '2026-10-01', { dueDate: '2026-10-21' });
    const before = openAmounts([bill1, bill2]);
    const pay = e('PAYMENT', -4_000n, '2026-10-05');
    const rev = e('PAYMENT_REVERSAL', 4_000n, '2026-10-09', { reversesEntryId: pay.id });
    const fee = e('RETURNED_PAYMENT_FEE', RETURNED_PAYMENT_FEE_CENTS, '2026-10-09', {
      dueDate: '2026-10-29',
    });
    expect(openAmounts([bill1, bill2, pay])).toEqual(
      new Map([
        [bill1.id, 0n],
        [bill2.id, 2_000n],
      ]),
    );
    const after = openAmounts([bill1, bill2, pay, rev]);
    expect(after).toEqual(before);
    expect(cancelledIds([bill1, bill2, pay, rev])).toEqual(new Set([pay.id, rev.id]));
    expect(balance([bill1, bill2, pay, rev, fee])).toBe(8_500n);
  });

  test('a reversal that does not match exactly stays an ordinary entry', () => {
    const pay = e('PAYMENT', -4_000n, '2026-10-05');
    const partial = e('PAYMENT_REVERSAL', 1_000n, '2026-10-09', { reversesEntryId: pay.id });
    const again = e('PAYMENT_REVERSAL', 4_000n, '2026-10-09', { reversesEntryId: 999n });
    expect(cancelledIds([pay, partial, again]).size).toBe(0);
    expect(allocate([pay, partial, again]).charges.map((c) => c.entry.id)).toEqual([partial.id, again.id]);
  });
});

describe('aging', () => {
  test('buckets by days past due; the due date itself is current', () => {
    expect([0, 1, 30, 31, 60, 61, 90, 91, -5].map(bucketFor)).toEqual([
      'current',
      'days1to30',
      'days1to30',
      'days31to60',
      'days31to60',
      'days61to90',
      'days61to90',
      'over90',
      'current',
    ]);
  });

  test('open charges aged as of a day, summing to the balance', () => {
    const entries = [
      e('CHARGE', 10_000n, '2026-05-01', { dueDate: '2026-05-21' }), // 193 days → over 90
      e('CHARGE', 9_000n, '2026-08-01', { dueDate: '2026-08-21' }), // 101 days → over 90
      e('CHARGE', 8_000n, '2026-09-01', { dueDate: '2026-09-21' }), // 70 → 61–90
      e('CHARGE', 7_000n, '2026-10-01', { dueDate: '2026-10-21' }), // 40 → 31–60
      e('LATE_FEE', 150n, '2026-10-22', { dueDate: '2026-11-11' }), // 19 → 1–30
      e('CHARGE', 6_000n, '2026-11-01', { dueDate: '2026-11-30' }), // current
      e('PAYMENT', -12_000n, '2026-11-15'),
    ];
    const a = aging(entries, '2026-11-30');
    expect(a.buckets).toEqual({
      current: 6_000n,
      days1to30: 150n,
      days31to60: 7_000n,
      days61to90: 8_000n,
      over90: 7_000n,
    });
    expect(a.balanceCents).toBe(28_150n);
    expect(Object.values(a.buckets).reduce((s, x) => s + x, 0n)).toBe(a.balanceCents);
    expect(a.pastDueCents).toBe(22_150n);
    expect(pastDue(entries, '2026-11-30')).toBe(22_150n);
    expect(daysBetween('2026-05-21', '2026-11-30')).toBe(193);
  });

  test('a late charge is computed on what is overdue, never on earlier late charges', () => {
    // Two $100.00 bills unpaid, and October's late charge of $1.50 unpaid: November's charge is
    // 1.5% of $200.00 = $3.00, not of $201.50 ($3.02).
    const entries = [
      e('CHARGE', 10_000n, '2026-09-01', { dueDate: '2026-09-21' }),
      e('LATE_FEE', 150n, '2026-09-22', { dueDate: '2026-10-12' }),
      e('CHARGE', 10_000n, '2026-10-01', { dueDate: '2026-10-21' }),
    ];
    expect(pastDue(entries, '2026-10-22')).toBe(20_150n);
    expect(lateChargeableCents(entries, '2026-10-22')).toBe(20_000n);
    expect(lateFeeCents(lateChargeableCents(entries, '2026-10-22'))).toBe(300n);
    // Payments go to the oldest charge first, the fee in its place: $150.00 pays September's bill,
    // the $1.50 fee and $48.50 of October's, leaving $51.50 of it to charge on.
    const paid = [...entries, e('PAYMENT', -15_000n, '2026-10-15')];
    expect(lateChargeableCents(paid, '2026-10-22')).toBe(5_150n);
    // Nothing overdue yet: nothing to charge on.
    expect(lateChargeableCents(entries, '2026-09-21')).toBe(0n);
  });

  test('as of an earlier day, later entries do not count', () => {
    const entries = [
      e('CHARGE', 5_000n, '2026-09-01', { dueDate: '2026-09-21' }),
      e('PAYMENT', -5_000n, '2026-10-15'),
    ];
    expect(aging(entries, '2026-10-01')).toMatchObject({
      balanceCents: 5_000n,
      pastDueCents: 5_000n,
      buckets: { days1to30: 5_000n },
    });
    expect(aging(entries, '2026-10-15')).toMatchObject({ balanceCents: 0n, pastDueCents: 0n });
  });
});

describe('fees and money', () => {
  test('the returned payment charge is $25.00 (Ordinance 2026-14)', () => {
    expect(RETURNED_PAYMENT_FEE_CENTS).toBe(2_500n);
  });
  test('late fee: 1.5% of the past-due amount, half-up, minimum $1.00, none when nothing is past due', () => {
    expect(lateFeeCents(0n)).toBe(0n);
    expect(lateFeeCents(-500n)).toBe(0n);
    expect(lateFeeCents(1n)).toBe(100n);
    expect(lateFeeCents(6_666n)).toBe(100n); // 99.99 → the minimum
    expect(lateFeeCents(10_000n)).toBe(150n);
    expect(lateFeeCents(10_033n)).toBe(150n); // 150.495 → 150
    expect(lateFeeCents(10_034n)).toBe(151n); // 150.51 → 151
    expect(lateFeeCents(10_100n)).toBe(152n); // 151.5 → 152 (half-up)
  });
  test('divideHalfUp rounds half away from zero', () => {
    expect([divideHalfUp(5n, 2n), divideHalfUp(-5n, 2n), divideHalfUp(4n, 3n), divideHalfUp(5n, 3n)]).toEqual(
      [3n, -3n, 1n, 2n],
    );
    expect(() => divideHalfUp(1n, 0n)).toThrow(RangeError);
  });
  test('formatting and parsing dollars', () => {
    expect(formatCents(123_456n)).toBe('$1,234.56');
    expect(formatCents(-500n)).toBe('-$5.00');
    expect(formatCents(7n)).toBe('$0.07');
    expect(parseDollars('56.96')).toBe(5_696n);
    expect(['56.9', '56', '-1.00', '1,000.00', '1e3', ''].map(parseDollars)).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
  });
});

describe('dates', () => {
  test('months add with end-of-month clamping; whole months between', () => {
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2024-02-29', 12)).toBe('2025-02-28');
    expect(addMonths('2026-11-15', -12)).toBe('2025-11-15');
    expect(fullMonthsBetween('2025-11-01', '2026-11-01')).toBe(12);
    expect(fullMonthsBetween('2025-11-02', '2026-11-01')).toBe(11);
    expect(fullMonthsBetween('2026-01-31', '2026-02-28')).toBe(1);
    expect(fullMonthsBetween('2026-03-01', '2026-02-01')).toBe(0);
    expect(() => daysBetween('2026-02-30', '2026-03-01')).toThrow(RangeError);
  });
  test('the local calendar day of an instant', () => {
    expect(isoDateIn(new Date('2026-12-01T03:00:00Z'), 'America/New_York')).toBe('2026-11-30');
    expect(isoDateIn(new Date('2026-12-01T15:00:00Z'), 'America/New_York')).toBe('2026-12-01');
  });
});

describe('localMidnight', () => {
  test('the instant a local day begins, across both clock changes', () => {
    const ny = (d: string) => localMidnight(d, 'America/New_York').toISOString();
    expect(ny('2026-10-31')).toBe('2026-10-31T04:00:00.000Z'); // EDT
    expect(ny('2026-11-01')).toBe('2026-11-01T04:00:00.000Z'); // still EDT at midnight; 25 h long
    expect(ny('2026-11-02')).toBe('2026-11-02T05:00:00.000Z'); // EST
    expect(ny('2026-12-01')).toBe('2026-12-01T05:00:00.000Z');
    expect(ny('2027-03-14')).toBe('2027-03-14T05:00:00.000Z'); // EST at midnight; 23 h long
    expect(ny('2027-03-15')).toBe('2027-03-15T04:00:00.000Z');
    expect(localMidnight('2026-11-01', 'UTC').toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(() => localMidnight('2026-02-30', 'America/New_York')).toThrow(RangeError);
  });
});

describe('returns', () => {
  test('R codes for ACH, check codes for checks, nothing for cash or card', () => {
    expect(returnRefusal('ACH', 'R01')).toBeNull();
    expect(returnRefusal('CHECK', 'NSF_CHECK')).toBeNull();
    expect(returnRefusal('LOCKBOX', 'DISHONORED_CHECK')).toBeNull();
    expect(returnRefusal('ACH', 'NSF_CHECK')).toMatchObject({ reason: 'code' });
    expect(returnRefusal('CHECK', 'R01')).toMatchObject({ reason: 'code' });
    expect(returnRefusal('CASH', 'NSF_CHECK')).toMatchObject({ reason: 'channel' });
    expect(returnRefusal('CARD', 'R01')).toMatchObject({ reason: 'channel' });
  });

  // NACHA §2.12.4: only R01/R09 (funds) and R08 (with approval) may be re-initiated; R06 is the
  // ODFI's own recall of one entry. Everything else means the account or the authorization is gone.
  test.each([
    ['R01', false],
    ['R06', false],
    ['R08', false],
    ['R09', false],
    ['R11', false],
    ['R02', true],
    ['R03', true],
    ['R04', true],
    ['R05', true],
    ['R07', true],
    ['R10', true],
    ['R12', true],
    ['R14', true],
    ['R15', true],
    ['R16', true],
    ['R20', true],
    ['R29', true],
    ['R51', true],
  ])('%s stops autopay: %s', (code, stops) => {
    expect(stopsAutopay(code)).toBe(stops);
  });

  test('each known code is described by name; an unknown R code is an ACH return', () => {
    expect(describeReturnCode('R01')).toBe('Insufficient funds');
    expect(describeReturnCode('R12')).toBe('Account sold to another DFI');
    expect(describeReturnCode('R15')).toBe('Beneficiary or account holder deceased');
    expect(describeReturnCode('R16')).toBe('Account frozen / entry returned per OFAC instruction');
    expect(describeReturnCode('R20')).toBe('Non-transaction account');
    expect(describeReturnCode('R29')).toBe('Corporate customer advises not authorized');
    expect(describeReturnCode('R51')).toMatch(/^Item related to RCK entry/);
    for (const code of [
      'R02',
      'R03',
      'R04',
      'R05',
      'R07',
      'R10',
      'R12',
      'R14',
      'R15',
      'R16',
      'R20',
      'R29',
      'R51',
    ])
      expect(describeReturnCode(code)).not.toBe('ACH return');
    expect(describeReturnCode('R99')).toBe('ACH return');
    expect(describeReturnCode('NSF_CHECK')).toBe('Check returned for insufficient funds');
  });
});

describe('matching an ACH return to its payment', () => {
  const TRACE = '043000300004400';
  const ret = { accountId: '100010', amountCents: 5_696n, originalTrace: TRACE, effectiveDate: '2026-12-01' };
  const pay = (id: string, extra: Partial<AchReturnCandidate> = {}): AchReturnCandidate => ({
    id,
    amountCents: 5_696n,
    externalRef: null,
    receivedOn: '2026-11-20',
    status: 'POSTED',
    returnedBy: null,
    ...extra,
  });
  const oct = pay('oct', { receivedOn: '2026-10-20' });

  test('the payment carrying the trace, even when an untraced one is more recent', () => {
    expect(
      matchAchReturn(ret, [pay('nov'), pay('traced', { externalRef: TRACE, receivedOn: '2026-11-01' })]),
    ).toEqual({
      kind: 'return',
      paymentId: 'traced',
    });
  });

  test('the payment carrying the trace was returned by hand: already returned, never another payment', () => {
    const nov = pay('nov', { externalRef: TRACE, status: 'RETURNED' });
    expect(matchAchReturn(ret, [nov, oct])).toEqual({ kind: 'already_returned', paymentId: 'nov' });
  });

  test('without a traced payment: the most recent untraced posted one of the amount', () => {
    expect(matchAchReturn(ret, [pay('nov'), oct])).toEqual({ kind: 'return', paymentId: 'nov' });
    expect(matchAchReturn(ret, [pay('nov', { externalRef: 'autopay-1' })])).toEqual({
      kind: 'return',
      paymentId: 'nov',
    });
  });

  test('a return recorded before returns kept their date is that trace’s return whatever its day', () => {
    const nov = pay('nov', { status: 'RETURNED', returnedBy: { originalTrace: TRACE, effectiveDate: null } });
    expect(matchAchReturn(ret, [nov, oct])).toEqual({ kind: 'already_returned', paymentId: 'nov' });
  });

  test('the same return again (file re-imported): already returned, the older payment untouched', () => {
    const nov = pay('nov', {
      status: 'RETURNED',
      returnedBy: { originalTrace: TRACE, effectiveDate: '2026-12-01' },
    });
    expect(matchAchReturn(ret, [nov, oct])).toEqual({ kind: 'already_returned', paymentId: 'nov' });
    // A different return (another date) of the same trace number is another debit.
    expect(matchAchReturn({ ...ret, effectiveDate: '2026-12-02' }, [nov, oct])).toEqual({
      kind: 'return',
      paymentId: 'oct',
    });
  });

  test('never a payment carrying another trace', () => {
    const other = pay('other', { externalRef: '043000300009999' });
    expect(matchAchReturn(ret, [other])).toEqual({
      kind: 'none',
      reason:
        'no ACH payment of $56.96 on account 100010 carries trace 043000300004400, and those of that amount carry other trace numbers',
    });
  });

  test('never a payment received after the return (a later debit reusing the trace number)', () => {
    const later = pay('later', { receivedOn: '2026-12-05' });
    const laterTraced = pay('laterTraced', { receivedOn: '2026-12-05', externalRef: TRACE });
    expect(matchAchReturn(ret, [laterTraced, later])).toEqual({
      kind: 'none',
      reason: "no ACH payment of $56.96 on account 100010 was received by the return's date 2026-12-01",
    });
    expect(matchAchReturn(ret, [laterTraced, later, oct])).toEqual({ kind: 'return', paymentId: 'oct' });
  });

  test('nothing of the amount, everything returned, the traced payment of another amount', () => {
    expect(matchAchReturn(ret, [])).toEqual({
      kind: 'none',
      reason: 'no ACH payment of $56.96 was posted on account 100010',
    });
    expect(matchAchReturn(ret, [pay('nov', { status: 'RETURNED' })])).toEqual({
      kind: 'none',
      reason: 'every ACH payment of $56.96 on account 100010 has already been returned',
    });
    expect(matchAchReturn(ret, [pay('x', { externalRef: TRACE, amountCents: 6_000n }), oct])).toEqual({
      kind: 'none',
      reason: 'the ACH payment with trace 043000300004400 on account 100010 is $60.00, not $56.96',
    });
  });
});
