// Reconnection deadlines and fee caps, and who receives the written notice.
import {
  getProfile,
  isAfterHours,
  reconnectionDeadline,
  reconnectionFee,
  requiredNoticeRecipients,
  composeProfile,
} from './index';
import { account, codes } from './test-support';

describe('reconnection deadlines', () => {
  const PA = getProfile('PA', '2026-06-01');
  const june = account({ disconnectedAt: '2026-06-08T14:00:00Z' });

  it.each([
    ['PAID', {}, '2026-06-13T14:00:00.000Z', 'PA_RECONNECT_APR_NOV'],
    ['ARRANGEMENT', {}, '2026-06-13T14:00:00.000Z', 'PA_RECONNECT_APR_NOV'],
    ['ERRONEOUS', {}, '2026-06-11T14:00:00.000Z', 'PA_RECONNECT_ERRONEOUS'],
    ['MEDICAL', {}, '2026-06-11T14:00:00.000Z', 'PA_RECONNECT_MEDICAL'],
    ['PAID', { excavation: true }, '2026-06-17T14:00:00.000Z', 'PA_RECONNECT_EXCAVATION'],
    ['ERRONEOUS', { excavation: true }, '2026-06-13T14:00:00.000Z', 'PA_RECONNECT_ERRONEOUS_EXCAVATION'],
    ['MEDICAL', { excavation: true }, '2026-06-11T14:00:00.000Z', 'PA_RECONNECT_MEDICAL'],
  ] as const)('PA, June termination, %s %o → %s', (cause, opts, due, code) => {
    const r = reconnectionDeadline(PA, june, cause, '2026-06-10T14:00:00Z', opts);
    expect(r.due).toBe(due);
    expect(codes(r.reasons)).toEqual([code]);
  });

  it('PA: a termination between December 1 and March 31 is restored within 24 hours', () => {
    const jan = account({ disconnectedAt: '2027-01-12T15:00:00Z' });
    const r = reconnectionDeadline(PA, jan, 'PAID', '2027-04-02T15:00:00Z', { excavation: true });
    expect(r.due).toBe('2027-04-03T15:00:00.000Z');
    expect(r.reasons[0]).toMatchObject({ code: 'PA_RECONNECT_WINTER', cite: '66 Pa.C.S. §1407(b)(2)' });
  });

  it('PA: an erroneous January termination needing digging is restored within 24 hours, as any winter one', () => {
    const jan = account({ disconnectedAt: '2027-01-12T15:00:00Z' });
    const r = reconnectionDeadline(PA, jan, 'ERRONEOUS', '2027-01-13T15:00:00Z', { excavation: true });
    expect(r.due).toBe('2027-01-14T15:00:00.000Z');
    expect(codes(r.reasons)).toEqual(['PA_RECONNECT_WINTER']);
  });

  it('NY: 24 hours after payment, agreement or order', () => {
    const r = reconnectionDeadline(getProfile('NY', '2026-06-01'), june, 'ORDER', '2026-06-10T14:00:00Z');
    expect(r.due).toBe('2026-06-11T14:00:00.000Z');
  });

  it('CA energy: 24 hours remote, 1 business day in the field, the shorter when not stated', () => {
    const CA = getProfile('CA_ENERGY', '2026-06-01');
    const friday = '2026-11-06T23:00:00Z'; // 15:00 PST
    expect(reconnectionDeadline(CA, june, 'ARRANGEMENT', friday, { remote: true }).due).toBe(
      '2026-11-07T23:00:00.000Z',
    );
    expect(reconnectionDeadline(CA, june, 'ARRANGEMENT', friday, { remote: false }).due).toBe(
      '2026-11-09T23:00:00.000Z',
    );
    const unknown = reconnectionDeadline(CA, june, 'ARRANGEMENT', friday);
    expect(unknown.due).toBe('2026-11-07T23:00:00.000Z');
    expect(unknown.reasons[0]!.text).toContain('remote or field not stated: the shorter deadline applies');
  });

  it('IL: one day after a medical certificate, one business day after an error; otherwise the default', () => {
    const IL = getProfile('IL', '2026-06-01');
    const medical = reconnectionDeadline(IL, june, 'MEDICAL', '2026-06-10T14:00:00Z');
    expect(medical.reasons[0]).toMatchObject({
      code: 'IL_RECONNECT_MEDICAL',
      cite: '83 Ill. Adm. Code 280.160; 280.170(b)(1)',
    });
    expect(medical.due).toBe('2026-06-11T14:00:00.000Z'); // Wednesday → Thursday
    // Certified on a Friday afternoon: Saturday afternoon, not Monday (§280.160: within one day).
    expect(reconnectionDeadline(IL, june, 'MEDICAL', '2026-06-12T20:00:00Z').due).toBe(
      '2026-06-13T20:00:00.000Z',
    );
    // Disconnected in error on a Friday afternoon: one business day, Monday afternoon.
    expect(reconnectionDeadline(IL, june, 'ERRONEOUS', '2026-06-12T20:00:00Z').due).toBe(
      '2026-06-15T20:00:00.000Z',
    );
    expect(reconnectionDeadline(IL, june, 'ERRONEOUS', '2026-06-12T20:00:00Z').reasons[0]!.code).toBe(
      'IL_RECONNECT_ERRONEOUS',
    );
    const paid = reconnectionDeadline(IL, june, 'PAID', '2026-06-10T14:00:00Z');
    expect(paid.due).toBe('2026-06-11T14:00:00.000Z');
    expect(paid.reasons[0]).toMatchObject({
      code: 'IL_RECONNECTION_DEFAULT',
      cite: 'OpenCIS default (the jurisdiction sets none)',
    });
  });
});

describe('reconnection fees', () => {
  const CW = getProfile('CA_WATER', '2026-06-01');
  const income = (incomePctFpl: number | null, verified = true) =>
    account({ service: 'WATER', incomePctFpl, incomeVerifiedOn: verified ? '2026-05-01' : null });

  // The CA water profile carries no tariff charge; a utility composes its own.
  const tariffed = (business: bigint, after: bigint, code = 'T1') =>
    composeProfile(
      CW,
      {
        reconnectionFee: { code: 'T', cite: 'tariff', businessHoursCents: business, afterHoursCents: after },
      },
      { code, name: 't' },
    );

  it('CA water below 200% FPL with no tariff charge: nothing is charged; the cap is only a limit', () => {
    for (const afterHours of [false, true]) {
      const r = reconnectionFee(CW, income(150), afterHours);
      expect(r.feeCents).toBe(0n);
      expect(codes(r.reasons)).toEqual(['CA_WATER_RECONNECTION_FEE_CAP', 'RECONNECTION_FEE_NOT_SET']);
      expect(r.reasons[0]!.cite).toBe('Cal. Health & Safety Code §116914(a)');
      expect(r.reasons[0]!.text).toMatch(/limited to \$(50|150)\.00/);
    }
  });

  it('CA water: the cap holds a higher tariff down; a lower tariff stands', () => {
    const high = tariffed(8000n, 20000n);
    expect(reconnectionFee(high, income(150), false).feeCents).toBe(5000n);
    expect(reconnectionFee(high, income(150), true).feeCents).toBe(15000n);
    expect(reconnectionFee(high, income(250), true).feeCents).toBe(20000n);
    const low = tariffed(4000n, 9000n, 'T2');
    expect(reconnectionFee(low, income(150), false).feeCents).toBe(4000n);
  });

  it('unknown or unverified income gets the cap', () => {
    const high = tariffed(8000n, 20000n);
    expect(reconnectionFee(high, income(null), false).feeCents).toBe(5000n);
    expect(reconnectionFee(high, income(400, false), true).feeCents).toBe(15000n);
    // Verified long ago, checked against the date given.
    expect(reconnectionFee(high, income(400), true, '2027-08-01T12:00:00Z').feeCents).toBe(15000n);
  });

  it('no cap and no tariff: nothing to charge, and the reason says the tariff is missing', () => {
    const r = reconnectionFee(CW, income(250), false);
    expect(r.feeCents).toBe(0n);
    expect(codes(r.reasons)).toEqual(['CA_WATER_RECONNECTION_FEE_CAP', 'RECONNECTION_FEE_NOT_SET']);
  });

  it('Millbrook: $50 in business hours, $150 after hours', () => {
    const M = getProfile('MUNICIPAL', '2026-07-01');
    expect(reconnectionFee(M, account({ service: 'WATER' }), false)).toEqual({
      feeCents: 5000n,
      reasons: [
        {
          code: 'MILLBROOK_RECONNECTION_CHARGE',
          cite: 'Millbrook Ordinance 2026-14, General provisions',
          text: 'reconnection charge in business hours: $50.00',
        },
      ],
    });
    expect(reconnectionFee(M, account({ service: 'WATER' }), true).feeCents).toBe(15000n);
  });
});

describe('notice recipients', () => {
  const roles = (list: { role: string }[]) => list.map((r) => r.role);

  it('the customer alone by default', () => {
    expect(roles(requiredNoticeRecipients(getProfile('PA', '2026-06-01'), account()))).toEqual(['CUSTOMER']);
  });

  it('a designated third party', () => {
    const r = requiredNoticeRecipients(getProfile('PA', '2026-06-01'), account({ thirdPartyDesignee: true }));
    expect(r[1]).toEqual({
      role: 'THIRD_PARTY',
      reason: {
        code: 'PA_THIRD_PARTY_NOTICE',
        cite: '52 Pa. Code §56.131',
        text: 'the third party the customer designated gets a copy',
      },
    });
  });

  it('CA energy: third-party notice for a customer 65+ or a dependent adult', () => {
    const r = requiredNoticeRecipients(
      getProfile('CA_ENERGY', '2026-06-01'),
      account({ age65OrDependentAdult: true }),
    );
    expect(roles(r)).toEqual(['CUSTOMER', 'THIRD_PARTY']);
    expect(r[1]!.reason.code).toBe('CA_SENIOR_THIRD_PARTY_NOTICE');
    expect(
      roles(
        requiredNoticeRecipients(getProfile('PA', '2026-06-01'), account({ age65OrDependentAdult: true })),
      ),
    ).toEqual(['CUSTOMER']);
  });

  it('tenant-occupied: "Occupant" notices in NY (plus local officials) and CA water', () => {
    const tenants = account({ tenantOccupied: true });
    expect(roles(requiredNoticeRecipients(getProfile('NY', '2026-06-01'), tenants))).toEqual([
      'CUSTOMER',
      'OCCUPANT',
      'HEALTH_DEPARTMENT',
    ]);
    const cw = requiredNoticeRecipients(getProfile('CA_WATER', '2026-06-01'), {
      ...tenants,
      service: 'WATER',
    });
    expect(roles(cw)).toEqual(['CUSTOMER', 'OCCUPANT']);
    expect(cw[1]!.reason.text).toBe('tenant-occupied: a notice to the residents addressed to "Occupant"');
  });

  it('IL: the local health department for winter heating terminations', () => {
    const IL = getProfile('IL', '2026-06-01');
    const heat = account({ service: 'GAS', heating: true });
    expect(roles(requiredNoticeRecipients(IL, heat, '2026-12-01'))).toEqual([
      'CUSTOMER',
      'HEALTH_DEPARTMENT',
    ]);
    expect(roles(requiredNoticeRecipients(IL, heat, '2026-07-01'))).toEqual(['CUSTOMER']);
    expect(requiredNoticeRecipients(IL, heat)[1]!.reason.text).toMatch(/^Nov 1–Mar 31 only: /);
    expect(roles(requiredNoticeRecipients(IL, { ...heat, heating: false }, '2026-12-01'))).toEqual([
      'CUSTOMER',
    ]);
  });
});

describe('reconnection in business hours or after (the reconnection charge)', () => {
  const M = getProfile('MUNICIPAL', '2026-12-01');
  it.each([
    ['Monday 10:00', '2026-12-07T15:00:00Z', false],
    ['Monday 16:29', '2026-12-07T21:29:00Z', false],
    ['Monday 16:30', '2026-12-07T21:30:00Z', true],
    ['Monday 07:59', '2026-12-07T12:59:00Z', true],
    ['Saturday noon', '2026-12-12T17:00:00Z', true],
    ['Christmas Day', '2026-12-25T15:00:00Z', true],
  ])('%s', (_label, at, after) => {
    expect(isAfterHours(M, at)).toBe(after);
  });

  it('Millbrook charges $50.00 in business hours, $150.00 after', () => {
    const s = account();
    expect(reconnectionFee(M, s, false).feeCents).toBe(5_000n);
    expect(reconnectionFee(M, s, true).feeCents).toBe(15_000n);
  });
});
