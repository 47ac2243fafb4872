// New York, California (energy and water), Texas, Illinois, Ohio and the Millbrook municipal
// profile: each preset's own timing, windows, weather and protections, with exact instants.
import { planCase } from './case-plan';
import {
  composeProfile,
  evaluate,
  getProfile,
  IL_MUNICIPAL_GAS_WEATHER,
  VA_DISCONNECT_DAYS,
  VA_WEATHER_ELECTRIC,
} from './index';
import { account, codes, contact, notice, posted, winterNotice } from './test-support';
import type { AccountSnapshot, MedicalCertificate, WeatherDay } from './types';

describe('NY: HEFPA final notice and termination time (PSL §32)', () => {
  const NY = getProfile('NY', '2026-08-01');
  const s = (over: Partial<AccountSnapshot> = {}) =>
    account({ oldestUnpaidDueDate: '2026-08-01', notices: [notice('2026-08-21T14:00:00Z')], ...over });

  it('a final notice is not issued until 20 days past the due date', () => {
    const early = evaluate(NY, s({ notices: [] }), 'DISCONNECT_NOTICE', '2026-08-20T14:00:00Z');
    expect(codes(early.blocking)).toEqual(['NY_FINAL_NOTICE_TIMING']);
    expect(early.earliest).toBe('2026-08-21T04:00:00.000Z'); // midnight EDT
    expect(evaluate(NY, s({ notices: [] }), 'DISCONNECT_NOTICE', '2026-08-21T04:00:00Z').allowed).toBe(true);
  });

  it('20 days past due + 15 days notice: due 10-01 → notice from 10-21 → termination from 11-05', () => {
    const acct = account({
      oldestUnpaidDueDate: '2026-10-01',
      notices: [notice('2026-10-21T14:00:00Z'), contact('2026-11-02T15:00:00Z', 'PHONE', 'NOT_REACHED')],
    });
    const d = evaluate(NY, acct, 'DISCONNECT', '2026-11-04T15:00:00Z');
    expect(codes(d.blocking)).toEqual(['NY_FINAL_NOTICE', 'NY_COLD_PERIOD_CONTACT']);
    expect(d.blocking[0]!.text).toBe(
      'notice lead time not met: 15 days since 2026-10-21 (mail); termination from 2026-11-05',
    );
    // The cold-period contact of 11-02 10:00 EST needs 72 hours: 11-05 10:00 EST.
    expect(d.earliest).toBe('2026-11-05T15:00:00.000Z');
    const then = evaluate(NY, acct, 'DISCONNECT', '2026-11-05T15:00:00Z');
    expect(then.allowed).toBe(true);
    expect(codes(then.conditions)).toEqual(['NY_COLD_PERIOD_VISIT']);
  });

  it('a final notice issued before day 20 does not count', () => {
    const acct = account({
      oldestUnpaidDueDate: '2026-10-01',
      notices: [notice('2026-10-20T14:00:00Z'), contact('2026-11-02T15:00:00Z', 'PHONE')],
    });
    const d = evaluate(NY, acct, 'DISCONNECT', '2026-11-09T15:00:00Z');
    expect(codes(d.blocking)).toEqual(['NY_FINAL_NOTICE_MISSING']);
    expect(d.blocking[0]!.text).toContain('notices of 2026-10-20 came before 2026-10-21');
  });

  it('cold period (Nov 1–Apr 15): no termination without a contact attempt 72 hours before', () => {
    const d = evaluate(NY, s(), 'DISCONNECT', '2026-11-05T15:00:00Z');
    expect(codes(d.blocking)).toEqual(['NY_COLD_PERIOD_CONTACT_MISSING']);
  });

  it('only 08:00–16:00 Monday–Thursday', () => {
    const before = evaluate(NY, s(), 'DISCONNECT', '2026-09-10T11:59:00Z'); // Thursday 07:59 EDT
    expect(codes(before.blocking)).toEqual(['NY_TERMINATION_TIME_HOURS']);
    expect(before.blocking[0]!.cite).toBe('N.Y. Pub. Serv. Law §32');
    expect(before.earliest).toBe('2026-09-10T12:00:00.000Z');
    expect(evaluate(NY, s(), 'DISCONNECT', '2026-09-10T19:59:00Z').allowed).toBe(true); // 15:59
    const after = evaluate(NY, s(), 'DISCONNECT', '2026-09-10T20:00:00Z'); // 16:00 Thursday
    expect(after.allowed).toBe(false);
    expect(after.earliest).toBe('2026-09-14T12:00:00.000Z'); // Monday 08:00
    expect(evaluate(NY, s(), 'DISCONNECT', '2026-09-11T14:00:00Z').allowed).toBe(false); // Friday
  });

  it('never on a public holiday or the day before one', () => {
    // The 15 days end Saturday 09-05; Monday 09-07 is Labor Day: first day is Tuesday 09-08.
    expect(evaluate(NY, s(), 'DISCONNECT', '2026-09-04T14:00:00Z').earliest).toBe('2026-09-08T12:00:00.000Z');
    expect(evaluate(NY, s(), 'DISCONNECT', '2026-10-12T14:00:00Z').blocking[0]!.text).toBe(
      '2026-10-12 is a holiday (Columbus Day)',
    );
    // Tuesday 11-10 is the day before Veterans Day: next is Thursday 11-12 08:00 EST.
    const cold = s({ notices: [notice('2026-08-21T14:00:00Z'), contact('2026-11-02T15:00:00Z', 'PHONE')] });
    const d = evaluate(NY, cold, 'DISCONNECT', '2026-11-10T15:00:00Z');
    expect(d.blocking[0]!.text).toBe('2026-11-10 is the day before a holiday (2026-11-11, Veterans Day)');
    expect(d.earliest).toBe('2026-11-12T13:00:00.000Z');
  });

  it('a phone medical certification holds only until the written one is due (5 business days)', () => {
    const phone = {
      receivedAt: '2026-09-08',
      validUntil: '2026-10-08',
      kind: 'PHONE' as const,
      renewalNumber: 0,
      arrearsCents: 25_000n,
    };
    const onlyPhone = evaluate(NY, s({ medicalCertificates: [phone] }), 'DISCONNECT', '2026-09-14T14:00:00Z');
    expect(onlyPhone.blocking[0]!.text).toBe(
      'medical certificate (phone) received 2026-09-08 protects through 2026-09-15; a phone certificate holds only until the written one is due (2026-09-15)',
    );
    expect(
      evaluate(NY, s({ medicalCertificates: [phone] }), 'DISCONNECT', '2026-09-16T14:00:00Z').allowed,
    ).toBe(true);
    const written = { ...phone, receivedAt: '2026-09-14', kind: 'WRITTEN' as const };
    expect(
      evaluate(NY, s({ medicalCertificates: [phone, written] }), 'DISCONNECT', '2026-09-16T14:00:00Z')
        .allowed,
    ).toBe(false);
  });
});

describe('NY: a medical certificate renewal needs a showing of inability to pay (16 NYCRR 11.5)', () => {
  const NY = getProfile('NY', '2026-08-01');
  const first = {
    receivedAt: '2026-09-01',
    validUntil: '2026-09-30',
    kind: 'WRITTEN' as const,
    renewalNumber: 0,
    arrearsCents: 25_000n,
  };
  const renewal = { ...first, receivedAt: '2026-09-30', validUntil: '2026-10-30', renewalNumber: 1 };
  const s = (certs: MedicalCertificate[]) =>
    account({
      oldestUnpaidDueDate: '2026-08-01',
      notices: [notice('2026-08-21T14:00:00Z')],
      medicalCertificates: certs,
    });
  const at = '2026-10-13T14:00:00Z'; // Tuesday 10:00 EDT

  it("the first certificate protects on the physician's word alone", () => {
    expect(codes(evaluate(NY, s([first]), 'DISCONNECT', '2026-09-15T14:00:00Z').blocking)).toEqual([
      'NY_MEDICAL_EMERGENCY',
    ]);
  });

  it('a renewal without the showing does not protect; with it, it does', () => {
    const without = evaluate(NY, s([first, renewal]), 'DISCONNECT', at);
    expect(without.allowed).toBe(true);
    expect(without.reasons.find((r) => r.code === 'NY_MEDICAL_EMERGENCY_CONDITIONS_UNMET')!.text).toBe(
      'certificate received 2026-09-30 does not protect: a renewal needs a showing that the customer cannot pay, and none is recorded',
    );
    const withShowing = evaluate(NY, s([first, { ...renewal, inabilityToPay: true }]), 'DISCONNECT', at);
    expect(codes(withShowing.blocking)).toEqual(['NY_MEDICAL_EMERGENCY']);
  });

  it('a board of health may certify; a certifier the rule does not name may not', () => {
    expect(
      codes(
        evaluate(NY, s([{ ...first, certifier: 'BOARD_OF_HEALTH' }]), 'DISCONNECT', '2026-09-15T14:00:00Z')
          .blocking,
      ),
    ).toEqual(['NY_MEDICAL_EMERGENCY']);
    expect(
      evaluate(NY, s([{ ...first, certifier: 'OTHER' }]), 'DISCONNECT', '2026-09-15T14:00:00Z').allowed,
    ).toBe(true);
  });
});

describe('CA energy: PUC §779.1', () => {
  const CA = getProfile('CA_ENERGY', '2026-10-01');
  const base = (over: Partial<AccountSnapshot> = {}) =>
    account({ service: 'GAS', oldestUnpaidDueDate: '2026-10-20', billMailedOn: '2026-10-01', ...over });

  it('the 10-day notice goes out no earlier than day 19 after mailing, and only once past due', () => {
    const d = evaluate(CA, base(), 'DISCONNECT_NOTICE', '2026-10-20T17:00:00Z');
    expect(codes(d.blocking)).toEqual(['CA_NOTICE_TIMING']);
    expect(d.earliest).toBe('2026-10-21T07:00:00.000Z'); // midnight PDT
    const late = evaluate(
      CA,
      base({ billMailedOn: '2026-10-05' }),
      'DISCONNECT_NOTICE',
      '2026-10-21T17:00:00Z',
    );
    expect(late.blocking[0]!.text).toBe(
      '1 day(s) past due; a notice may go out from 2026-10-24 (day 19 after the bill was mailed on 2026-10-05)',
    );
  });

  it('without the mail date the notice cannot be timed, so it is refused', () => {
    const d = evaluate(CA, base({ billMailedOn: null }), 'DISCONNECT_NOTICE', '2026-10-25T17:00:00Z');
    expect(codes(d.blocking)).toEqual(['CA_NOTICE_TIMING_UNVERIFIABLE']);
    expect(d.earliest).toBeNull();
  });

  it('the 10 days run from 5 days after mailing; a reached contact 24 hours before', () => {
    const acct = base({
      notices: [notice('2026-10-21T17:00:00Z', 'MAIL'), contact('2026-11-03T18:00:00Z', 'PHONE', 'REACHED')],
    });
    const d = evaluate(CA, acct, 'DISCONNECT', '2026-11-04T18:00:00Z');
    expect(d.blocking[0]!.text).toBe(
      'notice lead time not met: 10 days counted from 2026-10-26, 5 days after mailing on 2026-10-21; termination from 2026-11-05',
    );
    expect(d.earliest).toBe('2026-11-05T16:00:00.000Z'); // 08:00 PST
  });

  it('a copy emailed with the mailed notice does not bring the day forward: the date printed on it binds', () => {
    // Mailed and emailed on 2026-10-21; the notice says service stays on until 2026-11-05. The
    // emailed copy alone would meet 10 days on 2026-10-31.
    const printed = { onOrAfter: '2026-11-05' };
    const acct = base({
      notices: [
        { ...notice('2026-10-21T17:00:00Z', 'MAIL'), ...printed },
        { ...notice('2026-10-21T17:00:00Z', 'EMAIL'), ...printed },
        contact('2026-11-03T18:00:00Z', 'PHONE', 'REACHED'),
      ],
    });
    const d = evaluate(CA, acct, 'DISCONNECT', '2026-11-04T18:00:00Z');
    expect(codes(d.blocking)).toEqual(['CA_TEN_DAY_NOTICE']);
    expect(d.earliest).toBe('2026-11-05T16:00:00.000Z');
    // The emailed copy on its own (the mailed one lost, say) still holds to its date.
    const emailed = base({
      notices: [
        { ...notice('2026-10-21T17:00:00Z', 'EMAIL'), ...printed },
        contact('2026-11-03T18:00:00Z', 'PHONE', 'REACHED'),
      ],
    });
    const e = evaluate(CA, emailed, 'DISCONNECT', '2026-11-04T18:00:00Z');
    expect(e.blocking[0]!.text).toMatch(/the notice gives the customer until 2026-11-05/);
    expect(e.earliest).toBe('2026-11-05T16:00:00.000Z');
    // Without the printed date, the email would have allowed it already.
    const bare = base({
      notices: [notice('2026-10-21T17:00:00Z', 'EMAIL'), contact('2026-11-03T18:00:00Z', 'PHONE', 'REACHED')],
    });
    expect(evaluate(CA, bare, 'DISCONNECT', '2026-11-04T18:00:00Z').allowed).toBe(true);
  });

  it('nobody reached: a notice posted 48 hours before instead', () => {
    const acct = base({
      notices: [
        notice('2026-10-21T17:00:00Z'),
        contact('2026-11-03T18:00:00Z', 'PHONE', 'NOT_REACHED'),
        posted('2026-11-04T18:00:00Z'),
      ],
    });
    const d = evaluate(CA, acct, 'DISCONNECT', '2026-11-05T17:00:00Z');
    expect(codes(d.blocking)).toEqual(['CA_24_HOUR_CONTACT']);
    expect(d.earliest).toBe('2026-11-06T18:00:00.000Z');
    const none = base({
      notices: [notice('2026-10-21T17:00:00Z'), contact('2026-11-03T18:00:00Z', 'PHONE', 'NOT_REACHED')],
    });
    expect(codes(evaluate(CA, none, 'DISCONNECT', '2026-11-05T17:00:00Z').blocking)).toEqual([
      'CA_24_HOUR_CONTACT_MISSING',
    ]);
  });

  it('the case calls again after a new notice rather than post on an attempt made before it', () => {
    const stale = base({
      notices: [
        notice('2026-10-21T17:00:00Z'),
        contact('2026-10-22T18:00:00Z', 'PHONE', 'NOT_REACHED'),
        notice('2026-11-02T17:00:00Z'),
      ],
    });
    expect(planCase(CA, stale, '2026-11-03T18:00:00Z').action).toBe('SHORT_NOTICE_CONTACT');
    const fresh = base({
      notices: [notice('2026-11-02T17:00:00Z'), contact('2026-11-03T18:00:00Z', 'PHONE', 'NOT_REACHED')],
    });
    expect(planCase(CA, fresh, '2026-11-03T19:00:00Z').action).toBe('POSTED_NOTICE');
  });

  it('a posted notice without an attempt to reach anyone before it does not count', () => {
    const postedOnly = base({ notices: [notice('2026-10-21T17:00:00Z'), posted('2026-11-04T18:00:00Z')] });
    const d = evaluate(CA, postedOnly, 'DISCONNECT', '2026-11-06T19:00:00Z');
    expect(d.allowed).toBe(false);
    expect(codes(d.blocking)).toEqual(['CA_24_HOUR_CONTACT_MISSING']);
    expect(d.blocking[0]!.cite).toBe('Cal. Pub. Util. Code §779.1');
    expect(d.blocking[0]!.text).toMatch(
      /the notice posted .* does not count: no attempt to reach the customer came before it\)$/,
    );
    // An attempt made only after the posting does not make it count either.
    const late = base({
      notices: [
        notice('2026-10-21T17:00:00Z'),
        posted('2026-11-04T18:00:00Z'),
        contact('2026-11-05T18:00:00Z', 'PHONE', 'NOT_REACHED'),
      ],
    });
    expect(codes(evaluate(CA, late, 'DISCONNECT', '2026-11-06T19:00:00Z').blocking)).toEqual([
      'CA_24_HOUR_CONTACT_MISSING',
    ]);
  });

  const certified = (over: Partial<MedicalCertificate> = {}) =>
    base({
      notices: [notice('2026-10-21T17:00:00Z'), contact('2026-11-03T18:00:00Z', 'PHONE', 'REACHED')],
      medicalCertificates: [
        {
          receivedAt: '2026-11-01',
          validUntil: '2027-01-31',
          kind: 'WRITTEN',
          renewalNumber: 0,
          arrearsCents: 0n,
          inabilityToPay: true,
          agreesToPlan: true,
          ...over,
        },
      ],
    });

  it('a medical certificate blocks: a physician certifies, the customer cannot pay and agrees to amortize (§779(b))', () => {
    const d = evaluate(CA, certified(), 'DISCONNECT', '2026-11-05T17:00:00Z');
    expect(codes(d.blocking)).toEqual(['CA_MEDICAL']);
    expect(d.blocking[0]!.cite).toBe('Cal. Pub. Util. Code §779(b)');
  });

  it('a certificate without the showing of inability to pay, or without the amortization agreement, does not protect', () => {
    const noShowing = evaluate(
      CA,
      certified({ inabilityToPay: false }),
      'DISCONNECT',
      '2026-11-05T17:00:00Z',
    );
    expect(noShowing.allowed).toBe(true);
    expect(noShowing.reasons.find((r) => r.code === 'CA_MEDICAL_CONDITIONS_UNMET')!.text).toBe(
      'certificate received 2026-11-01 does not protect: the customer has not shown that they cannot pay',
    );
    const noPlan = evaluate(CA, certified({ agreesToPlan: undefined }), 'DISCONNECT', '2026-11-05T17:00:00Z');
    expect(noPlan.allowed).toBe(true);
    expect(noPlan.reasons.find((r) => r.code === 'CA_MEDICAL_CONDITIONS_UNMET')!.text).toMatch(
      /has not agreed to a payment plan$/,
    );
    const nurse = evaluate(
      CA,
      certified({ certifier: 'NURSE_PRACTITIONER' }),
      'DISCONNECT',
      '2026-11-05T17:00:00Z',
    );
    expect(nurse.reasons.find((r) => r.code === 'CA_MEDICAL_CONDITIONS_UNMET')!.text).toMatch(
      /certified by a nurse practitioner; the rule accepts a physician$/,
    );
  });
});

describe('CA water: SB 998 (Health & Safety Code §116908)', () => {
  const CW = getProfile('CA_WATER', '2026-09-01');
  const acct = (over: Partial<AccountSnapshot> = {}) =>
    account({
      service: 'WATER',
      oldestUnpaidDueDate: '2026-09-01',
      notices: [notice('2026-10-01T17:00:00Z', 'PHONE')],
      ...over,
    });

  it('never before 60 days delinquent, even with the 7-business-day contact long done', () => {
    const d = evaluate(CW, acct(), 'DISCONNECT', '2026-10-30T17:00:00Z');
    expect(d.blocking).toEqual([
      {
        code: 'CA_WATER_60_DAYS',
        cite: 'Cal. Health & Safety Code §116908(a)(1)(A)',
        text: '59 day(s) delinquent since 2026-09-01; no shutoff before 60 days (2026-10-31)',
      },
    ]);
    expect(d.earliest).toBe('2026-11-02T16:00:00.000Z'); // Monday 08:00 PST
  });

  it('contact at least 7 business days before', () => {
    const d = evaluate(
      CW,
      acct({ notices: [notice('2026-10-26T17:00:00Z', 'MAIL')] }),
      'DISCONNECT',
      '2026-11-02T17:00:00Z',
    );
    expect(d.blocking[0]!.text).toBe(
      'notice lead time not met: 7 business days since 2026-10-26 (mail); termination from 2026-11-04',
    );
    expect(d.earliest).toBe('2026-11-04T16:00:00.000Z');
  });

  it('after an arrangement default: 60 days in default, then a 5-business-day notice after that', () => {
    const defaulted = acct({
      arrangement: { status: 'DEFAULTED', since: '2026-09-10', defaultedOn: '2026-10-01' },
    });
    const grace = evaluate(CW, defaulted, 'DISCONNECT', '2026-11-16T17:00:00Z');
    expect(codes(grace.blocking)).toContain('CA_WATER_PAYMENT_PLAN_DEFAULT_GRACE');
    expect(codes(grace.protections)).toEqual(['CA_WATER_PAYMENT_PLAN_DEFAULT_GRACE']);
    const noNotice = evaluate(CW, defaulted, 'DISCONNECT', '2026-12-01T17:00:00Z');
    // The notice owed is the post-default one (§116910(b)), not §116908's 7-business-day notice.
    expect(codes(noNotice.blocking)).toEqual(['CA_WATER_PAYMENT_PLAN_DEFAULT_NOTICE_MISSING']);
    expect(noNotice.blocking[0]!.cite).toBe('Cal. Health & Safety Code §116910(b)');
    // The case sends that notice (it does not wait for the facts to change).
    expect(planCase(CW, defaulted, '2026-12-01T17:00:00Z')).toMatchObject({
      action: 'DISCONNECT_NOTICE',
      now: true,
    });
    const withPosting = acct({
      arrangement: { status: 'DEFAULTED', since: '2026-09-10', defaultedOn: '2026-10-01' },
      notices: [notice('2026-10-01T17:00:00Z', 'PHONE'), posted('2026-11-30T17:00:00Z')],
    });
    const d = evaluate(CW, withPosting, 'DISCONNECT', '2026-12-01T17:00:00Z');
    expect(d.blocking[0]!.text).toBe(
      'notice lead time not met: 5 business days since the post-default notice of 2026-11-30; termination from 2026-12-07',
    );
    expect(d.blocking[0]!.code).toBe('CA_WATER_PAYMENT_PLAN_DEFAULT_NOTICE');
    expect(d.earliest).toBe('2026-12-07T16:00:00.000Z');
  });

  it('refuses an account its profile does not govern', () => {
    const d = evaluate(CW, acct({ service: 'ELECTRIC' }), 'DISCONNECT', '2026-11-02T17:00:00Z');
    expect(codes(d.blocking)).toContain('PROFILE_NOT_FOR_SERVICE');
    expect(d.earliest).toBeNull();
  });
});

describe('TX electric: extreme weather (16 TAC §25.483(j))', () => {
  const TX = getProfile('TX_ELECTRIC', '2026-07-01');
  const days = (from: string, n: number, f: (date: string, i: number) => Partial<WeatherDay>): WeatherDay[] =>
    Array.from({ length: n }, (_, i) => {
      const date = new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10);
      return { date, forecastHighF: 96, observedHighF: 96, ...f(date, i) };
    });
  const summer = (weather: WeatherDay[]) =>
    account({ oldestUnpaidDueDate: '2026-06-20', notices: [notice('2026-07-01T15:00:00Z')], weather });
  const july = days('2026-07-08', 14, (d) => ({ heatAdvisory: d === '2026-07-14' }));

  it('lawful the day before the heat advisory', () => {
    expect(evaluate(TX, summer(july), 'DISCONNECT', '2026-07-13T15:00:00Z').allowed).toBe(true);
  });

  it.each(['2026-07-14', '2026-07-15', '2026-07-16'])(
    'held on %s (the advisory day and the two after it)',
    (date) => {
      const d = evaluate(TX, summer(july), 'DISCONNECT', `${date}T15:00:00Z`);
      expect(d.blocking).toEqual([
        {
          code: 'TX_HEAT_ADVISORY',
          cite: '16 TAC §25.483(j)',
          text: 'heat advisory on 2026-07-14: no disconnection that day or the 2 days after (through 2026-07-16)',
        },
      ]);
      expect(codes(d.protections)).toEqual(['TX_HEAT_ADVISORY']);
      expect(d.earliest).toBe('2026-07-17T13:00:00.000Z'); // Friday 08:00 CDT
    },
  );

  it('missing weather for a day that matters: refused, naming the date', () => {
    const gap = july.filter((w) => w.date !== '2026-07-17');
    const d = evaluate(TX, summer(gap), 'DISCONNECT', '2026-07-17T15:00:00Z');
    expect(codes(d.blocking)).toEqual(['WEATHER_DATA_MISSING']);
    expect(d.blocking[0]!.text).toBe(
      'TX_HEAT_ADVISORY: no recorded weather record (heat advisory) for 2026-07-17: disconnection is refused until the weather is recorded',
    );
    expect(d.earliest).toBeNull();
    // Searching forward from the advisory runs into the same gap: no earliest date.
    const held = evaluate(TX, summer(gap), 'DISCONNECT', '2026-07-16T15:00:00Z');
    expect(held.earliest).toBeNull();
    expect(codes(held.earliestReasons)).toContain('WEATHER_DATA_MISSING');
    // No weather at all.
    expect(codes(evaluate(TX, summer([]), 'DISCONNECT', '2026-07-13T15:00:00Z').blocking)).toEqual([
      'WEATHER_DATA_MISSING',
      'WEATHER_DATA_MISSING',
    ]);
  });

  describe('cold: previous day observed high <= 32°F and forecast <= 32°F', () => {
    const winter = (yesterday: Partial<WeatherDay>, today: Partial<WeatherDay>) =>
      account({
        oldestUnpaidDueDate: '2026-12-20',
        notices: [notice('2026-12-28T15:00:00Z')],
        weather: [
          { date: '2027-01-10', observedHighF: 40 },
          { date: '2027-01-11', ...yesterday },
          { date: '2027-01-12', ...today },
        ],
      });
    const at = '2027-01-12T16:00:00Z'; // Tuesday 10:00 CST

    it('held when both are at or below freezing', () => {
      const d = evaluate(TX, winter({ observedHighF: 30 }, { forecastHighF: 31 }), 'DISCONNECT', at);
      expect(d.blocking[0]!.text).toBe(
        "extreme cold: previous day's high 30°F and today's forecast high 31°F at or below 32°F",
      );
    });
    it('lawful when the forecast is above freezing', () => {
      expect(
        evaluate(TX, winter({ observedHighF: 30 }, { forecastHighF: 40 }), 'DISCONNECT', at).allowed,
      ).toBe(true);
    });
    it('lawful when the previous day was above freezing (the forecast is then not needed)', () => {
      expect(evaluate(TX, winter({ observedHighF: 35 }, {}), 'DISCONNECT', at).allowed).toBe(true);
    });
    it('refused when the previous day has a record but no observed high', () => {
      const d = evaluate(TX, winter({ forecastHighF: 30 }, { forecastHighF: 30 }), 'DISCONNECT', at);
      expect(d.blocking[0]!.text).toContain('observed high for 2027-01-11');
    });
  });
});

describe('TX electric: critical-care households (16 TAC §25.483(g)(2)(B))', () => {
  const TX = getProfile('TX_ELECTRIC', '2026-07-01');
  const at = '2026-07-13T15:00:00Z'; // Monday 10:00 CDT, 12 days after the notice
  const weather: WeatherDay[] = ['2026-07-10', '2026-07-11', '2026-07-12', '2026-07-13'].map((date) => ({
    date,
    forecastHighF: 90,
    observedHighF: 90,
    heatAdvisory: false,
  }));
  const designated = { from: '2025-03-01', until: '2027-02-28', emergencyContact: true };
  const emergency = (sentAt: string, outcome: 'REACHED' | 'NOT_REACHED') => ({
    ...contact(sentAt, 'PHONE', outcome),
    recipient: 'EMERGENCY_CONTACT' as const,
  });
  const s = (over: Partial<AccountSnapshot> = {}) =>
    account({
      oldestUnpaidDueDate: '2026-06-20',
      notices: [notice('2026-07-01T15:00:00Z')],
      weather,
      criticalCare: designated,
      ...over,
    });
  const withNotices = (...more: AccountSnapshot['notices']) =>
    s({ notices: [notice('2026-07-01T15:00:00Z'), ...more] });

  it('without the designation the notice alone is enough', () => {
    expect(evaluate(TX, s({ criticalCare: null }), 'DISCONNECT', at).allowed).toBe(true);
  });

  it('designated: the customer and the emergency contact are contacted first; the case calls', () => {
    const d = evaluate(TX, s(), 'DISCONNECT', at);
    expect(d.blocking).toEqual([
      {
        code: 'TX_CRITICAL_CARE_CONTACT_MISSING',
        cite: '16 TAC §25.483(g)(2)(B); §25.497',
        text: 'critical-care household (designated until 2027-02-28): contact the customer and the emergency contact before disconnection',
      },
    ]);
    expect(planCase(TX, s(), at)).toMatchObject({ action: 'SHORT_NOTICE_CONTACT', now: true });
  });

  it('a call to the customer alone does not do: the emergency contact is called too', () => {
    const d = evaluate(
      TX,
      withNotices(contact('2026-07-10T15:00:00Z', 'PHONE', 'REACHED')),
      'DISCONNECT',
      at,
    );
    expect(codes(d.blocking)).toEqual(['TX_CRITICAL_CARE_CONTACT_MISSING']);
  });

  it('both reached by phone: lawful', () => {
    const d = evaluate(
      TX,
      withNotices(
        contact('2026-07-10T15:00:00Z', 'PHONE', 'REACHED'),
        emergency('2026-07-10T15:05:00Z', 'REACHED'),
      ),
      'DISCONNECT',
      at,
    );
    expect(d.allowed).toBe(true);
    expect(d.reasons.find((r) => r.code === 'TX_CRITICAL_CARE')!.text).toBe(
      'critical-care household (designated until 2027-02-28): the customer and the emergency contact reached since the notice of 2026-07-01',
    );
  });

  it('calls that reach nobody: a visit, and a door hanger when nobody answers', () => {
    const calls = [
      contact('2026-07-10T15:00:00Z', 'PHONE', 'NOT_REACHED'),
      emergency('2026-07-10T15:05:00Z', 'NOT_REACHED'),
    ];
    const d = evaluate(TX, withNotices(...calls), 'DISCONNECT', at);
    expect(codes(d.blocking)).toEqual(['TX_CRITICAL_CARE_VISIT_MISSING']);
    expect(planCase(TX, withNotices(...calls), at)).toMatchObject({ action: 'POSTED_NOTICE', now: true });
    expect(
      evaluate(TX, withNotices(...calls, posted('2026-07-11T15:00:00Z')), 'DISCONNECT', at).allowed,
    ).toBe(true);
    // A door hanger stating a later date holds the act until that date's first moment.
    const hanger = { ...posted('2026-07-11T15:00:00Z'), onOrAfter: '2026-07-14' };
    const held = evaluate(TX, withNotices(...calls, hanger), 'DISCONNECT', at);
    expect(codes(held.blocking)).toEqual(['TX_CRITICAL_CARE']);
    expect(held.blocking[0]!.text).toMatch(
      /says service may be disconnected on or after 2026-07-14: not before$/,
    );
    const tuesday = s({
      notices: [notice('2026-07-01T15:00:00Z'), ...calls, hanger],
      weather: [
        ...weather,
        { date: '2026-07-14', forecastHighF: 90, observedHighF: 90, heatAdvisory: false },
      ],
    });
    expect(evaluate(TX, tuesday, 'DISCONNECT', '2026-07-14T15:00:00Z').allowed).toBe(true);
    // Someone answered the door: no hanger needed.
    const visit = contact('2026-07-11T15:00:00Z', 'IN_PERSON', 'REACHED');
    expect(evaluate(TX, withNotices(...calls, visit), 'DISCONNECT', at).allowed).toBe(true);
    // The visit follows the calls: a hanger left before them does not count.
    expect(
      codes(evaluate(TX, withNotices(posted('2026-07-09T15:00:00Z'), ...calls), 'DISCONNECT', at).blocking),
    ).toEqual(['TX_CRITICAL_CARE_VISIT_MISSING']);
    // Reaching the customer at the door does not excuse calling the emergency contact.
    expect(codes(evaluate(TX, withNotices(visit), 'DISCONNECT', at).blocking)).toEqual([
      'TX_CRITICAL_CARE_CONTACT_MISSING',
    ]);
  });

  it('contacts before the written notice do not count; an emergency contact call is not the customer contact', () => {
    const early = s({
      notices: [
        contact('2026-06-30T15:00:00Z', 'PHONE', 'REACHED'),
        emergency('2026-06-30T15:05:00Z', 'REACHED'),
        notice('2026-07-01T15:00:00Z'),
      ],
    });
    expect(codes(evaluate(TX, early, 'DISCONNECT', at).blocking)).toEqual([
      'TX_CRITICAL_CARE_CONTACT_MISSING',
    ]);
    const onlyEmergency = withNotices(emergency('2026-07-10T15:05:00Z', 'REACHED'));
    expect(codes(evaluate(TX, onlyEmergency, 'DISCONNECT', at).blocking)).toEqual([
      'TX_CRITICAL_CARE_CONTACT_MISSING',
    ]);
  });

  it('no emergency contact on the application: the customer alone', () => {
    const d = evaluate(
      TX,
      s({
        criticalCare: { ...designated, emergencyContact: false },
        notices: [notice('2026-07-01T15:00:00Z'), contact('2026-07-10T15:00:00Z', 'PHONE', 'REACHED')],
      }),
      'DISCONNECT',
      at,
    );
    expect(d.allowed).toBe(true);
  });

  it('an expired designation no longer applies; profiles without the rule ignore it', () => {
    const lapsed = s({ criticalCare: { ...designated, until: '2026-07-12' } });
    expect(evaluate(TX, lapsed, 'DISCONNECT', at).allowed).toBe(true);
    const PA = getProfile('PA', '2026-07-01');
    expect(codes(evaluate(PA, s(), 'DISCONNECT', at).blocking)).not.toContain(
      'TX_CRITICAL_CARE_CONTACT_MISSING',
    );
  });
});

describe('TX water: 16 TAC §24.167', () => {
  const TW = getProfile('TX_WATER', '2026-07-01');
  const s = (over: Partial<AccountSnapshot> = {}) =>
    account({ service: 'WATER', oldestUnpaidDueDate: '2026-06-20', ...over });

  it('a termination notice gives at least ten days: sent Wednesday 07-01, lawful from Monday 07-13', () => {
    const sent = s({ notices: [notice('2026-07-01T15:00:00Z')] });
    const d = evaluate(TW, sent, 'DISCONNECT', '2026-07-10T15:00:00Z');
    expect(codes(d.blocking)).toEqual(['TX_WATER_TERMINATION_NOTICE']);
    expect(d.blocking[0]!.cite).toBe('16 TAC §24.167(a)(1)');
    // 10 days run out Saturday 07-11; the first weekday after is Monday 07-13, 08:00 CDT.
    expect(d.earliest).toBe('2026-07-13T13:00:00.000Z');
  });

  it('no notice, no disconnection; a kept deferred payment agreement protects', () => {
    expect(codes(evaluate(TW, s(), 'DISCONNECT', '2026-07-13T15:00:00Z').blocking)).toContain(
      'TX_WATER_TERMINATION_NOTICE_MISSING',
    );
    const arranged = s({
      notices: [notice('2026-07-01T15:00:00Z')],
      arrangement: { status: 'CURRENT', since: '2026-07-05' },
    });
    expect(codes(evaluate(TW, arranged, 'DISCONNECT', '2026-07-13T15:00:00Z').protections)).toEqual([
      'TX_WATER_DEFERRED_PAYMENT_AGREEMENT_CURRENT',
    ]);
  });
});

describe('Illinois: weather, winter notification and medical certificates', () => {
  const IL = getProfile('IL', '2026-12-01');
  const lows = (byDate: Record<string, number>): WeatherDay[] =>
    Object.entries(byDate).map(([date, low]) => ({ date, forecastLowF: low, forecastHighF: low + 15 }));
  // Forecast lows for 2026-12-04 .. 2026-12-16, all above freezing.
  const warm: Record<string, number> = Object.fromEntries(
    Array.from({ length: 13 }, (_, i) => [`2026-12-${String(4 + i).padStart(2, '0')}`, 35 + (i % 5)]),
  );
  const heated = (over: Partial<AccountSnapshot> = {}) =>
    account({
      service: 'GAS',
      heating: true,
      oldestUnpaidDueDate: '2026-11-20',
      notices: [notice('2026-12-01T16:00:00Z', 'MAIL'), winterNotice('2026-12-01T16:00:00Z')],
      weather: lows(warm),
      ...over,
    });

  it('lawful after 8 days by mail and 6 business days after the winter notification', () => {
    expect(evaluate(IL, heated(), 'DISCONNECT', '2026-12-08T16:00:00Z').earliest).toBe(
      '2026-12-09T14:00:00.000Z',
    );
    expect(evaluate(IL, heated(), 'DISCONNECT', '2026-12-09T16:00:00Z').allowed).toBe(true);
  });

  it('no winter heating disconnection without the winter notification', () => {
    const d = evaluate(
      IL,
      heated({ notices: [notice('2026-12-01T16:00:00Z')] }),
      'DISCONNECT',
      '2026-12-09T16:00:00Z',
    );
    expect(codes(d.blocking)).toEqual(['IL_WINTER_NOTIFICATION_MISSING']);
  });

  it('next-24-hour forecast at or below 32°F holds it', () => {
    const d = evaluate(
      IL,
      heated({ weather: lows({ ...warm, '2026-12-10': 30 }) }),
      'DISCONNECT',
      '2026-12-09T16:00:00Z',
    );
    expect(codes(d.blocking)).toEqual(['IL_FORECAST_COLD']);
    expect(codes(d.protections)).toEqual(['IL_FORECAST_COLD']);
    expect(d.earliest).toBe('2026-12-11T14:00:00.000Z');
  });

  it('not the day before a weekend when freezing is forecast for it', () => {
    const d = evaluate(
      IL,
      heated({ weather: lows({ ...warm, '2026-12-13': 20 }) }),
      'DISCONNECT',
      '2026-12-11T16:00:00Z',
    );
    expect(d.blocking[0]).toEqual({
      code: 'IL_COLD_BEFORE_WEEKEND_OR_HOLIDAY',
      cite: '220 ILCS 5/8-205(a)(2)',
      text: 'day before a weekend or holiday (2026-12-12, 2026-12-13) with forecast low 20°F on 2026-12-13: at or below 32°F',
    });
    expect(d.earliest).toBe('2026-12-14T14:00:00.000Z');
    expect(evaluate(IL, heated(), 'DISCONNECT', '2026-12-11T16:00:00Z').allowed).toBe(true);
  });

  it('a notice by other means than mail needs 5 days', () => {
    const s = heated({
      notices: [notice('2026-12-01T16:00:00Z', 'IN_PERSON'), winterNotice('2026-11-25T16:00:00Z')],
    });
    expect(evaluate(IL, s, 'DISCONNECT', '2026-12-04T16:00:00Z').earliest).toBe('2026-12-07T14:00:00.000Z');
  });

  it('medical certificates protect at least 60 days; a phone one only 7 days without the written one', () => {
    const written = {
      receivedAt: '2026-12-02',
      validUntil: '2026-12-20',
      kind: 'WRITTEN' as const,
      renewalNumber: 0,
      arrearsCents: 0n,
    };
    const d = evaluate(IL, heated({ medicalCertificates: [written] }), 'DISCONNECT', '2026-12-22T16:00:00Z');
    expect(d.blocking[0]!.text).toBe(
      'medical certificate (written) received 2026-12-02 protects through 2027-01-31',
    );
    // At least 60 days: the 60th day after receipt is still protected, the 61st is not.
    const on = (t: string) => evaluate(IL, heated({ medicalCertificates: [written] }), 'DISCONNECT', t);
    expect(codes(on('2027-01-31T16:00:00Z').blocking)).toContain('IL_MEDICAL_CERTIFICATE');
    expect(codes(on('2027-02-01T16:00:00Z').blocking)).not.toContain('IL_MEDICAL_CERTIFICATE');
    const phone = { ...written, kind: 'PHONE' as const, validUntil: '2027-01-31' };
    const p = evaluate(IL, heated({ medicalCertificates: [phone] }), 'DISCONNECT', '2026-12-09T16:00:00Z');
    expect(p.blocking[0]!.text).toMatch(/protects through 2026-12-09;/);
    expect(
      evaluate(IL, heated({ medicalCertificates: [phone] }), 'DISCONNECT', '2026-12-10T16:00:00Z').allowed,
    ).toBe(true);
  });

  it('service already off is restored on a certificate received within 14 days of the disconnection, not later', () => {
    const off = (receivedAt: string) =>
      heated({
        disconnectedAt: '2026-12-02T16:00:00Z',
        medicalCertificates: [
          { receivedAt, validUntil: '2027-02-28', kind: 'WRITTEN', renewalNumber: 0, arrearsCents: 0n },
        ],
      });
    const inTime = evaluate(IL, off('2026-12-16'), 'DISCONNECT', '2026-12-17T16:00:00Z');
    expect(codes(inTime.protections)).toContain('IL_MEDICAL_CERTIFICATE');
    const late = evaluate(IL, off('2026-12-17'), 'DISCONNECT', '2026-12-17T18:00:00Z');
    expect(codes(late.protections)).not.toContain('IL_MEDICAL_CERTIFICATE');
    expect(late.reasons.find((r) => r.code === 'IL_MEDICAL_CERTIFICATE_AFTER_RESTORE_WINDOW')?.text).toBe(
      'certificate received 2026-12-17, more than 14 days after the disconnection on 2026-12-02: it does not restore the service',
    );
    // A written certificate confirming an in-window phone one (within the 7 days) is the same
    // certification: it restores, though it came after the 14 days.
    const phone = {
      receivedAt: '2026-12-15',
      validUntil: '2027-02-28',
      kind: 'PHONE' as const,
      renewalNumber: 0,
      arrearsCents: 0n,
    };
    const confirmed = heated({
      disconnectedAt: '2026-12-02T16:00:00Z',
      medicalCertificates: [phone, { ...phone, receivedAt: '2026-12-20', kind: 'WRITTEN' }],
    });
    const written = evaluate(IL, confirmed, 'DISCONNECT', '2026-12-23T16:00:00Z'); // the phone one alone ran out on the 22nd
    expect(codes(written.protections)).toContain('IL_MEDICAL_CERTIFICATE');
    expect(written.reasons.some((r) => r.code === 'IL_MEDICAL_CERTIFICATE_AFTER_RESTORE_WINDOW')).toBe(false);
    // Once service is back on, the same certificate protects as any other.
    const back = heated({ medicalCertificates: off('2026-12-17').medicalCertificates });
    expect(codes(evaluate(IL, back, 'DISCONNECT', '2026-12-18T16:00:00Z').protections)).toContain(
      'IL_MEDICAL_CERTIFICATE',
    );
  });

  it('water service: no weather rule and no winter notification apply', () => {
    const s = account({
      service: 'WATER',
      oldestUnpaidDueDate: '2026-11-20',
      notices: [notice('2026-12-01T16:00:00Z')],
    });
    expect(evaluate(IL, s, 'DISCONNECT', '2026-12-09T16:00:00Z').allowed).toBe(true);
  });
});

describe('Ohio: 14-day notice, 12:30 cutoff, medical certificates (OAC 4901:1-18)', () => {
  const OH = getProfile('OH', '2026-10-01');
  const s = (over: Partial<AccountSnapshot> = {}) =>
    account({ oldestUnpaidDueDate: '2026-09-20', notices: [notice('2026-10-01T14:00:00Z')], ...over });

  it('14 days after the notice', () => {
    expect(evaluate(OH, s(), 'DISCONNECT', '2026-10-14T14:00:00Z').earliest).toBe('2026-10-15T12:00:00.000Z');
  });

  it('not after 12:30 on the day before a day without reconnection (Friday)', () => {
    expect(evaluate(OH, s(), 'DISCONNECT', '2026-10-16T16:00:00Z').allowed).toBe(true); // 12:00 EDT
    const d = evaluate(OH, s(), 'DISCONNECT', '2026-10-16T16:45:00Z'); // 12:45
    expect(codes(d.blocking)).toEqual(['OH_TERMINATION_TIME_CUTOFF']);
    expect(d.earliest).toBe('2026-10-19T12:00:00.000Z');
    // Wednesday before Thanksgiving.
    expect(evaluate(OH, s(), 'DISCONNECT', '2026-11-25T18:00:00Z').allowed).toBe(false); // 13:00 EST
    expect(evaluate(OH, s(), 'DISCONNECT', '2026-11-25T17:00:00Z').allowed).toBe(true); // 12:00 EST
  });

  it('the crew gives personal notice on the day (a condition of the act)', () => {
    expect(codes(evaluate(OH, s(), 'DISCONNECT', '2026-10-16T16:00:00Z').conditions)).toEqual([
      'OH_DAY_OF_DISCONNECTION_NOTICE',
    ]);
  });

  const cert = (receivedAt: string, validUntil: string) => ({
    receivedAt,
    validUntil,
    kind: 'WRITTEN' as const,
    renewalNumber: 0,
    arrearsCents: 25_000n,
  });

  it('12 months are calendar months: across a leap day a fourth certificate still does not protect', () => {
    const certificates = [
      cert('2027-03-01', '2027-03-31'),
      cert('2027-06-01', '2027-07-01'),
      cert('2027-09-01', '2027-10-01'),
      cert('2028-02-29', '2028-03-30'),
    ];
    const d = evaluate(OH, s({ medicalCertificates: certificates }), 'DISCONNECT', '2028-03-07T15:00:00Z');
    expect(codes(d.reasons)).toContain('OH_MEDICAL_CERTIFICATE_ROLLING_LIMIT');
    expect(codes(d.blocking)).not.toContain('OH_MEDICAL_CERTIFICATE');
  });

  it('a fourth medical certificate in 12 months does not protect', () => {
    const three = [
      cert('2026-01-05', '2026-02-03'),
      cert('2026-04-01', '2026-04-30'),
      cert('2026-07-01', '2026-07-30'),
    ];
    const fourth = cert('2026-10-20', '2026-11-18');
    const d = evaluate(
      OH,
      s({ medicalCertificates: [...three, fourth] }),
      'DISCONNECT',
      '2026-10-21T14:00:00Z',
    );
    expect(d.allowed).toBe(true);
    expect(codes(d.reasons)).toContain('OH_MEDICAL_CERTIFICATE_ROLLING_LIMIT');
    const third = evaluate(
      OH,
      s({ medicalCertificates: [...three.slice(1), fourth] }),
      'DISCONNECT',
      '2026-10-21T14:00:00Z',
    );
    expect(codes(third.blocking)).toEqual(['OH_MEDICAL_CERTIFICATE']);
  });
});

describe('MUNICIPAL: Millbrook on Pennsylvania parameters', () => {
  const M = getProfile('MUNICIPAL', '2026-11-01');
  const water = account({
    service: 'WATER',
    notices: [notice('2026-11-05T15:00:00Z'), contact('2026-11-16T15:00:00Z')],
  });

  it('follows the PA days: not the day before Thanksgiving', () => {
    expect(evaluate(M, water, 'DISCONNECT', '2026-11-24T15:00:00Z').allowed).toBe(true);
    expect(evaluate(M, water, 'DISCONNECT', '2026-11-25T15:00:00Z').earliest).toBe(
      '2026-11-30T13:00:00.000Z',
    );
  });

  it('does not govern gas', () => {
    expect(
      codes(evaluate(M, { ...water, service: 'GAS' }, 'DISCONNECT', '2026-11-24T15:00:00Z').blocking),
    ).toEqual(['PROFILE_NOT_FOR_SERVICE']);
  });
});

describe('weather-only presets compose into an ordinance', () => {
  it('Virginia: no electric disconnection with 92°F or more forecast in the next 24 hours', () => {
    const riverton = composeProfile(
      'PA',
      { weather: VA_WEATHER_ELECTRIC, holidayRegion: { country: 'US', state: 'VA' } },
      { code: 'RIVERTON', name: 'Riverton electric ordinance' },
    );
    const s = (high: number) =>
      account({
        notices: [notice('2026-11-05T15:00:00Z'), contact('2026-11-16T15:00:00Z')],
        weather: [
          { date: '2026-11-19', forecastHighF: 60, forecastLowF: 45 },
          { date: '2026-11-20', forecastHighF: high, forecastLowF: 45 },
        ],
      });
    expect(evaluate(riverton, s(70), 'DISCONNECT', '2026-11-19T15:00:00Z').allowed).toBe(true);
    const hot = evaluate(riverton, s(93), 'DISCONNECT', '2026-11-19T15:00:00Z');
    expect(codes(hot.blocking)).toEqual(['VA_FORECAST_HOT']);
  });

  it('Illinois municipal gas: not at 20°F or below in the next 24 hours, nor before a weekend forecast at it', () => {
    const springfield = composeProfile(
      'OH',
      {
        weather: IL_MUNICIPAL_GAS_WEATHER,
        holidayRegion: { country: 'US', state: 'IL' },
        actConditions: [],
        timeZone: 'America/Chicago',
      },
      { code: 'SPRINGFIELD', name: 'Springfield gas ordinance' },
    );
    const days = (lows: Record<string, number>): WeatherDay[] =>
      Array.from({ length: 8 }, (_, i) => `2026-11-${String(16 + i).padStart(2, '0')}`).map((date) => ({
        date,
        forecastLowF: lows[date] ?? 30,
        forecastHighF: (lows[date] ?? 30) + 12,
      }));
    // Gas that is not the heating is protected too: the statute names every residential gas user.
    const s = (lows: Record<string, number> = {}) =>
      account({
        service: 'GAS',
        heating: false,
        notices: [notice('2026-11-02T15:00:00Z')],
        weather: days(lows),
      });
    const at = (lows: Record<string, number>, iso: string) =>
      codes(evaluate(springfield, s(lows), 'DISCONNECT', iso).blocking);
    expect(at({}, '2026-11-17T16:00:00Z')).toEqual([]); // Tuesday, lows of 30°F
    expect(at({ '2026-11-18': 21 }, '2026-11-17T16:00:00Z')).toEqual([]);
    expect(at({ '2026-11-18': 20 }, '2026-11-17T16:00:00Z')).toEqual(['IL_MUNICIPAL_GAS_COLD']);
    expect(at({ '2026-11-22': 20 }, '2026-11-20T16:00:00Z')).toEqual([
      'IL_MUNICIPAL_GAS_COLD_BEFORE_WEEKEND_OR_HOLIDAY',
    ]); // Friday, Sunday forecast at 20°F
    expect(at({ '2026-11-22': 21 }, '2026-11-20T16:00:00Z')).toEqual([]);
  });

  it('Virginia: not on a Friday, a weekend, a holiday or the day before one', () => {
    const fairfax = composeProfile(
      'OH',
      {
        disconnectWindow: VA_DISCONNECT_DAYS,
        holidayRegion: { country: 'US', state: 'VA' },
        actConditions: [],
      },
      { code: 'FAIRFAX', name: 'Fairfax electric ordinance' },
    );
    const s = account({ service: 'ELECTRIC', notices: [notice('2026-11-02T15:00:00Z')] });
    const at = (iso: string) => codes(evaluate(fairfax, s, 'DISCONNECT', iso).blocking);
    expect(at('2026-11-19T15:00:00Z')).toEqual([]); // Thursday
    expect(at('2026-11-20T15:00:00Z')).toContain('VA_DISCONNECT_DAYS'); // Friday
    expect(at('2026-11-21T15:00:00Z')).toContain('VA_DISCONNECT_DAYS'); // Saturday
    expect(at('2026-11-25T15:00:00Z')).toContain('VA_DISCONNECT_DAYS'); // the day before Thanksgiving
    expect(at('2026-11-24T15:00:00Z')).toEqual([]); // Tuesday
  });
});
