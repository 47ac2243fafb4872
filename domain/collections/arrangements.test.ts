// Payment arrangements: terms by income tier, default rules, down-payment caps, and schedules that
// add up to the cent.
import fc from 'fast-check';
import { evaluateArrangementRequest, getProfile, installmentSchedule } from './index';
import { account, codes } from './test-support';
import type { AccountSnapshot, ArrangementRequest } from './types';

const AT = '2026-12-01T15:00:00Z';
const request = (over: Partial<ArrangementRequest> = {}): ArrangementRequest => ({
  arrearsCents: 120_000n,
  downPaymentCents: 0n,
  installments: 6,
  frequency: 'MONTHLY',
  firstDueDate: '2027-01-15',
  ...over,
});
const sum = (xs: { amountCents: bigint }[]) => xs.reduce((a, x) => a + x.amountCents, 0n);

describe('PA payment agreements by income (66 Pa.C.S. §1405)', () => {
  const PA = getProfile('PA', '2026-12-01');
  const at = (incomePctFpl: number | null, over: Partial<AccountSnapshot> = {}) =>
    account({ incomePctFpl, incomeVerifiedOn: incomePctFpl === null ? null : '2026-10-01', ...over });

  it.each([
    [100, 60],
    [150, 60],
    [151, 36],
    [250, 36],
    [251, 12],
    [300, 12],
    [301, 6],
  ])('%i%% FPL: up to %i months, accepted at the maximum and rejected one beyond', (pct, max) => {
    const ok = evaluateArrangementRequest(PA, at(pct), request({ installments: max }), AT);
    expect(ok.accepted).toBe(true);
    expect(ok.terms).toEqual({ maxMonths: max, maxDownPaymentCents: null, minDownPaymentCents: 0n });
    expect(ok.schedule).toHaveLength(max);
    expect(sum(ok.schedule)).toBe(120_000n);
    const tooLong = evaluateArrangementRequest(PA, at(pct), request({ installments: max + 1 }), AT);
    expect(tooLong.accepted).toBe(false);
    expect(tooLong.schedule).toEqual([]);
    expect(tooLong.reasons.find((r) => r.code === 'PA_PAYMENT_AGREEMENT_TERMS_TERM')!.text).toBe(
      `${max + 1} monthly installments exceed the ${max}-month maximum`,
    );
  });

  it('unknown income gets the longest terms until verified, and says so', () => {
    const d = evaluateArrangementRequest(PA, at(null), request({ installments: 60 }), AT);
    expect(d.accepted).toBe(true);
    expect(d.reasons[0]!.text).toBe(
      'household income is unknown: the most protective terms of every tier apply until verified (1–60 months)',
    );
  });

  it('no second agreement after a default unless income changed', () => {
    const defaulted = at(120, { arrangementDefaults: ['2026-05-01'] });
    const d = evaluateArrangementRequest(PA, defaulted, request(), AT);
    expect(d.accepted).toBe(false);
    expect(codes(d.reasons)).toContain('PA_PAYMENT_AGREEMENT_TERMS_AFTER_DEFAULT');
    const changed = evaluateArrangementRequest(
      PA,
      { ...defaulted, incomeChangedOn: '2026-08-01' },
      request(),
      AT,
    );
    expect(changed.accepted).toBe(true);
    const twice = evaluateArrangementRequest(
      PA,
      at(120, { arrangementDefaults: ['2025-05-01', '2026-05-01'] }),
      request(),
      AT,
    );
    expect(twice.reasons.find((r) => r.code.endsWith('_AFTER_DEFAULT'))!.text).toMatch(
      /after 2 defaults full payment may be required/,
    );
  });

  it('one arrangement at a time', () => {
    const d = evaluateArrangementRequest(
      PA,
      at(120, { arrangement: { status: 'CURRENT', since: '2026-09-01' } }),
      request(),
      AT,
    );
    expect(d.accepted).toBe(false);
    expect(codes(d.reasons)).toContain('PA_PAYMENT_AGREEMENT_TERMS_ALREADY_CURRENT');
  });

  it('rejects malformed requests with the field named', () => {
    const bad = (over: Partial<ArrangementRequest>) =>
      evaluateArrangementRequest(PA, at(120), request(over), AT);
    expect(bad({ firstDueDate: '2026-11-30' }).reasons.at(-1)!.text).toBe(
      'first due date 2026-11-30 is before 2026-12-01',
    );
    expect(bad({ downPaymentCents: 130_000n }).accepted).toBe(false);
    expect(bad({ downPaymentCents: 120_000n }).reasons.at(-1)!.text).toBe(
      'the down payment pays the arrears in full: no arrangement is needed',
    );
    expect(bad({ installments: 2.5 }).accepted).toBe(false);
    expect(bad({ arrearsCents: 0n }).accepted).toBe(false);
  });
});

describe('NY deferred payment agreement: down payment cap (PSL §37)', () => {
  const NY = getProfile('NY', '2026-12-01');
  it('at most the lesser of half the arrears and 3 months of the average bill', () => {
    const s = account({ averageMonthlyBillCents: 20_000n });
    const d = evaluateArrangementRequest(
      NY,
      s,
      request({ arrearsCents: 100_000n, downPaymentCents: 50_000n }),
      AT,
    );
    expect(d.accepted).toBe(true);
    expect(d.terms.maxDownPaymentCents).toBe(50_000n);
    expect(
      evaluateArrangementRequest(NY, s, request({ arrearsCents: 100_000n, downPaymentCents: 50_001n }), AT)
        .accepted,
    ).toBe(false);
    const low = evaluateArrangementRequest(
      NY,
      account({ averageMonthlyBillCents: 10_000n }),
      request({ arrearsCents: 100_000n, downPaymentCents: 30_001n }),
      AT,
    );
    expect(low.terms.maxDownPaymentCents).toBe(30_000n);
    expect(low.reasons.find((r) => r.code === 'NY_DEFERRED_PAYMENT_TERMS_DOWN_PAYMENT')!.text).toBe(
      "down payment $300.01 exceeds $300.00: the lesser of half the arrears and 3 months' average bill ($300.00)",
    );
  });

  it('without the average bill only a plan with no down payment can be accepted', () => {
    const s = account({ averageMonthlyBillCents: null });
    expect(evaluateArrangementRequest(NY, s, request({ downPaymentCents: 1n }), AT).accepted).toBe(false);
    expect(evaluateArrangementRequest(NY, s, request({ downPaymentCents: 0n }), AT).accepted).toBe(true);
  });
});

describe('IL deferred payment agreements (83 Ill. Adm. Code 280)', () => {
  const IL = getProfile('IL', '2026-12-01');
  const low = account({ incomePctFpl: 120, incomeVerifiedOn: '2026-10-01' });

  it('low income: at most 20% down, 6 to 12 billing cycles', () => {
    const d = evaluateArrangementRequest(
      IL,
      low,
      request({ arrearsCents: 100_000n, downPaymentCents: 20_000n, installments: 6 }),
      AT,
    );
    expect(d.accepted).toBe(true);
    expect(d.terms).toEqual({ maxMonths: 12, maxDownPaymentCents: 20_000n, minDownPaymentCents: 0n });
    expect(
      evaluateArrangementRequest(IL, low, request({ arrearsCents: 100_000n, downPaymentCents: 20_001n }), AT)
        .accepted,
    ).toBe(false);
    expect(evaluateArrangementRequest(IL, low, request({ installments: 5 }), AT).accepted).toBe(false);
    expect(evaluateArrangementRequest(IL, low, request({ installments: 13 }), AT).accepted).toBe(false);
  });

  it('refused when an agreement failed in the last 12 months', () => {
    const recent = evaluateArrangementRequest(
      IL,
      { ...low, arrangementDefaults: ['2026-06-01'] },
      request(),
      AT,
    );
    expect(recent.accepted).toBe(false);
    expect(recent.reasons.find((r) => r.code === 'IL_DEFERRED_PAYMENT_TERMS_RECENT_DEFAULT')!.text).toBe(
      'an agreement failed on 2026-06-01, within the last 12 months',
    );
    expect(
      evaluateArrangementRequest(IL, { ...low, arrangementDefaults: ['2025-11-30'] }, request(), AT).accepted,
    ).toBe(true);
  });
});

describe('CA energy payment plans: 3 to 12 months (CPUC D.12-03-054)', () => {
  const CA = getProfile('CA_ENERGY', '2026-12-01');
  it.each([
    [2, false],
    [3, true],
    [12, true],
    [13, false],
  ])('%i months → accepted %s', (installments, accepted) => {
    expect(evaluateArrangementRequest(CA, account(), request({ installments }), AT).accepted).toBe(accepted);
  });
});

describe('installment schedules', () => {
  it('equal whole cents with the remainder on the last; month ends clamp from the first date', () => {
    expect(installmentSchedule(100_000n, 7, '2027-01-31')).toEqual([
      { n: 1, dueDate: '2027-01-31', amountCents: 14_285n },
      { n: 2, dueDate: '2027-02-28', amountCents: 14_285n },
      { n: 3, dueDate: '2027-03-31', amountCents: 14_285n },
      { n: 4, dueDate: '2027-04-30', amountCents: 14_285n },
      { n: 5, dueDate: '2027-05-31', amountCents: 14_285n },
      { n: 6, dueDate: '2027-06-30', amountCents: 14_285n },
      { n: 7, dueDate: '2027-07-31', amountCents: 14_290n },
    ]);
  });

  it('the accepted schedule finances exactly arrears minus down payment', () => {
    const PA = getProfile('PA', '2026-12-01');
    const d = evaluateArrangementRequest(
      PA,
      account({ incomePctFpl: 100 }),
      request({ arrearsCents: 98_765n, downPaymentCents: 10_001n, installments: 11 }),
      AT,
    );
    expect(sum(d.schedule)).toBe(88_764n);
    expect(d.schedule.at(-1)!.amountCents - d.schedule[0]!.amountCents).toBe(88_764n % 11n);
  });

  it('property: any amount and count sum exactly, amounts differ by less than the count', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10_000_000_00n }),
        fc.integer({ min: 1, max: 60 }),
        (cents, n) => {
          const s = installmentSchedule(cents, n, '2027-01-31');
          expect(s).toHaveLength(n);
          expect(sum(s)).toBe(cents);
          const first = s[0]!.amountCents;
          for (const i of s.slice(0, -1)) expect(i.amountCents).toBe(first);
          const extra = s.at(-1)!.amountCents - first;
          expect(extra >= 0n && extra < BigInt(n)).toBe(true);
        },
      ),
    );
  });
});
