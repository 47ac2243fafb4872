// Ohio: OAC 4901:1-18 (gas and electric disconnection).
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

const CH = 'OAC 4901:1-18';
const NOTICE = 'OAC 4901:1-18-06';

export const OH_V1: PolicyProfile = {
  code: 'OH',
  name: 'Ohio — OAC 4901:1-18',
  effectiveFrom: '2020-01-01',
  basedOn: null,
  citations: [CH, NOTICE, 'OAC 4901:1-18-05'],
  timeZone: 'America/New_York',
  holidayRegion: { country: 'US', state: 'OH' },
  extraHolidays: [],
  services: ['ELECTRIC', 'GAS'],
  delinquency: anyPastDue('OH_DELINQUENCY', NOTICE),
  disconnectDelinquency: null,
  notice: {
    code: 'OH_FOURTEEN_DAY_NOTICE',
    cite: NOTICE,
    leadDays: 14,
    leadDayCount: 'CALENDAR',
    leadDaysByChannel: {},
    mailAllowanceDays: 0,
    validityDays: null,
  },
  winterNotice: null,
  shortNotice: null,
  postedNotice: null,
  actConditions: [
    {
      code: 'OH_DAY_OF_DISCONNECTION_NOTICE',
      cite: NOTICE,
      text: 'on the day: personal notice to the customer or an adult at the premises, otherwise a notice posted there',
      season: null,
    },
  ],
  criticalCare: null,
  winterAffidavit: null,
  disconnectWindow: {
    code: 'OH_TERMINATION_TIME',
    cite: NOTICE,
    weekdays: MON_FRI,
    hours: DEFAULT_DISCONNECT_HOURS,
    hoursCite: null,
    noDayBeforeHoliday: false,
    // Not after 12:30 p.m. on the day before a day when reconnection is not performed.
    cutoffBeforeNoReconnectDay: '12:30',
  },
  contactHours: null,
  moratoria: [],
  weather: null,
  medical: {
    code: 'OH_MEDICAL_CERTIFICATE',
    cite: NOTICE,
    maxDays: 30,
    minDays: null,
    maxRenewalsSameArrears: null,
    maxPerRollingMonths: { count: 3, months: 12 },
    phoneFollowUp: null,
    certifiers: null,
    inabilityToPay: null,
    planAgreement: false,
    restoresWithinDaysOfDisconnection: null,
  },
  dispute: { code: 'OH_COMPLAINT', cite: CH },
  hold: SUPERVISOR_HOLD,
  arrangementHold: { code: 'OH_PAYMENT_PLAN', cite: 'OAC 4901:1-18-05', resumeAfterDefault: null },
  arrangementTerms: {
    code: 'OH_PAYMENT_PLAN_TERMS',
    cite: 'OAC 4901:1-18-05 (check)',
    tiers: [
      { maxPctFpl: null, minMonths: 1, maxMonths: 6, maxDownPaymentPct: null, label: 'all households' },
    ],
    downPaymentCapHalfOrThreeMonths: false,
    noNewAfterDefaultUnlessIncomeChanged: false,
    refuseIfDefaultWithinMonths: null,
    note: 'the design notes set no term for Ohio; this profile allows up to 6 months (the one-sixth plan)',
  },
  extremeWeatherPlan: null,
  reconnection: {
    code: 'OH_RECONNECTION',
    cite: ENGINE_DEFAULT,
    rules: [],
    fallbackHours: DEFAULT_RECONNECTION_HOURS,
  },
  reconnectionFee: null,
  reconnectionFeeCaps: [],
  lateChargeWaivers: [],
  recipients: {
    thirdPartyDesignee: { code: 'OH_THIRD_PARTY_NOTICE', cite: CH },
    tenantOccupied: null,
    seniorOrDependentAdult: null,
    healthDepartment: null,
  },
  incomeVerificationMaxAgeDays: INCOME_VERIFICATION_MAX_AGE_DAYS,
};

export const OH_VERSIONS: readonly PolicyProfile[] = [OH_V1];
