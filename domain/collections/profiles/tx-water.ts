// Texas water and sewer: 16 TAC §24.167 (discontinuance of service). The written notice is headed
// "termination notice", in English and Spanish where needed, gives at least ten days to act, the
// intended date, the total past due and every reconnect fee; a check returned unpaid is not
// payment (§24.167(a)(2)(A)(i): a returned payment is reversed on the ledger, so the balance it
// was meant to pay stays past due).
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

const RULE = '16 TAC §24.167';

export const TX_WATER_V1: PolicyProfile = {
  code: 'TX_WATER',
  name: 'Texas water and sewer — 16 TAC §24.167',
  effectiveFrom: '2020-01-01',
  basedOn: null,
  citations: [RULE, '16 TAC §24.167(a)(1)'],
  timeZone: 'America/Chicago',
  holidayRegion: { country: 'US', state: 'TX' },
  extraHolidays: [],
  services: ['WATER', 'SEWER'],
  delinquency: anyPastDue('TX_WATER_DELINQUENCY', RULE),
  disconnectDelinquency: null,
  notice: {
    code: 'TX_WATER_TERMINATION_NOTICE',
    cite: '16 TAC §24.167(a)(1)',
    // The date to act by is at least ten days from the day the notice is provided.
    leadDays: 10,
    leadDayCount: 'CALENDAR',
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
    code: 'TX_WATER_TERMINATION_DAYS',
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
  // The design notes give no medical rule for Texas water; a recorded certificate is honoured
  // for its recorded term.
  medical: {
    code: 'TX_WATER_MEDICAL',
    cite: `${RULE} (check)`,
    maxDays: null,
    minDays: null,
    maxRenewalsSameArrears: null,
    maxPerRollingMonths: null,
    phoneFollowUp: null,
    certifiers: null,
    inabilityToPay: null,
    planAgreement: false,
    restoresWithinDaysOfDisconnection: null,
  },
  dispute: { code: 'TX_WATER_DISPUTE', cite: RULE },
  hold: SUPERVISOR_HOLD,
  // Disconnection is for a delinquent account or a broken deferred payment agreement: one kept
  // protects.
  arrangementHold: { code: 'TX_WATER_DEFERRED_PAYMENT_AGREEMENT', cite: RULE, resumeAfterDefault: null },
  arrangementTerms: {
    code: 'TX_WATER_DEFERRED_PAYMENT_TERMS',
    cite: ENGINE_DEFAULT,
    tiers: [
      { maxPctFpl: null, minMonths: 1, maxMonths: 6, maxDownPaymentPct: null, label: 'all households' },
    ],
    downPaymentCapHalfOrThreeMonths: false,
    noNewAfterDefaultUnlessIncomeChanged: false,
    refuseIfDefaultWithinMonths: null,
    note: 'the design notes set no term for Texas water; this profile allows up to 6 months',
  },
  extremeWeatherPlan: null,
  reconnection: {
    code: 'TX_WATER_RECONNECTION',
    cite: ENGINE_DEFAULT,
    rules: [],
    fallbackHours: DEFAULT_RECONNECTION_HOURS,
  },
  // The notice must list every reconnect fee (§24.167(a)(1)(G)): a Texas water utility composes
  // its tariff's charge onto this preset (composeProfile), as Millbrook does onto Pennsylvania's.
  reconnectionFee: null,
  reconnectionFeeCaps: [],
  lateChargeWaivers: [],
  recipients: {
    thirdPartyDesignee: null,
    tenantOccupied: null,
    seniorOrDependentAdult: null,
    healthDepartment: null,
  },
  incomeVerificationMaxAgeDays: INCOME_VERIFICATION_MAX_AGE_DAYS,
};

export const TX_WATER_VERSIONS: readonly PolicyProfile[] = [TX_WATER_V1];
