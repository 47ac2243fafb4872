// Payment arrangements: terms by income tier, default rules, down-payment caps, and schedules that
// add up to the cent.
import fc from 'fast-check';
import {
  composeProfile,
  evaluate,
  evaluateArrangementRequest,
  getProfile,
  installmentSchedule,
  TX_EXTREME_WEATHER_PLAN,
} from './index';
import { addDays } from '../ledger/dates';
import { account, codes } from './test-support';
import type { AccountSnapshot, ArrangementRequest, WeatherDay } from './types';

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

describe('TX electric: deferred plan for bills due in an extreme-weather emergency (16 TAC §25.483)', () => {
  const TX = getProfile('TX_ELECTRIC', '2026-12-01');
  // Ordinary terms that refuse after a default in the last 12 months (as Illinois does): what the
  // plan must hold against.
  const STRICT = composeProfile(
    TX,
    { arrangementTerms: { ...TX.arrangementTerms, refuseIfDefaultWithinMonths: 12 } },
    { code: 'TX_STRICT', name: 'Texas electric with a default rule' },
  );
  const DUE = '2026-11-16';
  const EARLIER = '2026-10-16';
  /** Mild, recorded, no advisory: the four days up to each due date. */
  const mild = (due: string): WeatherDay[] =>
    [3, 2, 1, 0].map((back) => ({
      date: addDays(due, -back),
      forecastHighF: 70,
      observedHighF: 70,
      heatAdvisory: false,
    }));
  const withDay = (days: WeatherDay[], date: string, over: Partial<WeatherDay>) =>
    days.map((d) => (d.date === date ? { ...d, ...over } : d));
  /** A $600 bill due on DUE and a $600 bill due a month earlier; an agreement failed in June. */
  const customer = (weather: WeatherDay[], over: Partial<AccountSnapshot> = {}) =>
    account({
      oldestUnpaidDueDate: EARLIER,
      pastDueCents: 120_000n,
      pastDueBills: [
        { dueDate: EARLIER, openCents: 60_000n },
        { dueDate: DUE, openCents: 60_000n },
      ],
      arrangementDefaults: ['2026-06-01'],
      weather: [...mild(EARLIER), ...weather],
      ...over,
    });
  const ask = (s: AccountSnapshot, over: Partial<ArrangementRequest> = {}, p = STRICT) =>
    evaluateArrangementRequest(p, s, request({ installments: 3, ...over }), AT);
  const reason = (d: { reasons: { code: string }[] }, code: string) =>
    d.reasons.find((r) => r.code === code) as { code: string; cite: string; text: string } | undefined;

  it('the preset carries the plan as a parameter: 3 installments, no down payment, utility settings', () => {
    expect(TX.extremeWeatherPlan).toBe(TX_EXTREME_WEATHER_PLAN);
    expect(TX_EXTREME_WEATHER_PLAN).toMatchObject({
      code: 'TX_EXTREME_WEATHER_PLAN',
      cite: '16 TAC §25.483(j)',
      termMonths: 3,
      downPaymentPct: 0,
    });
    expect(getProfile('TX_WATER', '2026-12-01').extremeWeatherPlan).toBeNull();
    expect(getProfile('IL', '2026-12-01').extremeWeatherPlan).toBeNull();
  });

  it('a prior default is refused under the ordinary terms when no bill fell due in an emergency', () => {
    const d = ask(customer(mild(DUE)));
    expect(d.accepted).toBe(false);
    expect(d.schedule).toEqual([]);
    expect(codes(d.reasons)).toContain('TX_DEFERRED_PAYMENT_TERMS_RECENT_DEFAULT');
    expect(reason(d, 'TX_EXTREME_WEATHER_PLAN_NONE')!.text).toBe(
      'no past-due bill fell due in an extreme-weather emergency: the ordinary terms apply',
    );
  });

  it("previous day's high 32°F and the due date's forecast 32°F: the plan is granted despite the default", () => {
    const cold = withDay(withDay(mild(DUE), addDays(DUE, -1), { observedHighF: 32 }), DUE, {
      forecastHighF: 32,
    });
    const s = customer(cold);
    const d = ask(s);
    expect(d.accepted).toBe(true);
    // All the arrears are in the plan: the bill due in the emergency and the one before it.
    expect(d.coveredCents).toBe(120_000n);
    expect(d.schedule.map((i) => i.amountCents)).toEqual([40_000n, 40_000n, 40_000n]);
    expect(d.terms).toEqual({ maxMonths: 6, maxDownPaymentCents: null, minDownPaymentCents: 0n });
    expect(reason(d, 'TX_EXTREME_WEATHER_PLAN')).toEqual({
      code: 'TX_EXTREME_WEATHER_PLAN',
      cite: '16 TAC §25.483(j)',
      text: `bill due ${DUE} ($600.00 open) fell due in an extreme-weather emergency (the weather rules read for ${DUE} as for a disconnection that day: TX_EXTREME_COLD: extreme cold: previous day's high 32°F and today's forecast high 32°F at or below 32°F)`,
    });
    const granted = reason(d, 'TX_EXTREME_WEATHER_PLAN_GRANTED')!;
    expect(granted.cite).toBe('16 TAC §25.483(j)');
    expect(granted.text).toBe(
      'deferred plan granted for the $1,200.00 past due, bills due in an extreme-weather emergency among it, notwithstanding the ordinary terms (an agreement failed on 2026-06-01, within the last 12 months)',
    );
    // The same test the disconnection block applies on that day.
    const onDue = evaluate(TX, s, 'DISCONNECT', `${DUE}T12:00:00-06:00`);
    expect(codes(onDue.blocking)).toContain('TX_EXTREME_COLD');
  });

  it.each([
    ['previous day 33°F, forecast 32°F', 33, 32],
    ['previous day 32°F, forecast 33°F', 32, 33],
  ])('%s: not an emergency, the ordinary terms refuse', (_, observed, forecast) => {
    const weather = withDay(withDay(mild(DUE), addDays(DUE, -1), { observedHighF: observed }), DUE, {
      forecastHighF: forecast,
    });
    const d = ask(customer(weather));
    expect(d.accepted).toBe(false);
    expect(codes(d.reasons)).toContain('TX_EXTREME_WEATHER_PLAN_NONE');
    expect(codes(d.reasons)).not.toContain('TX_EXTREME_WEATHER_PLAN_GRANTED');
  });

  it.each([0, 1, 2])('heat advisory %i day(s) before the due date: granted', (back) => {
    const d = ask(customer(withDay(mild(DUE), addDays(DUE, -back), { heatAdvisory: true })));
    expect(d.accepted).toBe(true);
    expect(d.coveredCents).toBe(120_000n);
    expect(reason(d, 'TX_EXTREME_WEATHER_PLAN')!.text).toMatch(
      new RegExp(
        `^bill due ${DUE} \\(\\$600\\.00 open\\) fell due in an extreme-weather emergency \\(the weather rules read for ${DUE} as for a disconnection that day: TX_HEAT_ADVISORY: heat advisory on ${addDays(DUE, -back)}`,
      ),
    );
  });

  it('heat advisory three days before the due date: the ordinary terms refuse', () => {
    const d = ask(customer(withDay(mild(DUE), addDays(DUE, -3), { heatAdvisory: true })));
    expect(d.accepted).toBe(false);
    expect(codes(d.reasons)).toContain('TX_EXTREME_WEATHER_PLAN_NONE');
  });

  it('a commercial account: the plan is for residential customers, the ordinary terms apply', () => {
    const cold = withDay(withDay(mild(DUE), addDays(DUE, -1), { observedHighF: 32 }), DUE, {
      forecastHighF: 32,
    });
    const d = ask({ ...customer(cold), customerClass: 'COM' });
    expect(d.accepted).toBe(false);
    expect(reason(d, 'TX_EXTREME_WEATHER_PLAN_NONE')!.text).toBe(
      'the plan is for residential customers: the ordinary terms apply',
    );
  });

  it('every past-due bill due in an emergency: the plan covers all the arrears', () => {
    const hot = (due: string) => withDay(mild(due), due, { heatAdvisory: true });
    const d = ask(customer([], { weather: [...hot(EARLIER), ...hot(DUE)] }));
    expect(d.accepted).toBe(true);
    expect(d.coveredCents).toBe(120_000n);
    expect(reason(d, 'TX_EXTREME_WEATHER_PLAN_GRANTED')!.text).not.toMatch(/not in the plan/);
  });

  it('weather not recorded for a due date: treated as an emergency, and says so', () => {
    const d = ask(customer([]));
    expect(d.accepted).toBe(true);
    expect(d.coveredCents).toBe(120_000n);
    expect(reason(d, 'TX_EXTREME_WEATHER_PLAN_WEATHER_UNRECORDED')!.text).toMatch(
      new RegExp(
        `^bill due ${DUE} \\(\\$600\\.00 open\\): the weather for its due date is not recorded \\(TX_EXTREME_COLD: no recorded observed high for ${addDays(DUE, -1)}; TX_HEAT_ADVISORY: no recorded weather record`,
      ),
    );
  });

  it('when the ordinary terms grant the request, they do for all the arrears and the entitlement is noted', () => {
    const advisory = withDay(mild(DUE), DUE, { heatAdvisory: true });
    const d = ask(customer(advisory, { arrangementDefaults: [] }), {}, TX);
    expect(d.accepted).toBe(true);
    expect(d.coveredCents).toBe(120_000n);
    expect(reason(d, 'TX_EXTREME_WEATHER_PLAN_ENTITLED')!.text).toBe(
      'the customer may have a deferred plan of up to 6 monthly installments, no down payment required; the ordinary terms grant this request',
    );
  });

  it("the plan's own terms: at least 3 installments even where the ordinary ones allow fewer; one arrangement at a time", () => {
    const short = composeProfile(
      STRICT,
      {
        arrangementTerms: {
          ...STRICT.arrangementTerms,
          tiers: [{ maxPctFpl: null, minMonths: 1, maxMonths: 2, maxDownPaymentPct: null, label: 'all' }],
        },
      },
      { code: 'TX_SHORT', name: 'Texas electric, two-month plans' },
    );
    const s = customer(withDay(mild(DUE), DUE, { heatAdvisory: true }), { arrangementDefaults: [] });
    expect(ask(s, { installments: 3 }, short).accepted).toBe(true);
    const four = ask(s, { installments: 4 }, short);
    expect(four.accepted).toBe(false);
    expect(reason(four, 'TX_EXTREME_WEATHER_PLAN_REFUSED')!.text).toBe(
      "the customer may have a deferred plan of up to 3 monthly installments, no down payment required, but not as asked: 4 monthly installments exceed the plan's 3",
    );
    const current = ask({ ...s, arrangement: { status: 'CURRENT', since: '2026-11-01' } });
    expect(current.accepted).toBe(false);
    expect(reason(current, 'TX_EXTREME_WEATHER_PLAN_REFUSED')!.text).toMatch(
      /but not as asked: an arrangement is already current$/,
    );
  });

  it('a utility that sets a down payment: a smaller one is refused under the plan', () => {
    const withDown = composeProfile(
      STRICT,
      { extremeWeatherPlan: { ...TX_EXTREME_WEATHER_PLAN, downPaymentPct: 10 } },
      { code: 'TX_DOWN', name: 'Texas electric, 10% down' },
    );
    const s = customer(withDay(mild(DUE), DUE, { heatAdvisory: true }));
    // 10% of all the arrears ($1,200.00), which the plan covers.
    const low = ask(s, { downPaymentCents: 11_999n }, withDown);
    expect(low.accepted).toBe(false);
    expect(reason(low, 'TX_EXTREME_WEATHER_PLAN_REFUSED')!.text).toMatch(
      /down payment below the plan's \$120\.00$/,
    );
    const ok = ask(s, { downPaymentCents: 12_000n }, withDown);
    expect(ok.accepted).toBe(true);
    expect(ok.terms.minDownPaymentCents).toBe(12_000n);
    expect(sum(ok.schedule)).toBe(108_000n);
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
