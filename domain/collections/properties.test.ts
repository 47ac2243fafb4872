// Properties over generated accounts and moments: the earliest moment the engine names is one it
// allows, nothing earlier is allowed, protected accounts are never disconnected, and allowed
// moments always fall inside the jurisdiction's days and hours.
import fc from 'fast-check';
import { holidayName, isoWeekday, localDate, wallClock } from './calendar';
import { evaluate, getProfile, nextLawfulMoment } from './index';
import { account } from './test-support';
import type { AccountSnapshot, Channel, NoticeRecord, PolicyProfile, Step, WeatherDay } from './types';

const START = Date.parse('2026-10-15T00:00:00Z');
const SPAN_DAYS = 200;
const iso = (ms: number) => new Date(ms).toISOString();
const day = (ms: number) => iso(ms).slice(0, 10);

const instantArb = fc.integer({ min: 0, max: SPAN_DAYS * 24 * 60 }).map((m) => START + m * 60_000);

const recordArb: fc.Arbitrary<NoticeRecord> = fc
  .record({
    step: fc.constantFrom<NoticeRecord['step']>(
      'DISCONNECT_NOTICE',
      'SHORT_NOTICE_CONTACT',
      'POSTED_NOTICE',
      'WINTER_NOTICE',
    ),
    at: instantArb,
    channel: fc.constantFrom<Channel>('MAIL', 'PHONE', 'IN_PERSON', 'POSTED'),
    reached: fc.boolean(),
  })
  .map(({ step, at, channel, reached }) => ({
    step,
    sentAt: iso(at),
    channel,
    expiresOn: null,
    outcome: reached ? 'REACHED' : 'NOT_REACHED',
  }));

const snapshotArb: fc.Arbitrary<AccountSnapshot> = fc
  .record({
    due: fc.integer({ min: -10, max: 120 }),
    income: fc.constantFrom(null, 120, 250, 400),
    notices: fc.array(recordArb, { maxLength: 6 }),
    medical: fc.option(
      fc.record({
        at: instantArb,
        days: fc.integer({ min: 1, max: 60 }),
        renewal: fc.integer({ min: 0, max: 3 }),
      }),
      {
        nil: null,
      },
    ),
    dispute: fc.option(
      fc.record({
        at: instantArb,
        resolvedAfterDays: fc.option(fc.integer({ min: 0, max: 30 }), { nil: null }),
      }),
      {
        nil: null,
      },
    ),
    hold: fc.option(instantArb, { nil: null }),
    heating: fc.boolean(),
  })
  .map(
    (g): AccountSnapshot =>
      account({
        heating: g.heating,
        oldestUnpaidDueDate: day(START + g.due * 86_400_000),
        incomePctFpl: g.income,
        notices: g.notices,
        medicalCertificates: g.medical
          ? [
              {
                receivedAt: iso(g.medical.at),
                validUntil: day(g.medical.at + g.medical.days * 86_400_000),
                kind: 'WRITTEN',
                renewalNumber: g.medical.renewal,
                arrearsCents: 20_000n,
                // Shown and agreed where the rule asks (CA), so the certificate is one in force.
                inabilityToPay: true,
                agreesToPlan: true,
              },
            ]
          : [],
        disputes: g.dispute
          ? [
              {
                openedAt: iso(g.dispute.at),
                resolvedAt:
                  g.dispute.resolvedAfterDays === null
                    ? null
                    : iso(g.dispute.at + g.dispute.resolvedAfterDays * 86_400_000),
              },
            ]
          : [],
        supervisorHold: g.hold === null ? null : { since: iso(g.hold), reason: 'generated' },
      }),
  );

// Accounts on their way to a disconnection: notice, personal contact, posting and winter
// notification in a plausible order, so that lawful moments are common.
const readyArb: fc.Arbitrary<AccountSnapshot> = fc
  .record({
    due: fc.integer({ min: 0, max: 120 }),
    noticeAfter: fc.integer({ min: 1, max: 30 }),
    contactAfter: fc.integer({ min: 0, max: 12 }),
    postedAfter: fc.integer({ min: 0, max: 12 }),
    minute: fc.integer({ min: 13 * 60, max: 22 * 60 }),
    channel: fc.constantFrom<Channel>('MAIL', 'IN_PERSON', 'EMAIL'),
    medicalDays: fc.option(fc.integer({ min: 1, max: 40 }), { nil: null, freq: 4 }),
  })
  .map((g): AccountSnapshot => {
    const dueMs = START + g.due * 86_400_000;
    const noticeMs = dueMs + g.noticeAfter * 86_400_000 + g.minute * 60_000;
    const contactMs = noticeMs + g.contactAfter * 86_400_000;
    const rec = (step: NoticeRecord['step'], ms: number, channel: Channel): NoticeRecord => ({
      step,
      sentAt: iso(ms),
      channel,
      expiresOn: null,
      outcome: 'REACHED',
    });
    return account({
      oldestUnpaidDueDate: day(dueMs),
      billMailedOn: day(dueMs - 20 * 86_400_000),
      notices: [
        rec('DISCONNECT_NOTICE', noticeMs, g.channel),
        rec('WINTER_NOTICE', noticeMs, 'MAIL'),
        rec('SHORT_NOTICE_CONTACT', contactMs, 'IN_PERSON'),
        rec('POSTED_NOTICE', noticeMs + g.postedAfter * 86_400_000, 'POSTED'),
      ],
      medicalCertificates:
        g.medicalDays === null
          ? []
          : [
              {
                receivedAt: iso(contactMs),
                validUntil: day(contactMs + g.medicalDays * 86_400_000),
                kind: 'WRITTEN',
                renewalNumber: 0,
                arrearsCents: 25_000n,
                // Shown and agreed where the rule asks (CA), so the certificate is one in force.
                inabilityToPay: true,
                agreesToPlan: true,
              },
            ],
    });
  });

// Daily weather for the whole span with some freezing days and advisories, and some gaps.
const weatherArb: fc.Arbitrary<WeatherDay[]> = fc
  .array(
    fc.record({
      temp: fc.integer({ min: 10, max: 100 }),
      advisory: fc.boolean(),
      present: fc.integer({ min: 0, max: 19 }),
    }),
    {
      minLength: SPAN_DAYS + 10,
      maxLength: SPAN_DAYS + 10,
    },
  )
  .map((days) =>
    days.flatMap((d, i) =>
      d.present === 0
        ? []
        : [
            {
              date: day(START + (i - 5) * 86_400_000),
              forecastHighF: d.temp,
              forecastLowF: d.temp - 15,
              observedHighF: d.temp,
              heatAdvisory: d.advisory && d.temp > 85,
            },
          ],
    ),
  );

const profiles: PolicyProfile[] = ['PA', 'NY', 'CA_ENERGY', 'TX_ELECTRIC', 'IL', 'OH'].map((c) =>
  getProfile(c as 'PA', '2026-10-15'),
);
const steps: Step[] = ['DISCONNECT_NOTICE', 'SHORT_NOTICE_CONTACT', 'POSTED_NOTICE', 'DISCONNECT'];

describe('nextLawfulMoment', () => {
  it("earliest is allowed by evaluate, is >= from, and agrees with evaluate's own earliest", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...profiles),
        fc.oneof(snapshotArb, readyArb),
        weatherArb,
        fc.constantFrom(...steps),
        instantArb,
        (profile, snap, weather, step, from) => {
          const s = { ...snap, service: profile.code === 'IL' ? ('GAS' as const) : snap.service, weather };
          const next = nextLawfulMoment(profile, s, step, iso(from));
          expect(next.earliest).toBe(evaluate(profile, s, step, iso(from)).earliest);
          if (next.earliest === null) return;
          expect(Date.parse(next.earliest)).toBeGreaterThanOrEqual(from);
          expect(next.allowed).toBe(true);
          expect(evaluate(profile, s, step, next.earliest).allowed).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('no moment before the earliest is allowed (sampled)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...profiles),
        readyArb,
        weatherArb,
        instantArb,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }),
        (profile, snap, weather, from, fractions) => {
          const s = { ...snap, weather };
          const d = evaluate(profile, s, 'DISCONNECT', iso(from));
          if (d.earliest === null || d.allowed) return;
          const end = Date.parse(d.earliest);
          for (const f of fractions) {
            const probe = Math.floor(from + (end - from) * f);
            if (probe < end) expect(evaluate(profile, s, 'DISCONNECT', iso(probe)).allowed).toBe(false);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('protections always hold', () => {
  it('a current arrangement, an open dispute, a hold or a certificate in force blocks every step', () => {
    const protectArb = fc.constantFrom<(s: AccountSnapshot, at: number) => AccountSnapshot>(
      (s, at) => ({ ...s, arrangement: { status: 'CURRENT', since: iso(at - 86_400_000) } }),
      (s, at) => ({ ...s, disputes: [{ openedAt: iso(at - 3_600_000), resolvedAt: null }] }),
      (s, at) => ({ ...s, supervisorHold: { since: iso(at), reason: 'review' } }),
      (s, at) => ({
        ...s,
        medicalCertificates: [
          {
            receivedAt: iso(at - 86_400_000),
            validUntil: day(at + 2 * 86_400_000),
            kind: 'WRITTEN',
            renewalNumber: 0,
            arrearsCents: s.pastDueCents,
            // Shown and agreed where the rule asks (CA), so the certificate is one in force.
            inabilityToPay: true,
            agreesToPlan: true,
          },
        ],
      }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...profiles),
        snapshotArb,
        protectArb,
        fc.constantFrom(...steps),
        instantArb,
        (profile, snap, protect, step, at) => {
          const s = protect({ ...snap, medicalCertificates: [], disputes: [], supervisorHold: null }, at);
          const d = evaluate(profile, s, step, iso(at));
          expect(d.allowed).toBe(false);
          expect(d.protections.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('PA: a household at or below 250% FPL (or of unknown income) is never disconnected Dec 1–Mar 31', () => {
    const PA = getProfile('PA', '2026-10-15');
    fc.assert(
      fc.property(snapshotArb, fc.constantFrom(null, 90, 250), instantArb, (snap, income, at) => {
        const s = { ...snap, incomePctFpl: income };
        const d = evaluate(PA, s, 'DISCONNECT', iso(at));
        const md = localDate(at, PA.timeZone).slice(5);
        if (md >= '12-01' || md <= '03-31') expect(d.allowed).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('allowed moments are inside the days and hours', () => {
  const check = (code: 'PA' | 'NY', holidayNextDay: boolean) => {
    const p = getProfile(code, '2026-10-15');
    fc.assert(
      fc.property(fc.oneof(snapshotArb, readyArb), instantArb, (snap, at) => {
        const d = nextLawfulMoment(p, { ...snap, incomePctFpl: 400 }, 'DISCONNECT', iso(at));
        if (!d.earliest) return;
        const ms = Date.parse(d.earliest);
        const c = wallClock(ms, p.timeZone);
        expect([1, 2, 3, 4]).toContain(isoWeekday(c.date));
        expect(c.minutes).toBeGreaterThanOrEqual(8 * 60);
        expect(c.minutes).toBeLessThan(16 * 60);
        expect(holidayName(p, c.date)).toBeNull();
        if (holidayNextDay)
          expect(holidayName(p, day(Date.parse(`${c.date}T12:00:00Z`) + 86_400_000))).toBeNull();
      }),
      { numRuns: 200 },
    );
  };
  it('PA: Monday–Thursday, 08:00–16:00, never on or the day before a bank holiday', () => check('PA', true));
  it('NY: Monday–Thursday, 08:00–16:00, never on or the day before a public holiday', () =>
    check('NY', true));
});
