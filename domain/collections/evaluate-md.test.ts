// Maryland's rules composed into an ordinance: the weather limits and, from November 1 through
// March 31, the affidavit filed with the Public Service Commission at least 24 hours before a
// termination (COMAR 20.31.03.03A), at exact instants and at the season's edges.
import { planCase } from './case-plan';
import {
  composeProfile,
  evaluate,
  MD_RULES,
  MD_WEATHER,
  MD_WINTER_AFFIDAVIT,
  validateProfile,
} from './index';
import { account, codes, contact, notice } from './test-support';
import type { AccountSnapshot, AffidavitRecord, WeatherDay } from './types';

const MD = composeProfile(
  'PA',
  { ...MD_RULES, holidayRegion: { country: 'US', state: 'MD' } },
  { code: 'CHESAPEAKE', name: 'Chesapeake electric ordinance (Maryland rules)' },
);

const mild = (from: string, days: number): WeatherDay[] =>
  Array.from({ length: days }, (_, i) => {
    const d = new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10);
    return { date: d, forecastHighF: 55, forecastLowF: 40 };
  });

const affidavit = (filedAt: string, reference = 'PSC-2026-0117'): AffidavitRecord => ({ filedAt, reference });

// Past due since 2026-10-20; notice mailed 2026-11-02; reached in person 2026-11-13; forecasts of
// 40°F and more. Tuesday 2026-11-17 10:00 EST (15:00Z) is otherwise lawful.
const NOV17 = '2026-11-17T15:00:00Z';
const november = (over: Partial<AccountSnapshot> = {}) =>
  account({
    notices: [notice('2026-11-02T15:00:00Z'), contact('2026-11-13T15:00:00Z')],
    weather: mild('2026-11-10', 40),
    ...over,
  });

describe('MD: a winter termination needs an affidavit filed with the PSC 24 hours ahead', () => {
  it('without the rule (weather only) the termination on 2026-11-17 would be allowed', () => {
    const weatherOnly = composeProfile('PA', { weather: MD_WEATHER }, { code: 'W', name: 'weather only' });
    expect(weatherOnly.winterAffidavit).toBeNull();
    expect(evaluate(weatherOnly, november(), 'DISCONNECT', NOV17).allowed).toBe(true);
  });

  it('no winter termination for arrears of $200 or less: no affidavit may certify them (COMAR 20.31.03.03B(7))', () => {
    const filed = { affidavits: [affidavit('2026-11-15T15:00:00Z')] };
    const small = evaluate(MD, november({ ...filed, pastDueCents: 20_000n }), 'DISCONNECT', NOV17);
    expect(codes(small.blocking)).toEqual(['MD_WINTER_AFFIDAVIT_ARREARS']);
    expect(codes(small.protections)).toEqual(['MD_WINTER_AFFIDAVIT_ARREARS']);
    expect(small.blocking[0]!.text).toBe(
      'Nov 1–Mar 31: past due $200.00 is not more than $200.00, the least an affidavit to the Public Service Commission may certify: no termination before 2027-04-01',
    );
    expect(evaluate(MD, november({ ...filed, pastDueCents: 20_001n }), 'DISCONNECT', NOV17).allowed).toBe(
      true,
    );
    // A utility serving both gas and electric: more than $300.
    const dual = composeProfile(
      MD,
      { winterAffidavit: { ...MD_WINTER_AFFIDAVIT, minArrearsCents: 30_000n } },
      { code: 'DUAL', name: 'gas and electric' },
    );
    expect(
      codes(evaluate(dual, november({ ...filed, pastDueCents: 25_000n }), 'DISCONNECT', NOV17).blocking),
    ).toEqual(['MD_WINTER_AFFIDAVIT_ARREARS']);
    // The case does not ask for an affidavit that cannot be filed.
    expect(planCase(MD, november({ pastDueCents: 20_000n }), NOV17).action).not.toBe('FILE_AFFIDAVIT');
  });

  it('blocks on 2026-11-17 with no affidavit on file, citing the rule', () => {
    const d = evaluate(MD, november(), 'DISCONNECT', NOV17);
    expect(d.allowed).toBe(false);
    expect(codes(d.blocking)).toEqual(['MD_WINTER_AFFIDAVIT_REQUIRED']);
    expect(d.blocking[0]).toEqual({
      code: 'MD_WINTER_AFFIDAVIT_REQUIRED',
      cite: 'COMAR 20.31.03.03A',
      text: 'Nov 1–Mar 31: no affidavit filed with the Public Service Commission since the notice of 2026-11-02: file one at least 24 hours before termination; without it the earliest day is 2027-04-01',
    });
    expect(d.protections).toEqual([]);
    // Waiting alone clears it on April 1, when this notice is no longer good: no moment to name.
    expect(d.earliest).toBeNull();
    expect(d.earliestReasons[0]!.text).toMatch(/^from 2027-04-01 00:00: the notice of 2026-11-02 stopped/);
  });

  it('allows it with an affidavit filed exactly 24 hours before', () => {
    const d = evaluate(
      MD,
      november({ affidavits: [affidavit('2026-11-16T15:00:00Z')] }),
      'DISCONNECT',
      NOV17,
    );
    expect(d.allowed).toBe(true);
    expect(d.reasons.find((r) => r.code === 'MD_WINTER_AFFIDAVIT')).toEqual({
      code: 'MD_WINTER_AFFIDAVIT',
      cite: 'COMAR 20.31.03.03A',
      text: 'affidavit (PSC-2026-0117) filed with the Public Service Commission 2026-11-16 10:00, at least 24 hours before',
    });
    // Well ahead is as good.
    expect(
      evaluate(MD, november({ affidavits: [affidavit('2026-11-13T20:00:00Z')] }), 'DISCONNECT', NOV17)
        .allowed,
    ).toBe(true);
  });

  it('blocks with one filed 23h59m before, naming the earliest moment (24 hours after filing)', () => {
    const d = evaluate(
      MD,
      november({ affidavits: [affidavit('2026-11-16T15:01:00Z')] }),
      'DISCONNECT',
      NOV17,
    );
    expect(d.allowed).toBe(false);
    expect(codes(d.blocking)).toEqual(['MD_WINTER_AFFIDAVIT']);
    expect(d.blocking[0]!.text).toBe(
      'affidavit (PSC-2026-0117) filed with the Public Service Commission 2026-11-16 10:01: termination 24 hours later, from 2026-11-17 10:01',
    );
    expect(d.earliest).toBe('2026-11-17T15:01:00.000Z');
  });

  it('an affidavit filed before the notice it would relate to does not count', () => {
    const d = evaluate(
      MD,
      november({ affidavits: [affidavit('2026-11-01T15:00:00Z', 'PSC-OLD')] }),
      'DISCONNECT',
      NOV17,
    );
    expect(codes(d.blocking)).toEqual(['MD_WINTER_AFFIDAVIT_REQUIRED']);
    expect(d.blocking[0]!.text).toMatch(
      /\(the affidavit filed 2026-11-01 10:00 \(PSC-OLD\) came before the notice of 2026-11-02 and does not count\)$/,
    );
  });

  it('one recorded for later is found by the forward search: 24 hours after it was filed', () => {
    const d = evaluate(
      MD,
      november({ affidavits: [affidavit('2026-11-18T14:30:00Z')] }),
      'DISCONNECT',
      NOV17,
    );
    expect(codes(d.blocking)).toEqual(['MD_WINTER_AFFIDAVIT_REQUIRED']);
    expect(d.earliest).toBe('2026-11-19T14:30:00.000Z');
  });

  it('the season is the local day of the act: 2026-03-31 23:30 needs one, 2026-04-01 does not', () => {
    const spring = (over: Partial<AccountSnapshot> = {}) =>
      account({
        oldestUnpaidDueDate: '2026-02-20',
        billMailedOn: '2026-02-01',
        incomeVerifiedOn: '2026-01-10',
        notices: [notice('2026-03-05T15:00:00Z'), contact('2026-03-25T14:00:00Z')],
        weather: mild('2026-03-25', 20),
        ...over,
      });
    // 23:30 EDT on March 31 is 03:30Z on April 1: still March 31 where the premise is.
    const late = evaluate(MD, spring(), 'DISCONNECT', '2026-04-01T03:30:00Z');
    expect(codes(late.blocking)).toContain('MD_WINTER_AFFIDAVIT_REQUIRED');
    // Tuesday March 31, 10:00 EDT: only the affidavit blocks; the earliest is Wednesday 08:00 EDT.
    const morning = evaluate(MD, spring(), 'DISCONNECT', '2026-03-31T14:00:00Z');
    expect(codes(morning.blocking)).toEqual(['MD_WINTER_AFFIDAVIT_REQUIRED']);
    expect(morning.blocking[0]!.text).toMatch(/without it the earliest day is 2026-04-01$/);
    expect(morning.earliest).toBe('2026-04-01T12:00:00.000Z');
    const april = evaluate(MD, spring(), 'DISCONNECT', '2026-04-01T14:00:00Z');
    expect(april.allowed).toBe(true);
    expect(april.reasons.find((r) => r.code === 'MD_WINTER_AFFIDAVIT')?.text).toBe(
      'no affidavit to the Public Service Commission needed outside Nov 1–Mar 31',
    );
    // An affidavit filed late on March 31 waits its hours only while the season lasts.
    const filedLate = evaluate(
      MD,
      spring({ affidavits: [affidavit('2026-03-31T14:00:00Z')] }),
      'DISCONNECT',
      '2026-03-31T19:00:00Z',
    );
    expect(codes(filedLate.blocking)).toEqual(['MD_WINTER_AFFIDAVIT']);
    expect(filedLate.earliest).toBe('2026-04-01T12:00:00.000Z');
  });

  it('covers residential gas and electric service only', () => {
    expect(evaluate(MD, november({ customerClass: 'COM' }), 'DISCONNECT', NOV17).allowed).toBe(true);
    const water = evaluate(MD, november({ service: 'WATER' }), 'DISCONNECT', NOV17);
    expect(water.allowed).toBe(true);
    expect(water.reasons.find((r) => r.code === 'MD_WINTER_AFFIDAVIT')?.text).toBe(
      'the Nov 1–Mar 31 affidavit covers ELECTRIC, GAS service only',
    );
  });

  it('does not stop the notice or the contact before it', () => {
    const s = november({ notices: [] });
    expect(evaluate(MD, s, 'DISCONNECT_NOTICE', '2026-11-02T15:00:00Z').allowed).toBe(true);
    expect(
      evaluate(MD, november({ notices: [notice('2026-11-02T15:00:00Z')] }), 'SHORT_NOTICE_CONTACT', NOV17)
        .allowed,
    ).toBe(true);
  });

  it('composes into any profile, and a parameter that cannot be evaluated is refused', () => {
    expect(MD.winterAffidavit).toBe(MD_WINTER_AFFIDAVIT);
    expect(MD.citations).toContain('COMAR 20.31.03.03A');
    expect(() =>
      validateProfile({ ...MD, winterAffidavit: { ...MD_WINTER_AFFIDAVIT, leadHours: -1 } }),
    ).toThrow(/winterAffidavit.leadHours/);
    expect(() =>
      validateProfile({
        ...MD,
        winterAffidavit: { ...MD_WINTER_AFFIDAVIT, season: { from: 'Nov', to: '03-31' } },
      }),
    ).toThrow(/winterAffidavit.season/);
  });
});

describe('MD: the case waits for the affidavit instead of ordering a crew', () => {
  it('asks for the affidavit when it is all that is missing, and names no moment', () => {
    const p = planCase(MD, november(), NOV17);
    expect(p).toMatchObject({ action: 'FILE_AFFIDAVIT', now: false, earliest: null });
    expect(codes(p.why.blocking)).toEqual(['MD_WINTER_AFFIDAVIT_REQUIRED']);
    // Later the same day, and the next: still waiting, never a disconnection.
    expect(planCase(MD, november(), '2026-11-18T15:00:00Z')).toMatchObject({
      action: 'FILE_AFFIDAVIT',
      now: false,
    });
  });

  it('asks for none while a protection holds the account (an open dispute): it waits as it would', () => {
    const disputed = november({ disputes: [{ openedAt: '2026-11-10T15:00:00Z', resolvedAt: null }] });
    const p = planCase(MD, disputed, NOV17);
    expect(codes(p.why.protections).length).toBeGreaterThan(0);
    expect(p.action).not.toBe('FILE_AFFIDAVIT');
    expect(p.now).toBe(false);
  });

  it('sends the notice and makes the contact first', () => {
    expect(planCase(MD, november({ notices: [] }), NOV17).action).toBe('DISCONNECT_NOTICE');
    expect(planCase(MD, november({ notices: [notice('2026-11-02T15:00:00Z')] }), NOV17).action).toBe(
      'SHORT_NOTICE_CONTACT',
    );
  });

  it('once one is recorded: waits out its 24 hours, then disconnects', () => {
    const filed = november({ affidavits: [affidavit('2026-11-17T14:00:00Z')] });
    expect(planCase(MD, filed, NOV17)).toMatchObject({
      action: 'DISCONNECT',
      now: false,
      earliest: '2026-11-18T14:00:00.000Z',
    });
    expect(planCase(MD, filed, '2026-11-18T14:00:00Z')).toMatchObject({ action: 'DISCONNECT', now: true });
  });

  it('needs none on 2026-04-01', () => {
    const s = account({
      oldestUnpaidDueDate: '2026-02-20',
      billMailedOn: '2026-02-01',
      incomeVerifiedOn: '2026-01-10',
      notices: [notice('2026-03-05T15:00:00Z'), contact('2026-03-25T14:00:00Z')],
      weather: mild('2026-03-25', 20),
    });
    expect(planCase(MD, s, '2026-03-31T14:00:00Z').action).toBe('FILE_AFFIDAVIT');
    expect(planCase(MD, s, '2026-04-01T14:00:00Z')).toMatchObject({ action: 'DISCONNECT', now: true });
  });
});
