// California water: the Water Shutoff Protection Act (SB 998, Health & Safety Code §116900 et
// seq.), extended by SB 3. Urban water suppliers comply from February 1, 2020.
import type { PolicyProfile } from '../types';
import {
  anyPastDue,
  DEFAULT_DISCONNECT_HOURS,
  DEFAULT_RECONNECTION_HOURS,
  ENGINE_DEFAULT,
  INCOME_VERIFICATION_MAX_AGE_DAYS,
  MON_FRI,
  SUPERVISOR_HOLD,
} from './defaults';

const HSC = 'Cal. Health & Safety Code';

export const CA_WATER_V1: PolicyProfile = {
  code: 'CA_WATER',
  name: 'California water — SB 998 / SB 3 (Health & Safety Code §116900 et seq.)',
  effectiveFrom: '2020-02-01',
  basedOn: null,
  citations: [`${HSC} §116906`, `${HSC} §116908`, `${HSC} §116910`, `${HSC} §116914`, `${HSC} §116916`],
  timeZone: 'America/Los_Angeles',
  holidayRegion: { country: 'US', state: 'CA' },
  extraHolidays: [],
  services: ['WATER', 'SEWER'],
  delinquency: anyPastDue('CA_WATER_DELINQUENCY', `${HSC} §116908(a)(1)(A)`),
  // No shutoff until a payment has been delinquent for at least 60 days.
  disconnectDelinquency: { code: 'CA_WATER_60_DAYS', cite: `${HSC} §116908(a)(1)(A)`, minDaysPastDue: 60 },
  notice: {
    code: 'CA_WATER_SEVEN_BUSINESS_DAYS',
    cite: `${HSC} §116908(a)(1)(A)`,
    // Contact by telephone or written notice at least seven business days before.
    leadDays: 7,
    leadDayCount: 'BUSINESS',
    leadDaysByChannel: {},
    mailAllowanceDays: 0,
    validityDays: null,
  },
  winterNotice: null,
  shortNotice: null,
  postedNotice: null,
  actConditions: [],
  criticalCare: null,
  winterAffidavit: null,
  disconnectWindow: {
    code: 'CA_WATER_TERMINATION_DAYS',
    cite: ENGINE_DEFAULT,
    weekdays: MON_FRI,
    hours: DEFAULT_DISCONNECT_HOURS,
    hoursCite: null,
    noDayBeforeHoliday: false,
    cutoffBeforeNoReconnectDay: null,
  },
  contactHours: null,
  moratoria: [],
  weather: null,
  medical: {
    code: 'CA_WATER_MEDICAL',
    cite: `${HSC} §116910(a)`,
    maxDays: null,
    minDays: null,
    maxRenewalsSameArrears: null,
    maxPerRollingMonths: null,
    phoneFollowUp: null,
    // §116910(a): a primary care provider certifies, the customer is financially unable to pay
    // and willing to enter a payment plan.
    certifiers: ['PHYSICIAN', 'NURSE_PRACTITIONER', 'PHYSICIAN_ASSISTANT'],
    inabilityToPay: 'EVERY_CERTIFICATE',
    planAgreement: true,
    restoresWithinDaysOfDisconnection: null,
  },
  dispute: { code: 'CA_WATER_APPEAL', cite: `${HSC} §116906(a)(3); §116908` },
  hold: SUPERVISOR_HOLD,
  arrangementHold: {
    code: 'CA_WATER_PAYMENT_PLAN',
    cite: `${HSC} §116910(b)`,
    // After 60 days in default, shutoff no sooner than 5 business days after a final notice.
    resumeAfterDefault: { minDaysInDefault: 60, noticeLeadDays: 5, noticeDayCount: 'BUSINESS' },
  },
  arrangementTerms: {
    code: 'CA_WATER_PAYMENT_PLAN_TERMS',
    cite: `${HSC} §116906(a); §116910(b)`,
    tiers: [
      { maxPctFpl: null, minMonths: 1, maxMonths: 12, maxDownPaymentPct: null, label: 'all households' },
    ],
    downPaymentCapHalfOrThreeMonths: false,
    noNewAfterDefaultUnlessIncomeChanged: false,
    refuseIfDefaultWithinMonths: null,
    note: null,
  },
  extremeWeatherPlan: null,
  reconnection: {
    code: 'CA_WATER_RECONNECTION',
    cite: ENGINE_DEFAULT,
    rules: [],
    fallbackHours: DEFAULT_RECONNECTION_HOURS,
  },
  reconnectionFee: null,
  reconnectionFeeCaps: [
    {
      // CPI-indexed from 2021; compose a profile with the current amounts.
      code: 'CA_WATER_RECONNECTION_FEE_CAP',
      cite: `${HSC} §116914(a)`,
      belowPctFpl: 200,
      businessHoursCents: 5000n,
      afterHoursCents: 15000n,
    },
  ],
  // §116914(a)(2): interest on delinquent bills waived once every 12 months for a household that
  // shows income below 200% FPL. The late payment charge is that interest.
  lateChargeWaivers: [
    {
      code: 'CA_WATER_LATE_CHARGE_WAIVER',
      cite: `${HSC} §116914(a)(2)`,
      belowPctFpl: 200,
      onceEveryMonths: 12,
    },
  ],
  recipients: {
    thirdPartyDesignee: { code: 'CA_WATER_THIRD_PARTY_NOTICE', cite: `${HSC} §116908` },
    tenantOccupied: {
      code: 'CA_WATER_OCCUPANT_NOTICE',
      cite: `${HSC} §116916`,
      roles: ['OCCUPANT'],
      localOfficials: false,
    },
    seniorOrDependentAdult: null,
    healthDepartment: null,
  },
  incomeVerificationMaxAgeDays: INCOME_VERIFICATION_MAX_AGE_DAYS,
};

export const CA_WATER_VERSIONS: readonly PolicyProfile[] = [CA_WATER_V1];
