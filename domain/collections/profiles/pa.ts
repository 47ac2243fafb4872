// Pennsylvania: 66 Pa.C.S. Ch. 14 (Responsible Utility Customer Protection) and 52 Pa. Code Ch. 56,
// for electric, gas, water and wastewater. Choices where the text leaves room are noted inline.
import type { PolicyProfile } from '../types';
import {
  ALL_SERVICES,
  anyPastDue,
  DEFAULT_DISCONNECT_HOURS,
  DEFAULT_RECONNECTION_HOURS,
  INCOME_VERIFICATION_MAX_AGE_DAYS,
  SUPERVISOR_HOLD,
} from './defaults';

const WINTER = { from: '12-01', to: '03-31' };
const RECONNECT = '66 Pa.C.S. §1407(b); 52 Pa. Code §56.191';

export const PA_V1: PolicyProfile = {
  code: 'PA',
  name: 'Pennsylvania — 66 Pa.C.S. Ch. 14 and 52 Pa. Code Ch. 56',
  // The rules as they stand; earlier versions of Chapter 14 are not encoded.
  effectiveFrom: '2020-01-01',
  basedOn: null,
  citations: [
    '66 Pa.C.S. §1405',
    '66 Pa.C.S. §1406',
    '66 Pa.C.S. §1407',
    '66 Pa.C.S. §1503',
    '52 Pa. Code §56.82',
    '52 Pa. Code §56.91',
    '52 Pa. Code §56.100',
    '52 Pa. Code §§56.111–56.114',
    '52 Pa. Code §56.131',
    '52 Pa. Code §56.141',
    '52 Pa. Code §56.191',
  ],
  timeZone: 'America/New_York',
  holidayRegion: { country: 'US', state: 'PA' },
  extraHolidays: [],
  services: ALL_SERVICES,
  // The rules set no minimum beyond "nonpayment of an undisputed delinquent account" (§1406(a)(1)).
  delinquency: anyPastDue('PA_DELINQUENCY', '66 Pa.C.S. §1406(a)(1)'),
  disconnectDelinquency: null,
  notice: {
    code: 'PA_TEN_DAY_NOTICE',
    cite: '66 Pa.C.S. §1406(b)(1)(i); 52 Pa. Code §56.91',
    leadDays: 10,
    leadDayCount: 'CALENDAR',
    leadDaysByChannel: {},
    mailAllowanceDays: 0,
    // "The termination notice shall remain effective for 60 days."
    validityDays: 60,
  },
  winterNotice: null,
  shortNotice: {
    code: 'PA_THREE_DAY_CONTACT',
    cite: '66 Pa.C.S. §1406(b)(1)(ii); §1503(b)',
    season: null,
    lead: { amount: 3, unit: 'DAYS' },
    channels: ['PHONE', 'IN_PERSON'],
    mustReach: false,
    // Phone contact is complete after attempted calls on two separate days, 7 a.m.–9 p.m.
    phoneAttemptDays: 2,
    phoneHours: { start: '07:00', end: '21:00' },
    postedFallbackHours: null,
  },
  postedNotice: {
    code: 'PA_WINTER_POSTED_NOTICE',
    cite: '66 Pa.C.S. §1406(b)(1)(iii)',
    season: WINTER,
    leadHours: 48,
    unlessInPersonContact: true,
  },
  actConditions: [],
  criticalCare: null,
  winterAffidavit: null,
  disconnectWindow: {
    code: 'PA_TERMINATION_DAYS',
    cite: '66 Pa.C.S. §1503(a); 52 Pa. Code §56.82',
    // Monday–Thursday: never Friday, a weekend, a bank holiday or the day before one, so payment
    // can be taken and service restored that day and the next.
    weekdays: [1, 2, 3, 4],
    hours: DEFAULT_DISCONNECT_HOURS,
    hoursCite: null,
    noDayBeforeHoliday: true,
    cutoffBeforeNoReconnectDay: null,
  },
  contactHours: { start: '07:00', end: '21:00' },
  moratoria: [
    {
      code: 'PA_WINTER_MORATORIUM',
      cite: '52 Pa. Code §56.100; 66 Pa.C.S. §1406(e)',
      season: WINTER,
      customerClasses: ['RES'],
      maxPctFpl: 250,
      heatingOnly: false,
      services: null,
      liftedBy: 'PUC permission',
    },
  ],
  weather: null,
  medical: {
    code: 'PA_MEDICAL_CERTIFICATE',
    cite: '52 Pa. Code §§56.111–56.114',
    maxDays: 30,
    minDays: null,
    maxRenewalsSameArrears: 2,
    maxPerRollingMonths: null,
    phoneFollowUp: null,
    // §56.111 (as amended in 2019): a licensed physician, physician assistant or nurse practitioner
    // certifies.
    certifiers: ['PHYSICIAN', 'PHYSICIAN_ASSISTANT', 'NURSE_PRACTITIONER'],
    inabilityToPay: null,
    planAgreement: false,
    restoresWithinDaysOfDisconnection: null,
  },
  dispute: { code: 'PA_DISPUTE', cite: '52 Pa. Code §56.141' },
  hold: SUPERVISOR_HOLD,
  arrangementHold: { code: 'PA_PAYMENT_AGREEMENT', cite: '66 Pa.C.S. §1405', resumeAfterDefault: null },
  arrangementTerms: {
    code: 'PA_PAYMENT_AGREEMENT_TERMS',
    cite: '66 Pa.C.S. §1405(b)',
    // §1405(b)(2) as amended in 2014 (Act 155): three years for 150–250% FPL. The two years in
    // the 2004 text is superseded.
    tiers: [
      { maxPctFpl: 150, minMonths: 1, maxMonths: 60, maxDownPaymentPct: null, label: 'at or below 150% FPL' },
      { maxPctFpl: 250, minMonths: 1, maxMonths: 36, maxDownPaymentPct: null, label: '150–250% FPL' },
      { maxPctFpl: 300, minMonths: 1, maxMonths: 12, maxDownPaymentPct: null, label: '250–300% FPL' },
      { maxPctFpl: null, minMonths: 1, maxMonths: 6, maxDownPaymentPct: null, label: 'above 300% FPL' },
    ],
    downPaymentCapHalfOrThreeMonths: false,
    noNewAfterDefaultUnlessIncomeChanged: true,
    refuseIfDefaultWithinMonths: null,
    note: null,
  },
  extremeWeatherPlan: null,
  reconnection: {
    code: 'PA_RECONNECTION',
    cite: RECONNECT,
    // Ordered, first match wins; where two paragraphs could apply the shorter deadline comes first.
    rules: [
      {
        code: 'PA_RECONNECT_MEDICAL',
        cite: '66 Pa.C.S. §1407(b)(1)',
        causes: ['MEDICAL'],
        season: null,
        excavation: null,
        hours: 24,
        remoteHours: null,
        businessDays: null,
        text: 'on receipt of a valid medical certificate: within 24 hours',
      },
      {
        code: 'PA_RECONNECT_WINTER',
        cite: '66 Pa.C.S. §1407(b)(2)',
        causes: 'ANY',
        season: WINTER,
        excavation: null,
        hours: 24,
        remoteHours: null,
        businessDays: null,
        text: 'termination between December 1 and March 31: within 24 hours',
      },
      {
        code: 'PA_RECONNECT_ERRONEOUS_EXCAVATION',
        cite: '66 Pa.C.S. §1407(b)(3)',
        causes: ['ERRONEOUS'],
        season: null,
        excavation: true,
        hours: 72,
        remoteHours: null,
        businessDays: null,
        text: 'erroneous termination needing street or sidewalk digging: within 3 days',
      },
      {
        code: 'PA_RECONNECT_ERRONEOUS',
        cite: '66 Pa.C.S. §1407(b)(1)',
        causes: ['ERRONEOUS'],
        season: null,
        excavation: null,
        hours: 24,
        remoteHours: null,
        businessDays: null,
        text: 'erroneous termination: within 24 hours',
      },
      {
        code: 'PA_RECONNECT_EXCAVATION',
        cite: '66 Pa.C.S. §1407(b)(5)',
        causes: 'ANY',
        season: null,
        excavation: true,
        hours: 168,
        remoteHours: null,
        businessDays: null,
        text: 'proper termination needing street or sidewalk digging: within 7 days',
      },
      {
        code: 'PA_RECONNECT_APR_NOV',
        cite: '66 Pa.C.S. §1407(b)(4)',
        causes: 'ANY',
        season: null,
        excavation: null,
        hours: 72,
        remoteHours: null,
        businessDays: null,
        text: 'proper termination from April 1 to November 30: within 3 days',
      },
    ],
    fallbackHours: DEFAULT_RECONNECTION_HOURS,
  },
  // §1407(a): a fee "based upon the public utility's cost as approved by the commission"; the
  // utility's tariff amount is set by the ordinance or tariff that composes this profile.
  reconnectionFee: null,
  reconnectionFeeCaps: [],
  lateChargeWaivers: [],
  recipients: {
    thirdPartyDesignee: { code: 'PA_THIRD_PARTY_NOTICE', cite: '52 Pa. Code §56.131' },
    tenantOccupied: null,
    seniorOrDependentAdult: null,
    healthDepartment: null,
  },
  incomeVerificationMaxAgeDays: INCOME_VERIFICATION_MAX_AGE_DAYS,
};

export const PA_VERSIONS: readonly PolicyProfile[] = [PA_V1];
