// California energy: Public Utilities Code §779.1 (and §10010.1 for municipal utilities),
// medical protection §779(b), payment plans per CPUC D.12-03-054.
import type { PolicyProfile } from '../types';
import {
  DEFAULT_DISCONNECT_HOURS,
  DEFAULT_RECONNECTION_HOURS,
  ENGINE_DEFAULT,
  INCOME_VERIFICATION_MAX_AGE_DAYS,
  MON_FRI,
  SUPERVISOR_HOLD,
} from './defaults';

export const CA_ENERGY_V1: PolicyProfile = {
  code: 'CA_ENERGY',
  name: 'California energy — Pub. Util. Code §779.1 and §10010.1',
  effectiveFrom: '2020-01-01',
  basedOn: null,
  citations: [
    'Cal. Pub. Util. Code §779(b)',
    'Cal. Pub. Util. Code §779.1',
    'Cal. Pub. Util. Code §779.6',
    'Cal. Pub. Util. Code §10010.1',
    'CPUC D.12-03-054',
  ],
  timeZone: 'America/Los_Angeles',
  holidayRegion: { country: 'US', state: 'CA' },
  extraHolidays: [],
  services: ['ELECTRIC', 'GAS'],
  // The bill is due no sooner than 19 days after mailing; the 10-day notice is mailed no earlier
  // than day 19, and only once the bill is past due.
  delinquency: {
    code: 'CA_NOTICE_TIMING',
    cite: 'Cal. Pub. Util. Code §779.1',
    minDaysPastDue: 1,
    minPastDueCents: 1n,
    notBeforeDaysAfterBillMailed: 19,
    fromRule: true,
  },
  disconnectDelinquency: null,
  notice: {
    code: 'CA_TEN_DAY_NOTICE',
    cite: 'Cal. Pub. Util. Code §779.1',
    leadDays: 10,
    leadDayCount: 'CALENDAR',
    leadDaysByChannel: {},
    // The 10 days run from 5 days after mailing.
    mailAllowanceDays: 5,
    validityDays: null,
  },
  winterNotice: null,
  shortNotice: {
    code: 'CA_24_HOUR_CONTACT',
    cite: 'Cal. Pub. Util. Code §779.1',
    season: null,
    lead: { amount: 24, unit: 'HOURS' },
    channels: ['PHONE', 'IN_PERSON'],
    mustReach: true,
    phoneAttemptDays: 1,
    phoneHours: null,
    // Nobody reached: a notice posted at the premises 48 hours before.
    postedFallbackHours: 48,
  },
  postedNotice: null,
  actConditions: [],
  criticalCare: null,
  winterAffidavit: null,
  disconnectWindow: {
    code: 'CA_TERMINATION_DAYS',
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
    code: 'CA_MEDICAL',
    cite: 'Cal. Pub. Util. Code §779(b)',
    maxDays: null,
    minDays: null,
    maxRenewalsSameArrears: null,
    maxPerRollingMonths: null,
    phoneFollowUp: null,
    // §779(b): a licensed physician certifies, the customer cannot pay and agrees to amortize.
    certifiers: ['PHYSICIAN'],
    inabilityToPay: 'EVERY_CERTIFICATE',
    planAgreement: true,
    restoresWithinDaysOfDisconnection: null,
  },
  // No shutoff while a complaint is investigated or an extension is granted.
  dispute: { code: 'CA_COMPLAINT', cite: 'Cal. Pub. Util. Code §779.1' },
  hold: SUPERVISOR_HOLD,
  arrangementHold: { code: 'CA_AMORTIZATION', cite: 'Cal. Pub. Util. Code §779.1', resumeAfterDefault: null },
  arrangementTerms: {
    code: 'CA_PAYMENT_PLAN_TERMS',
    cite: 'CPUC D.12-03-054',
    tiers: [
      { maxPctFpl: null, minMonths: 3, maxMonths: 12, maxDownPaymentPct: null, label: 'all households' },
    ],
    downPaymentCapHalfOrThreeMonths: false,
    noNewAfterDefaultUnlessIncomeChanged: false,
    refuseIfDefaultWithinMonths: null,
    note: null,
  },
  extremeWeatherPlan: null,
  reconnection: {
    code: 'CA_RECONNECTION',
    cite: 'Cal. Pub. Util. Code §779.6',
    rules: [
      {
        code: 'CA_RECONNECT',
        cite: 'Cal. Pub. Util. Code §779.6',
        causes: 'ANY',
        season: null,
        excavation: null,
        hours: null,
        remoteHours: 24,
        businessDays: 1,
        text: 'within 24 hours where it can be done remotely, 1 business day in the field',
      },
    ],
    fallbackHours: DEFAULT_RECONNECTION_HOURS,
  },
  reconnectionFee: null,
  reconnectionFeeCaps: [],
  lateChargeWaivers: [],
  recipients: {
    thirdPartyDesignee: { code: 'CA_THIRD_PARTY_NOTICE', cite: 'Cal. Pub. Util. Code §779.1' },
    tenantOccupied: null,
    seniorOrDependentAdult: { code: 'CA_SENIOR_THIRD_PARTY_NOTICE', cite: 'Cal. Pub. Util. Code §779.1' },
    healthDepartment: null,
  },
  incomeVerificationMaxAgeDays: INCOME_VERIFICATION_MAX_AGE_DAYS,
};

export const CA_ENERGY_VERSIONS: readonly PolicyProfile[] = [CA_ENERGY_V1];
