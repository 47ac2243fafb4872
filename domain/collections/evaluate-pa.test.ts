// Pennsylvania (66 Pa.C.S. Ch. 14, 52 Pa. Code Ch. 56): days, notices, contacts, the winter
// moratorium, and every protection blocking a disconnection that was otherwise due.
import { evaluate, getProfile, nextLawfulMoment } from './index';
import { account, codes, contact, notice, posted } from './test-support';
import type { AccountSnapshot, MedicalCertificate } from './types';

const PA = getProfile('PA', '2026-11-01');

// Past due since 2026-10-20; 10-day notice mailed 2026-11-05; personal contact 2026-11-16.
// Lawful from Thursday 2026-11-19 08:00 EST (13:00Z) on.
const due = (over: Partial<AccountSnapshot> = {}) =>
  account({
    notices: [notice('2026-11-05T15:00:00Z'), contact('2026-11-16T15:00:00Z')],
    ...over,
  });

describe('PA: an account that is due for disconnection', () => {
  it('may be disconnected on Thursday 2026-11-19 at 10:00 local, with every satisfied rule cited', () => {
    const d = evaluate(PA, due(), 'DISCONNECT', '2026-11-19T15:00:00Z');
    expect(d.allowed).toBe(true);
    expect(d.earliest).toBe('2026-11-19T15:00:00.000Z');
    expect(d.blocking).toEqual([]);
    expect(d.protections).toEqual([]);
    const texts = Object.fromEntries(d.reasons.map((r) => [r.code, r.text]));
    expect(texts.PA_TEN_DAY_NOTICE).toBe('notice lead time met: 10 days since 2026-11-05 (mail)');
    expect(texts.PA_THREE_DAY_CONTACT).toMatch(
      /in-person attempt 2026-11-16 10:00\), at least 3 days before/,
    );
    expect(texts.PA_WINTER_MORATORIUM).toBe('outside the Dec 1–Mar 31 moratorium');
    expect(texts.PA_TERMINATION_DAYS_HOURS).toMatch(/default business hours: the jurisdiction sets none/);
    for (const r of d.reasons) expect(r.cite).not.toBe('');
  });

  it('is not lawful before the 10-day notice has run: earliest is the first termination day after it', () => {
    const d = evaluate(
      PA,
      due({ notices: [notice('2026-11-12T15:00:00Z'), contact('2026-11-16T15:00:00Z')] }),
      'DISCONNECT',
      '2026-11-19T15:00:00Z',
    );
    expect(d.allowed).toBe(false);
    expect(codes(d.blocking)).toEqual(['PA_TEN_DAY_NOTICE']);
    // 2026-11-22 is a Sunday; Monday 2026-11-23 08:00 EST.
    expect(d.earliest).toBe('2026-11-23T13:00:00.000Z');
  });

  it('refuses without any written notice and names no date (a notice must be sent first)', () => {
    const d = evaluate(PA, due({ notices: [] }), 'DISCONNECT', '2026-11-19T15:00:00Z');
    expect(codes(d.blocking)).toEqual(['PA_TEN_DAY_NOTICE_MISSING']);
    expect(d.earliest).toBeNull();
  });

  it('refuses when nothing is past due', () => {
    const d = evaluate(
      PA,
      due({ oldestUnpaidDueDate: null, pastDueCents: 0n }),
      'DISCONNECT',
      '2026-11-19T15:00:00Z',
    );
    expect(codes(d.blocking)).toEqual(['PA_DELINQUENCY_NOTHING_PAST_DUE']);
    expect(d.earliest).toBeNull();
  });
});

describe('PA: termination days (66 Pa.C.S. §1503(a), 52 Pa. Code §56.82)', () => {
  // Thanksgiving week 2026: Thursday 2026-11-26 is a bank holiday.
  it.each([
    ['2026-11-23T15:00:00Z', true, 'Monday'],
    ['2026-11-24T15:00:00Z', true, 'Tuesday'],
    ['2026-11-25T15:00:00Z', false, 'Wednesday, the day before Thanksgiving'],
    ['2026-11-26T15:00:00Z', false, 'Thanksgiving Day'],
    ['2026-11-27T15:00:00Z', false, 'Friday'],
    ['2026-11-28T15:00:00Z', false, 'Saturday'],
    ['2026-11-29T15:00:00Z', false, 'Sunday'],
    ['2026-11-30T15:00:00Z', true, 'Monday after'],
  ])('%s (%s → %s)', (at, allowed) => {
    expect(evaluate(PA, due(), 'DISCONNECT', at).allowed).toBe(allowed);
  });

  it('the day before Thanksgiving is refused with the holiday named; earliest is Monday 08:00', () => {
    const d = evaluate(PA, due(), 'DISCONNECT', '2026-11-25T15:00:00Z');
    expect(d.blocking).toEqual([
      {
        code: 'PA_TERMINATION_DAYS',
        cite: '66 Pa.C.S. §1503(a); 52 Pa. Code §56.82',
        text: '2026-11-25 is the day before a holiday (2026-11-26, Thanksgiving Day)',
      },
    ]);
    expect(d.earliest).toBe('2026-11-30T13:00:00.000Z');
  });

  it('never on a Friday, even a plain one', () => {
    const d = evaluate(PA, due(), 'DISCONNECT', '2026-11-20T15:00:00Z');
    expect(d.blocking[0]!.text).toBe(
      'Friday 2026-11-20 is not a termination day (allowed: Mon, Tue, Wed, Thu)',
    );
    expect(d.earliest).toBe('2026-11-23T13:00:00.000Z');
  });

  it('around Christmas 2026 (Friday): Wednesday yes, Thursday 12-24 no, next is Monday 12-28', () => {
    expect(evaluate(PA, due(), 'DISCONNECT', '2026-12-23T15:00:00Z').allowed).toBe(true);
    const d = evaluate(PA, due(), 'DISCONNECT', '2026-12-24T15:00:00Z');
    expect(d.blocking[0]!.text).toBe('2026-12-24 is the day before a holiday (2026-12-25, Christmas Day)');
    expect(d.earliest).toBe('2026-12-28T13:00:00.000Z');
    // Thursday 2026-12-31 is the day before New Year's Day.
    expect(evaluate(PA, due(), 'DISCONNECT', '2026-12-31T15:00:00Z').allowed).toBe(false);
  });

  it('only 08:00–16:00 local (default business hours), in the profile zone whatever the host zone', () => {
    const early = evaluate(PA, due(), 'DISCONNECT', '2026-11-19T12:59:00Z'); // 07:59 EST
    expect(codes(early.blocking)).toEqual(['PA_TERMINATION_DAYS_HOURS']);
    expect(early.earliest).toBe('2026-11-19T13:00:00.000Z');
    expect(evaluate(PA, due(), 'DISCONNECT', '2026-11-19T13:00:00Z').allowed).toBe(true);
    const late = evaluate(PA, due(), 'DISCONNECT', '2026-11-19T21:00:00Z'); // 16:00 EST Thursday
    expect(late.allowed).toBe(false);
    expect(late.earliest).toBe('2026-11-23T13:00:00.000Z');
  });
});

describe('PA: notice validity (66 Pa.C.S. §1406(b)(1)(i): effective for 60 days)', () => {
  const old = (over: Partial<AccountSnapshot> = {}) =>
    account({
      oldestUnpaidDueDate: '2026-08-20',
      notices: [notice('2026-09-01T14:00:00Z'), contact('2026-10-20T14:00:00Z')],
      ...over,
    });

  it('still good on day 58 (Thursday 2026-10-29)', () => {
    expect(evaluate(PA, old(), 'DISCONNECT', '2026-10-29T14:00:00Z').allowed).toBe(true);
  });

  it('good on the 60th day after the day it was sent, stale on the 61st (1 Pa.C.S. §1908)', () => {
    const sent = old({ notices: [notice('2026-08-27T14:00:00Z'), contact('2026-10-20T14:00:00Z')] });
    expect(evaluate(PA, sent, 'DISCONNECT', '2026-10-26T14:00:00Z').allowed).toBe(true); // Monday, day 60
    expect(codes(evaluate(PA, sent, 'DISCONNECT', '2026-10-27T14:00:00Z').blocking)).toEqual([
      'PA_TEN_DAY_NOTICE_STALE',
    ]);
  });

  it('stale after 60 days: a new notice is needed, so no earliest date', () => {
    const d = evaluate(PA, old(), 'DISCONNECT', '2026-11-02T15:00:00Z');
    expect(d.blocking).toEqual([
      {
        code: 'PA_TEN_DAY_NOTICE_STALE',
        cite: '66 Pa.C.S. §1406(b)(1)(i); 52 Pa. Code §56.91',
        text: 'the notice of 2026-09-01 stopped being good after 2026-10-31 (60-day validity): a new notice is needed',
      },
    ]);
    expect(d.earliest).toBeNull();
    expect(codes(d.earliestReasons)).toEqual(['PA_TEN_DAY_NOTICE_STALE']);
  });

  it('a notice stated to expire earlier stops counting on that date', () => {
    const n = { ...notice('2026-09-01T14:00:00Z'), expiresOn: '2026-10-15' };
    const d = evaluate(
      PA,
      old({ notices: [n, contact('2026-10-01T14:00:00Z')] }),
      'DISCONNECT',
      '2026-10-20T14:00:00Z',
    );
    expect(codes(d.blocking)).toEqual(['PA_TEN_DAY_NOTICE_STALE']);
  });

  it('a new notice may be sent the same day; the old contact does not carry over to it', () => {
    expect(evaluate(PA, old(), 'DISCONNECT_NOTICE', '2026-11-02T15:00:00Z').allowed).toBe(true);
    const renewed = old({
      notices: [
        notice('2026-09-01T14:00:00Z'),
        contact('2026-10-20T14:00:00Z'),
        notice('2026-11-02T15:00:00Z'),
      ],
    });
    const d = evaluate(PA, renewed, 'DISCONNECT', '2026-11-16T15:00:00Z');
    expect(codes(d.blocking)).toEqual(['PA_THREE_DAY_CONTACT_MISSING']);
  });
});

describe('PA: short-notice contact (66 Pa.C.S. §1406(b)(1)(ii))', () => {
  const withCalls = (...calls: string[]) =>
    due({
      notices: [notice('2026-11-05T15:00:00Z'), ...calls.map((c) => contact(c, 'PHONE', 'NOT_REACHED'))],
    });

  it('unanswered calls count once made on two separate days between 07:00 and 21:00', () => {
    // 2026-11-12 10:00 and 2026-11-13 18:00 EST: complete on the 13th, disconnection from the 16th.
    const s = withCalls('2026-11-12T15:00:00Z', '2026-11-13T23:00:00Z');
    const d = evaluate(PA, s, 'DISCONNECT', '2026-11-16T13:00:00Z');
    expect(d.allowed).toBe(true);
    expect(d.reasons.find((r) => r.code === 'PA_THREE_DAY_CONTACT')!.text).toBe(
      'contact complete (phone attempts on 2026-11-12 and 2026-11-13 between 07:00 and 21:00), at least 3 days before',
    );
  });

  it('a call at 22:00 does not count, so the attempt is incomplete', () => {
    const s = withCalls('2026-11-12T15:00:00Z', '2026-11-14T03:00:00Z'); // 2026-11-13 22:00 EST
    const d = evaluate(PA, s, 'DISCONNECT', '2026-11-19T15:00:00Z');
    expect(codes(d.blocking)).toEqual(['PA_THREE_DAY_CONTACT_MISSING']);
    expect(d.earliest).toBeNull();
  });

  it('two calls on the same day are one day of attempts', () => {
    const s = withCalls('2026-11-12T15:00:00Z', '2026-11-12T22:00:00Z');
    expect(codes(evaluate(PA, s, 'DISCONNECT', '2026-11-19T15:00:00Z').blocking)).toEqual([
      'PA_THREE_DAY_CONTACT_MISSING',
    ]);
  });

  it('contact less than 3 days before: earliest is 3 days after it', () => {
    const s = due({ notices: [notice('2026-11-05T15:00:00Z'), contact('2026-11-17T15:00:00Z')] });
    const d = evaluate(PA, s, 'DISCONNECT', '2026-11-19T15:00:00Z');
    expect(codes(d.blocking)).toEqual(['PA_THREE_DAY_CONTACT']);
    // Contact on the 17th → the 20th is a Friday → Monday the 23rd.
    expect(d.earliest).toBe('2026-11-23T13:00:00.000Z');
  });

  it('the contact step itself: only after the notice, and calls only 07:00–21:00', () => {
    const s = due({ notices: [notice('2026-11-05T15:00:00Z')] });
    expect(evaluate(PA, s, 'SHORT_NOTICE_CONTACT', '2026-11-10T12:00:00Z').allowed).toBe(true); // 07:00 EST
    const late = evaluate(PA, s, 'SHORT_NOTICE_CONTACT', '2026-11-11T02:30:00Z'); // 21:30 EST
    expect(codes(late.blocking)).toEqual(['CONTACT_HOURS']);
    expect(late.earliest).toBe('2026-11-11T12:00:00.000Z');
    const before = evaluate(PA, due({ notices: [] }), 'SHORT_NOTICE_CONTACT', '2026-11-10T15:00:00Z');
    expect(codes(before.blocking)).toEqual(['PA_TEN_DAY_NOTICE_MISSING']);
  });
});

describe('PA: December–March posted notice (66 Pa.C.S. §1406(b)(1)(iii))', () => {
  const winter = (...extra: ReturnType<typeof posted>[]) =>
    account({
      oldestUnpaidDueDate: '2026-11-10',
      notices: [
        notice('2026-11-20T15:00:00Z'),
        contact('2026-11-30T15:00:00Z', 'PHONE', 'NOT_REACHED'),
        contact('2026-12-01T20:00:00Z', 'PHONE', 'NOT_REACHED'),
        ...extra,
      ],
    });

  it('needs a 48-hour notice at the premises when nobody was seen in person', () => {
    const d = evaluate(PA, winter(), 'DISCONNECT', '2026-12-08T15:00:00Z');
    expect(codes(d.blocking)).toEqual(['PA_WINTER_POSTED_NOTICE_MISSING']);
    expect(d.earliest).toBeNull();
  });

  it('lawful 48 hours after the posting, inside the window', () => {
    const s = winter(posted('2026-12-07T15:00:00Z'));
    const d = evaluate(PA, s, 'DISCONNECT', '2026-12-08T15:00:00Z');
    expect(codes(d.blocking)).toEqual(['PA_WINTER_POSTED_NOTICE']);
    expect(d.earliest).toBe('2026-12-09T15:00:00.000Z');
    expect(evaluate(PA, s, 'DISCONNECT', '2026-12-09T15:00:00Z').allowed).toBe(true);
  });

  it('not before the date a door hanger states, even once its 48 hours have run', () => {
    const s = winter({ ...posted('2026-12-07T15:00:00Z'), onOrAfter: '2026-12-10' });
    const d = evaluate(PA, s, 'DISCONNECT', '2026-12-09T15:00:00Z');
    expect(codes(d.blocking)).toEqual(['PA_WINTER_POSTED_NOTICE']);
    expect(d.earliest).toBe('2026-12-10T13:00:00.000Z'); // 08:00 EST on the stated day
    expect(evaluate(PA, s, 'DISCONNECT', '2026-12-10T15:00:00Z').allowed).toBe(true);
  });

  it('no posting needed after personal contact at the residence', () => {
    const s = account({
      oldestUnpaidDueDate: '2026-11-10',
      notices: [notice('2026-11-20T15:00:00Z'), contact('2026-12-01T15:00:00Z', 'IN_PERSON', 'REACHED')],
    });
    expect(evaluate(PA, s, 'DISCONNECT', '2026-12-08T15:00:00Z').allowed).toBe(true);
  });
});

describe('PA: winter moratorium (52 Pa. Code §56.100)', () => {
  const december = (over: Partial<AccountSnapshot>) => due({ ...over });
  const at = '2026-12-08T15:00:00Z'; // Tuesday, otherwise lawful (in-person contact on file)

  it('blocks a household at or below 250% FPL from Dec 1 to Mar 31; PUC permission needed', () => {
    const d = evaluate(PA, december({ incomePctFpl: 180 }), 'DISCONNECT', at);
    expect(codes(d.blocking)).toEqual(['PA_WINTER_MORATORIUM']);
    expect(codes(d.protections)).toEqual(['PA_WINTER_MORATORIUM']);
    expect(d.blocking[0]!.text).toBe(
      'Dec 1–Mar 31 moratorium (household income 180% FPL, verified on 2026-06-01, at or below 250%): termination needs PUC permission; without it the earliest day is 2027-04-01',
    );
  });

  it('at exactly 250% FPL the household is protected; at 251% (verified) it is not', () => {
    expect(evaluate(PA, december({ incomePctFpl: 250 }), 'DISCONNECT', at).allowed).toBe(false);
    expect(evaluate(PA, december({ incomePctFpl: 251 }), 'DISCONNECT', at).allowed).toBe(true);
  });

  it.each([
    [
      'unknown income',
      { incomePctFpl: null, incomeVerifiedOn: null },
      'household income is unknown: treated as at or below 250% FPL until verified',
    ],
    [
      'self-reported income',
      { incomePctFpl: 400, incomeVerifiedOn: null },
      'household income of 400% FPL is not verified: treated as at or below 250% FPL until verified',
    ],
    [
      'income verified more than a year ago',
      { incomePctFpl: 400, incomeVerifiedOn: '2025-11-01' },
      'household income of 400% FPL was verified on 2025-11-01, more than 365 days ago: treated as at or below 250% FPL until verified',
    ],
  ])('%s is treated as protected and the reason says why', (_, over, why) => {
    const d = evaluate(PA, december(over), 'DISCONNECT', at);
    expect(codes(d.blocking)).toEqual(['PA_WINTER_MORATORIUM']);
    expect(d.blocking[0]!.text).toContain(why);
  });

  it('earliest is April 1 when nothing else blocks (notice, contact and window all good then)', () => {
    const s = account({
      oldestUnpaidDueDate: '2027-02-20',
      incomePctFpl: 140,
      notices: [notice('2027-03-10T15:00:00Z'), contact('2027-03-20T14:00:00Z')],
    });
    const d = evaluate(PA, s, 'DISCONNECT', '2027-03-25T14:00:00Z');
    expect(codes(d.blocking)).toEqual(['PA_WINTER_MORATORIUM']);
    // Thursday 2027-04-01 08:00 EDT.
    expect(d.earliest).toBe('2027-04-01T12:00:00.000Z');
  });

  it('earliest is null when the notice will be stale by April (a new one will be needed)', () => {
    const d = evaluate(PA, december({ incomePctFpl: 180 }), 'DISCONNECT', at);
    expect(d.earliest).toBeNull();
    expect(d.earliestReasons[0]!.text).toMatch(
      /^from 2027-04-01 00:00: the notice of 2026-11-05 stopped being good/,
    );
  });

  it('does not stop notices, and says so', () => {
    const s = account({ oldestUnpaidDueDate: '2026-11-20', incomePctFpl: 180 });
    const d = evaluate(PA, s, 'DISCONNECT_NOTICE', at);
    expect(d.allowed).toBe(true);
    expect(codes(d.protections)).toEqual(['PA_WINTER_MORATORIUM']);
  });

  it('covers residential customers only', () => {
    expect(
      evaluate(PA, december({ incomePctFpl: 100, customerClass: 'COM' }), 'DISCONNECT', at).allowed,
    ).toBe(true);
  });
});

describe('PA: each protection blocks a disconnection that was otherwise due', () => {
  const at = '2026-11-19T15:00:00Z';
  /** A written certificate received 2026-11-17, good through 2026-12-16. */
  const written = (over: Partial<MedicalCertificate> = {}): MedicalCertificate => ({
    receivedAt: '2026-11-17T15:00:00Z',
    validUntil: '2026-12-16',
    kind: 'WRITTEN',
    renewalNumber: 0,
    arrearsCents: 25_000n,
    ...over,
  });
  it('baseline: lawful', () => {
    expect(evaluate(PA, due(), 'DISCONNECT', at).allowed).toBe(true);
  });

  it('medical certificate: blocked through its last day, then the next termination day', () => {
    const s = due({ medicalCertificates: [written()] });
    const d = evaluate(PA, s, 'DISCONNECT', at);
    expect(codes(d.blocking)).toEqual(['PA_MEDICAL_CERTIFICATE']);
    expect(codes(d.protections)).toEqual(['PA_MEDICAL_CERTIFICATE']);
    expect(d.blocking[0]!.text).toBe(
      'medical certificate (written) received 2026-11-17 protects through 2026-12-16',
    );
    expect(d.earliest).toBe('2026-12-17T13:00:00.000Z');
    // Every step is held while it protects.
    expect(evaluate(PA, s, 'SHORT_NOTICE_CONTACT', at).allowed).toBe(false);
  });

  it('a physician assistant may certify (52 Pa. Code §56.111); a pharmacist may not', () => {
    const by = (certifier: 'PHYSICIAN_ASSISTANT' | 'OTHER') =>
      evaluate(PA, due({ medicalCertificates: [written({ certifier })] }), 'DISCONNECT', at);
    expect(codes(by('PHYSICIAN_ASSISTANT').blocking)).toEqual(['PA_MEDICAL_CERTIFICATE']);
    const other = by('OTHER');
    expect(other.allowed).toBe(true);
    expect(other.reasons.map((r) => r.text).join(' ')).toMatch(
      /the rule accepts a physician, a physician assistant or a nurse practitioner/,
    );
  });

  it('a certificate protects 30 days at most, whatever end date it states; longer is a renewal', () => {
    const s = due({
      medicalCertificates: [
        {
          receivedAt: '2026-10-15',
          validUntil: '2027-03-31',
          kind: 'WRITTEN',
          renewalNumber: 0,
          arrearsCents: 25_000n,
        },
      ],
    });
    const within = evaluate(PA, s, 'DISCONNECT', '2026-11-10T15:00:00Z');
    expect(within.allowed).toBe(false);
    expect(within.protections.find((r) => r.code === 'PA_MEDICAL_CERTIFICATE')!.text).toBe(
      'medical certificate (written) received 2026-10-15 protects through 2026-11-14 (the certificate says 2027-03-31; one certificate protects at most 30 days)',
    );
    expect(
      evaluate(PA, s, 'DISCONNECT', at).protections.some((r) => r.code === 'PA_MEDICAL_CERTIFICATE'),
    ).toBe(false);
  });

  it('an expired certificate no longer protects', () => {
    const s = due({
      medicalCertificates: [
        {
          receivedAt: '2026-10-15',
          validUntil: '2026-11-14',
          kind: 'WRITTEN',
          renewalNumber: 0,
          arrearsCents: 25_000n,
        },
      ],
    });
    const d = evaluate(PA, s, 'DISCONNECT', at);
    expect(d.allowed).toBe(true);
    expect(d.reasons.find((r) => r.code === 'PA_MEDICAL_CERTIFICATE')!.text).toBe(
      'medical certificate received 2026-10-15 ran out after 2026-11-14: it no longer protects',
    );
  });

  it('a third renewal for the same arrears while current bills go unpaid does not protect (§56.114)', () => {
    const cert = (renewalNumber: number) => ({
      receivedAt: '2026-11-17',
      validUntil: '2026-12-16',
      kind: 'WRITTEN' as const,
      renewalNumber,
      arrearsCents: 20_000n,
    });
    expect(evaluate(PA, due({ medicalCertificates: [cert(2)] }), 'DISCONNECT', at).allowed).toBe(false);
    const third = evaluate(PA, due({ medicalCertificates: [cert(3)] }), 'DISCONNECT', at);
    expect(third.allowed).toBe(true);
    expect(codes(third.reasons)).toContain('PA_MEDICAL_CERTIFICATE_RENEWAL_LIMIT');
    // Current bills paid (past due = the frozen arrears): the renewal still protects.
    expect(
      evaluate(PA, due({ medicalCertificates: [cert(3)], pastDueCents: 20_000n }), 'DISCONNECT', at).allowed,
    ).toBe(false);
  });

  it('open dispute: blocked with no end date; a recorded resolution ends it', () => {
    const open = evaluate(
      PA,
      due({ disputes: [{ openedAt: '2026-11-18T15:00:00Z', resolvedAt: null }] }),
      'DISCONNECT',
      at,
    );
    expect(codes(open.blocking)).toEqual(['PA_DISPUTE']);
    expect(codes(open.protections)).toEqual(['PA_DISPUTE']);
    expect(open.earliest).toBeNull();
    const resolved = evaluate(
      PA,
      due({ disputes: [{ openedAt: '2026-11-18T15:00:00Z', resolvedAt: '2026-11-24T15:30:00Z' }] }),
      'DISCONNECT',
      at,
    );
    expect(resolved.earliest).toBe('2026-11-24T15:30:00.000Z');
  });

  it('current arrangement: blocks every step, indefinitely', () => {
    const s = due({ arrangement: { status: 'CURRENT', since: '2026-11-18' } });
    for (const step of [
      'DISCONNECT_NOTICE',
      'SHORT_NOTICE_CONTACT',
      'POSTED_NOTICE',
      'DISCONNECT',
    ] as const) {
      const d = evaluate(PA, s, step, at);
      expect(d.allowed).toBe(false);
      expect(codes(d.blocking)).toContain('PA_PAYMENT_AGREEMENT_CURRENT');
      expect(d.earliest).toBeNull();
    }
  });

  it('defaulted arrangement: collections resume, but only with a notice sent after the default', () => {
    const s = due({ arrangement: { status: 'DEFAULTED', since: '2026-08-01', defaultedOn: '2026-11-10' } });
    const d = evaluate(PA, s, 'DISCONNECT', at);
    expect(codes(d.blocking)).toEqual(['PA_TEN_DAY_NOTICE_MISSING']);
    expect(d.blocking[0]!.text).toMatch(/notices of 2026-11-05 came before 2026-11-10/);
    const renoticed = due({
      arrangement: { status: 'DEFAULTED', since: '2026-08-01', defaultedOn: '2026-11-10' },
      notices: [notice('2026-11-10T15:00:00Z'), contact('2026-11-16T15:00:00Z')],
    });
    expect(evaluate(PA, renoticed, 'DISCONNECT', '2026-11-23T15:00:00Z').allowed).toBe(true);
  });

  it('supervisor hold: blocked, no end date', () => {
    const d = evaluate(
      PA,
      due({ supervisorHold: { since: '2026-11-18T15:00:00Z', reason: 'billing review' } }),
      'DISCONNECT',
      at,
    );
    expect(d.blocking).toEqual([
      {
        code: 'SUPERVISOR_HOLD',
        cite: 'utility supervisor hold',
        text: 'supervisor hold since 2026-11-18T15:00:00Z: billing review; no collection step until released',
      },
    ]);
    expect(d.earliest).toBeNull();
  });

  it('winter moratorium: blocked in December', () => {
    const d = evaluate(PA, due({ incomePctFpl: 200 }), 'DISCONNECT', '2026-12-01T15:00:00Z');
    expect(codes(d.blocking)).toEqual(['PA_WINTER_MORATORIUM']);
  });

  it('an account already disconnected is not disconnected again', () => {
    const d = evaluate(PA, due({ disconnectedAt: '2026-11-19T14:00:00Z' }), 'DISCONNECT', at);
    expect(codes(d.blocking)).toEqual(['ALREADY_DISCONNECTED']);
  });

  it('several protections at once are all reported', () => {
    const s = due({
      supervisorHold: { since: '2026-11-01', reason: 'review' },
      disputes: [{ openedAt: '2026-11-18', resolvedAt: null }],
      arrangement: { status: 'CURRENT', since: '2026-11-18' },
    });
    expect(codes(evaluate(PA, s, 'DISCONNECT', at).protections)).toEqual([
      'SUPERVISOR_HOLD',
      'PA_DISPUTE',
      'PA_PAYMENT_AGREEMENT_CURRENT',
    ]);
  });
});

describe('PA: nextLawfulMoment', () => {
  it('returns the decision at the earliest lawful moment, allowed, with its reasons', () => {
    const d = nextLawfulMoment(PA, due(), 'DISCONNECT', '2026-11-25T15:00:00Z');
    expect(d.allowed).toBe(true);
    expect(d.earliest).toBe('2026-11-30T13:00:00.000Z');
    expect(d.reasons.find((r) => r.code === 'PA_TERMINATION_DAYS')!.text).toMatch(
      /^Monday 2026-11-30 is a termination day/,
    );
  });

  it('returns the refusal at `from` with earliest null when blocked indefinitely', () => {
    const d = nextLawfulMoment(
      PA,
      due({ supervisorHold: { since: '2026-11-01', reason: 'r' } }),
      'DISCONNECT',
      '2026-11-19T15:00:00Z',
    );
    expect(d.allowed).toBe(false);
    expect(d.earliest).toBeNull();
  });

  it('rejects an instant without an offset', () => {
    expect(() => evaluate(PA, due(), 'DISCONNECT', '2026-11-19T10:00:00')).toThrow(RangeError);
  });
});
