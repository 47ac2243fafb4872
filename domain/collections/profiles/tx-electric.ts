// Texas electric: 16 TAC §25.483 (disconnection of service), including the extreme-weather rule
// in §25.483(j).
import type { ExtremeWeatherPlanRule, PolicyProfile } from '../types';
import {
  anyPastDue,
  DEFAULT_DISCONNECT_HOURS,
  DEFAULT_RECONNECTION_HOURS,
  ENGINE_DEFAULT,
  INCOME_VERIFICATION_MAX_AGE_DAYS,
  MON_FRI,
  SUPERVISOR_HOLD,
} from './defaults';

const RULE = '16 TAC §25.483';

/**
 * Bills that fell due during an extreme-weather emergency (a day the weather rules below would block
 * a disconnection, read for the due date in the premise's service area) get a deferred payment
 * plan on the customer's request, even where the ordinary terms would refuse one; disconnection
 * waits while the plan is kept (the arrangement hold). The rule fixes no term: by default the bills
 * may be spread over at least 3 monthly installments (the ordinary maximum when longer) with no
 * down payment required. Term and down payment are utility settings; compose another with
 * composeProfile(base, { extremeWeatherPlan: { ...TX_EXTREME_WEATHER_PLAN, termMonths: 6 } }, ...).
 */
export const TX_EXTREME_WEATHER_PLAN: ExtremeWeatherPlanRule = {
  code: 'TX_EXTREME_WEATHER_PLAN',
  cite: '16 TAC §25.483(j)',
  termMonths: 3,
  downPaymentPct: 0,
  note: 'the rule sets no term: at least 3 monthly installments and no down payment are utility settings',
  customerClasses: ['RES'],
};

export const TX_ELECTRIC_V1: PolicyProfile = {
  code: 'TX_ELECTRIC',
  name: 'Texas electric — 16 TAC §25.483',
  effectiveFrom: '2020-01-01',
  basedOn: null,
  citations: [RULE, '16 TAC §25.483(g)', '16 TAC §25.483(j)', '16 TAC §25.497'],
  timeZone: 'America/Chicago',
  holidayRegion: { country: 'US', state: 'TX' },
  extraHolidays: [],
  services: ['ELECTRIC'],
  delinquency: anyPastDue('TX_DELINQUENCY', RULE),
  disconnectDelinquency: null,
  notice: {
    code: 'TX_TEN_DAY_NOTICE',
    cite: RULE,
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
  // A critical-care household (a resident depends on an electric-powered medical device to sustain
  // life): the customer and the emergency contact on the application are called first; when the
  // calls reach neither, the premises is visited and, with no answer, a door hanger is left. A
  // designation lasts two years (§25.497(a)(4)).
  criticalCare: {
    code: 'TX_CRITICAL_CARE',
    cite: '16 TAC §25.483(g)(2)(B); §25.497',
    designationMonths: 24,
  },
  winterAffidavit: null,
  disconnectWindow: {
    code: 'TX_TERMINATION_DAYS',
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
    services: ['ELECTRIC'],
    rules: [
      {
        // The previous day's highest temperature did not exceed 32°F and the forecast stays at or
        // below it.
        kind: 'PRIOR_DAY_COLD',
        code: 'TX_EXTREME_COLD',
        cite: '16 TAC §25.483(j)',
        observedHighMaxF: 32,
        forecastHighMaxF: 32,
        heatingOnly: false,
      },
      {
        // An NWS heat advisory that day or on either of the two preceding days.
        kind: 'HEAT_ADVISORY',
        code: 'TX_HEAT_ADVISORY',
        cite: '16 TAC §25.483(j)',
        lookbackDays: 2,
        coolingOnly: false,
      },
    ],
  },
  // The rule's own medical protection (ill and disabled customers) is not in the design notes; a
  // recorded certificate is honoured for its recorded term.
  medical: {
    code: 'TX_MEDICAL',
    cite: `${RULE} (ill or disabled customers; check)`,
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
  dispute: { code: 'TX_DISPUTE', cite: RULE },
  hold: SUPERVISOR_HOLD,
  arrangementHold: { code: 'TX_DEFERRED_PAYMENT_PLAN', cite: RULE, resumeAfterDefault: null },
  arrangementTerms: {
    code: 'TX_DEFERRED_PAYMENT_TERMS',
    cite: ENGINE_DEFAULT,
    tiers: [
      { maxPctFpl: null, minMonths: 1, maxMonths: 6, maxDownPaymentPct: null, label: 'all households' },
    ],
    downPaymentCapHalfOrThreeMonths: false,
    noNewAfterDefaultUnlessIncomeChanged: false,
    refuseIfDefaultWithinMonths: null,
    note: 'the design notes set no term for Texas; this profile allows up to 6 months',
  },
  extremeWeatherPlan: TX_EXTREME_WEATHER_PLAN,
  reconnection: {
    code: 'TX_RECONNECTION',
    cite: ENGINE_DEFAULT,
    rules: [],
    fallbackHours: DEFAULT_RECONNECTION_HOURS,
  },
  reconnectionFee: null,
  reconnectionFeeCaps: [],
  lateChargeWaivers: [],
  recipients: {
    thirdPartyDesignee: { code: 'TX_THIRD_PARTY_NOTICE', cite: RULE },
    tenantOccupied: null,
    seniorOrDependentAdult: null,
    healthDepartment: null,
  },
  incomeVerificationMaxAgeDays: INCOME_VERIFICATION_MAX_AGE_DAYS,
};

export const TX_ELECTRIC_VERSIONS: readonly PolicyProfile[] = [TX_ELECTRIC_V1];
