import {
  depositAmountCents,
  depositApplication,
  depositInterestCents,
  depositRefundDue,
  depositRequirement,
  unpaidDepositAtFinalBill,
  type HeldDeposit,
} from './deposits';
import type { Entry } from './ledger';

const newRes = { accountClass: 'RES' as const, newCustomer: true, satisfactoryHistory: false };

describe('required or waived', () => {
  test('a new residential customer with no history: 1/6 of the estimated annual billing', () => {
    const d = depositRequirement({ ...newRes, estimatedAnnualBillingCents: 90_000n });
    expect(d).toMatchObject({ required: true, amountCents: 15_000n, code: 'NEW_RESIDENTIAL_NO_HISTORY' });
    expect(d.reason).toContain('$900.00');
    expect(d.reason).toContain('$150.00');
  });

  test('rounded down to the cent: never more than 1/6', () => {
    expect(depositAmountCents(100_001n)).toBe(16_666n); // 16,666.83
    expect(depositAmountCents(100_003n)).toBe(16_667n); // 16,667.17
    expect(depositAmountCents(3n)).toBe(0n); // 0.5
    expect(depositAmountCents(2n)).toBe(0n); // 0.33
    expect(depositAmountCents(600n)).toBe(100n);
  });

  test.each([
    [{ accountClass: 'COM' as const }, 'NOT_RESIDENTIAL'],
    [{ newCustomer: false }, 'EXISTING_CUSTOMER'],
    [{ satisfactoryHistory: true }, 'SATISFACTORY_HISTORY'],
    [{ estimatedAnnualBillingCents: 0n }, 'NO_ESTIMATED_BILLING'],
  ])('waived with its reason: %o → %s', (change, code) => {
    const d = depositRequirement({ ...newRes, estimatedAnnualBillingCents: 90_000n, ...change });
    expect(d).toMatchObject({ required: false, amountCents: 0n, code });
    expect(d.reason).toMatch(/^Waived: /);
  });
});

describe('interest: 4.0% simple per year', () => {
  test('worked by hand', () => {
    expect(depositInterestCents(15_000n, 12)).toBe(600n); // $150.00 × 4% = $6.00
    expect(depositInterestCents(15_000n, 18)).toBe(900n); // × 1.5 years = $9.00
    expect(depositInterestCents(15_000n, 1)).toBe(50n); // $0.50 a month
    expect(depositInterestCents(12_345n, 12)).toBe(494n); // 493.8 → 494
    expect(depositInterestCents(12_345n, 7)).toBe(288n); // 288.05 → 288
    expect(depositInterestCents(15_000n, 0)).toBe(0n);
  });
});

const held = (heldSince: string, amountCents = 15_000n): HeldDeposit => ({
  status: 'HELD',
  amountCents,
  heldSince,
});
let id = 0n;
const entry = (
  kind: Entry['kind'],
  amountCents: bigint,
  effectiveDate: string,
  extra: Partial<Entry> = {},
): Entry => ({
  id: ++id,
  kind,
  amountCents,
  effectiveDate,
  ...extra,
});

describe('refund after 12 consecutive months of timely payment', () => {
  const bills = ['2025-12-01', '2026-01-01', '2026-02-01', '2026-03-01'].flatMap((d) => [
    entry('CHARGE', 7_500n, d, { dueDate: d.replace(/-01$/, '-21') }),
    entry('PAYMENT', -7_500n, d.replace(/-01$/, '-15')),
  ]);

  test('held 12 months with no late fee or returned payment: refund with $6.00 interest', () => {
    const r = depositRefundDue(
      { deposit: held('2025-11-15'), entries: bills, arrangements: [] },
      '2026-11-15',
    );
    expect(r).toMatchObject({ due: true, refundCents: 15_000n, interestCents: 600n, monthsHeld: 12 });
  });

  test('a converted deposit: interest from when it was held, timely months from the conversion', () => {
    const converted = { ...held('2019-06-01'), historyFrom: '2026-11-20' };
    const early = depositRefundDue({ deposit: converted, entries: bills, arrangements: [] }, '2027-06-01');
    expect(early).toMatchObject({ due: false, code: 'HELD_UNDER_12_MONTHS', eligibleOn: '2027-11-20' });
    expect(early.reason).toContain('2026-11-20');
    // 12 months after the conversion: due, with interest for every month since 2019-06-01 (101
    // months: $150.00 × 4% × 101 / 12 = $50.50).
    expect(
      depositRefundDue({ deposit: converted, entries: bills, arrangements: [] }, '2027-11-20'),
    ).toMatchObject({
      due: true,
      monthsHeld: 101,
      interestCents: 5_050n,
    });
  });

  test('not before 12 months held', () => {
    const r = depositRefundDue(
      { deposit: held('2025-11-16'), entries: bills, arrangements: [] },
      '2026-11-15',
    );
    expect(r).toMatchObject({ due: false, code: 'HELD_UNDER_12_MONTHS', eligibleOn: '2026-11-16' });
  });

  test('a late charge waived (CA water) is still a late payment: it puts the refund off the same way', () => {
    const r = depositRefundDue(
      { deposit: held('2025-01-10'), entries: bills, arrangements: [], lateChargeWaivers: ['2026-02-22'] },
      '2026-11-15',
    );
    expect(r).toMatchObject({ due: false, code: 'LATE_PAYMENT', eligibleOn: '2027-02-22' });
    expect(
      depositRefundDue(
        { deposit: held('2025-01-10'), entries: bills, arrangements: [], lateChargeWaivers: ['2025-10-01'] },
        '2026-11-15',
      ).due,
    ).toBe(true);
  });

  test('a late fee in the last 12 months puts it off until 12 months after the fee', () => {
    // The fee paid a few days later: nothing past due, only the late payment counts.
    const late = entry('LATE_FEE', 113n, '2026-02-22');
    const paid = entry('PAYMENT', -113n, '2026-02-26');
    const r = depositRefundDue(
      { deposit: held('2025-01-10'), entries: [...bills, late, paid], arrangements: [] },
      '2026-11-15',
    );
    expect(r).toMatchObject({ due: false, code: 'LATE_PAYMENT', eligibleOn: '2027-02-22' });
    expect(r.reason).toContain('2026-02-22');
    expect(
      depositRefundDue(
        { deposit: held('2025-01-10'), entries: [...bills, late, paid], arrangements: [] },
        '2027-02-22',
      ),
    ).toMatchObject({
      due: true,
      monthsHeld: 25,
      interestCents: 1_250n,
    });
  });

  test('a waived (reversed) late fee does not count; an older one does not either', () => {
    const late = entry('LATE_FEE', 113n, '2026-02-22');
    const waived = entry('ADJUSTMENT', -113n, '2026-02-25', { reversesEntryId: late.id });
    const old = entry('LATE_FEE', 100n, '2025-10-22');
    const paid = entry('PAYMENT', -100n, '2025-10-30');
    const r = depositRefundDue(
      { deposit: held('2025-01-10'), entries: [...bills, late, waived, old, paid], arrangements: [] },
      '2026-11-15',
    );
    expect(r).toMatchObject({ due: true });
  });

  test('a returned payment counts against it even though the reversal cancels the payment', () => {
    const pay = entry('PAYMENT', -7_500n, '2026-04-15');
    const rev = entry('PAYMENT_REVERSAL', 7_500n, '2026-04-20', { reversesEntryId: pay.id });
    const r = depositRefundDue(
      { deposit: held('2025-01-10'), entries: [...bills, pay, rev], arrangements: [] },
      '2026-11-15',
    );
    expect(r).toMatchObject({ due: false, code: 'RETURNED_PAYMENT', eligibleOn: '2027-04-20' });
  });

  test('arrears paid by installments are not paid in full: no refund under an arrangement, or for 12 months after it', () => {
    // Exempt from late charges under the arrangement, so no late fee shows; it still counts.
    const current = [{ from: '2026-06-01', to: null }];
    const r = depositRefundDue(
      { deposit: held('2025-01-10'), entries: bills, arrangements: current },
      '2026-11-15',
    );
    expect(r).toMatchObject({ due: false, code: 'PAYMENT_ARRANGEMENT', eligibleOn: null });
    const ended = [{ from: '2026-01-10', to: '2026-07-10' }];
    expect(
      depositRefundDue({ deposit: held('2025-01-10'), entries: bills, arrangements: ended }, '2026-11-15'),
    ).toMatchObject({ due: false, code: 'PAYMENT_ARRANGEMENT', eligibleOn: '2027-07-10' });
    expect(
      depositRefundDue({ deposit: held('2025-01-10'), entries: bills, arrangements: ended }, '2027-07-10'),
    ).toMatchObject({ due: true });
    // One that ended more than 12 months ago does not count.
    expect(
      depositRefundDue(
        {
          deposit: held('2025-01-10'),
          entries: bills,
          arrangements: [{ from: '2025-02-01', to: '2025-08-01' }],
        },
        '2026-11-15',
      ),
    ).toMatchObject({ due: true });
  });

  test('nothing may be past due on the day of the decision', () => {
    const unpaid = entry('CHARGE', 7_500n, '2026-10-01', { dueDate: '2026-10-21' });
    const r = depositRefundDue(
      { deposit: held('2025-01-10'), entries: [...bills, unpaid], arrangements: [] },
      '2026-11-15',
    );
    expect(r).toMatchObject({ due: false, code: 'PAST_DUE', eligibleOn: null });
    expect(r.reason).toContain('$75.00');
    // Billed but not yet due: timely so far.
    expect(
      depositRefundDue(
        { deposit: held('2025-01-10'), entries: [...bills, unpaid], arrangements: [] },
        '2026-10-15',
      ),
    ).toMatchObject({ due: true });
  });

  test('only a held deposit is refunded', () => {
    for (const status of ['REQUIRED', 'WAIVED', 'APPLIED', 'REFUNDED'] as const) {
      const r = depositRefundDue(
        { deposit: { status, amountCents: 15_000n, heldSince: '2020-01-01' }, entries: [], arrangements: [] },
        '2026-11-15',
      );
      expect(r).toMatchObject({ due: false, code: 'NOT_HELD', eligibleOn: null });
    }
  });
});

describe('applied on a final bill', () => {
  test('the deposit and its interest to date', () => {
    expect(depositApplication(held('2026-02-10'), '2026-11-20')).toEqual({
      appliedCents: 15_000n,
      interestCents: 450n, // 9 whole months × $0.50
      monthsHeld: 9,
    });
    expect(
      depositApplication({ status: 'REFUNDED', amountCents: 1n, heldSince: '2026-01-01' }, '2026-11-20'),
    ).toBeNull();
  });

  test('a deposit billed and partly paid: the unpaid part reversed, the paid part applied', () => {
    // $100.00 billed, $40.00 paid: $60.00 reversed, $40.00 applied (with $59.05 final: $19.05 owed).
    expect(unpaidDepositAtFinalBill(10_000n, 6_000n)).toEqual({
      reversedCents: 6_000n,
      appliedCents: 4_000n,
    });
    expect(unpaidDepositAtFinalBill(10_000n, 10_000n)).toEqual({ reversedCents: 10_000n, appliedCents: 0n });
    expect(unpaidDepositAtFinalBill(10_000n, 0n)).toEqual({ reversedCents: 0n, appliedCents: 10_000n });
    expect(() => unpaidDepositAtFinalBill(10_000n, 10_001n)).toThrow(RangeError);
  });
});
