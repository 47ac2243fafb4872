// Illinois: 220 ILCS 5/8-201 to 8-206 and 83 Ill. Adm. Code 280 (gas, electric, water, sewer).
import type { PolicyProfile } from '../types';
import {
  ALL_SERVICES,
  anyPastDue,
  DEFAULT_DISCONNECT_HOURS,
  DEFAULT_RECONNECTION_HOURS,
  ENGINE_DEFAULT,
  INCOME_VERIFICATION_MAX_AGE_DAYS,
  MON_FRI,
  SUPERVISOR_HOLD,
} from './defaults';

const WEATHER = '220 ILCS 5/8-205';
const PART_280 = '83 Ill. Adm. Code 280';
const WINTER = { from: '11-01', to: '03-31' };

export const IL_V1: PolicyProfile = {
  code: 'IL',
  name: 'Illinois — 220 ILCS 5/8-201..8-206 and 83 Ill. Adm. Code 280',
  effectiveFrom: '2020-01-01',
  basedOn: null,
  citations: [WEATHER, '220 ILCS 5/8-206', PART_280, '83 Ill. Adm. Code 280.160'],
  timeZone: 'America/Chicago',
  holidayRegion: { country: 'US', state: 'IL' },
  extraHolidays: [],
  services: ALL_SERVICES,
  delinquency: anyPastDue('IL_DELINQUENCY', PART_280),
  disconnectDelinquency: null,
  notice: {
    code: 'IL_DISCONNECTION_NOTICE',
    cite: PART_280,
    // Mailed at least 8 days ahead, 5 days by other means.
    leadDays: 5,
    leadDayCount: 'CALENDAR',
    leadDaysByChannel: { MAIL: 8 },
    mailAllowanceDays: 0,
    validityDays: null,
  },
  winterNotice: {
    // Nov–Mar heating terminations: wait 6 business days after the winter notification (which
    // also goes to the local health department, see recipients).
    code: 'IL_WINTER_NOTIFICATION',
    cite: `220 ILCS 5/8-206; ${PART_280}`,
    season: WINTER,
    heatingOnly: true,
    waitDays: 6,
    waitDayCount: 'BUSINESS',
  },
  shortNotice: null,
  postedNotice: null,
  actConditions: [],
  criticalCare: null,
  winterAffidavit: null,
  disconnectWindow: {
    code: 'IL_TERMINATION_DAYS',
    cite: ENGINE_DEFAULT,
    weekdays: MON_FRI,
    hours: DEFAULT_DISCONNECT_HOURS,
    hoursCite: null,
    noDayBeforeHoliday: false,
    cutoffBeforeNoReconnectDay: null,
  },
  contactHours: null,
  moratoria: [],
  weather: {
    services: ['ELECTRIC', 'GAS'],
    rules: [
      // Next-24-hour forecast at or below 32°F where the service is the space heating: the
      // 24 hours from any moment of a day reach into the next day, so both days' lows count.
      {
        kind: 'FORECAST_COLD',
        code: 'IL_FORECAST_COLD',
        cite: `${WEATHER}(a)(1)`,
        maxF: 32,
        days: 2,
        heatingOnly: true,
      },
      {
        kind: 'FORECAST_HOT',
        code: 'IL_FORECAST_HOT',
        cite: `${WEATHER}(b)`,
        minF: 95,
        days: 2,
        advisory: true,
        coolingOnly: true,
      },
      {
        kind: 'BEFORE_NON_WORKDAY',
        code: 'IL_COLD_BEFORE_WEEKEND_OR_HOLIDAY',
        cite: `${WEATHER}(a)(2)`,
        maxLowF: 32,
        minHighF: null,
        heatingOnly: true,
        coolingOnly: false,
      },
      {
        kind: 'BEFORE_NON_WORKDAY',
        code: 'IL_HOT_BEFORE_WEEKEND_OR_HOLIDAY',
        cite: `${WEATHER}(b)(2)`,
        maxLowF: null,
        minHighF: 95,
        heatingOnly: false,
        coolingOnly: true,
      },
    ],
  },
  medical: {
    code: 'IL_MEDICAL_CERTIFICATE',
    cite: '83 Ill. Adm. Code 280.160',
    maxDays: null,
    // At least 60 days; a phone certificate holds if the written one follows within 7 days.
    minDays: 60,
    maxRenewalsSameArrears: null,
    maxPerRollingMonths: null,
    phoneFollowUp: { days: 7, dayCount: 'CALENDAR' },
    certifiers: null,
    inabilityToPay: null,
    planAgreement: false,
    // A certificate restores service cut off no more than 14 days before it (§280.160).
    restoresWithinDaysOfDisconnection: 14,
  },
  dispute: { code: 'IL_DISPUTE', cite: PART_280 },
  hold: SUPERVISOR_HOLD,
  arrangementHold: { code: 'IL_DEFERRED_PAYMENT_AGREEMENT', cite: PART_280, resumeAfterDefault: null },
  arrangementTerms: {
    code: 'IL_DEFERRED_PAYMENT_TERMS',
    cite: PART_280,
    tiers: [
      // "Low income" here is at or below 150% FPL (check against the LIHEAP threshold in force).
      { maxPctFpl: 150, minMonths: 6, maxMonths: 12, maxDownPaymentPct: 20, label: 'low income' },
      { maxPctFpl: null, minMonths: 1, maxMonths: 12, maxDownPaymentPct: null, label: 'other households' },
    ],
    downPaymentCapHalfOrThreeMonths: false,
    noNewAfterDefaultUnlessIncomeChanged: false,
    refuseIfDefaultWithinMonths: 12,
    note: null,
  },
  extremeWeatherPlan: null,
  reconnection: {
    code: 'IL_RECONNECTION',
    cite: ENGINE_DEFAULT,
    rules: [
      // §280.160: service cut off up to 14 days before a medical certificate is restored within
      // one day of it. §280.170(b)(1) gives the same case first priority "within one business
      // day"; a day is the shorter of the two (a Friday certificate is not left until Monday), so
      // it is the deadline. A disconnection made in error is first priority too (one business
      // day). A customer who remedies the reason is not listed here: the rule gives electric,
      // water and sewer customers four calendar days, and the engine's default (24 hours) is
      // inside that.
      {
        code: 'IL_RECONNECT_MEDICAL',
        cite: '83 Ill. Adm. Code 280.160; 280.170(b)(1)',
        causes: ['MEDICAL'],
        season: null,
        excavation: null,
        hours: 24,
        remoteHours: null,
        businessDays: null,
        text: 'valid medical certificate: first priority, restored within one day (24 hours) of the certification',
      },
      {
        code: 'IL_RECONNECT_ERRONEOUS',
        cite: '83 Ill. Adm. Code 280.170(b)(2)',
        causes: ['ERRONEOUS'],
        season: null,
        excavation: null,
        hours: null,
        remoteHours: null,
        businessDays: 1,
        text: 'disconnected in error: within one business day',
      },
    ],
    fallbackHours: DEFAULT_RECONNECTION_HOURS,
  },
  reconnectionFee: null,
  reconnectionFeeCaps: [],
  lateChargeWaivers: [],
  recipients: {
    thirdPartyDesignee: { code: 'IL_THIRD_PARTY_NOTICE', cite: PART_280 },
    tenantOccupied: null,
    seniorOrDependentAdult: null,
    healthDepartment: {
      code: 'IL_HEALTH_DEPARTMENT_NOTICE',
      cite: `220 ILCS 5/8-206; ${PART_280}`,
      season: WINTER,
      heatingOnly: true,
    },
  },
  incomeVerificationMaxAgeDays: INCOME_VERIFICATION_MAX_AGE_DAYS,
};

export const IL_VERSIONS: readonly PolicyProfile[] = [IL_V1];
