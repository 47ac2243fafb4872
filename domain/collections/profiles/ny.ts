// New York: the Home Energy Fair Practices Act (Public Service Law Art. 2) and 16 NYCRR Part 11;
// Part 14 for water.
import type { PolicyProfile } from '../types';
import {
  ALL_SERVICES,
  DEFAULT_RECONNECTION_HOURS,
  INCOME_VERIFICATION_MAX_AGE_DAYS,
  SUPERVISOR_HOLD,
} from './defaults';

// The cold period and its 72-hour contact follow one utility's tariff (Nov 1–Apr 15).
const COLD_PERIOD = { from: '11-01', to: '04-15' };

export const NY_V1: PolicyProfile = {
  code: 'NY',
  name: 'New York — HEFPA (PSL Art. 2) and 16 NYCRR Part 11',
  effectiveFrom: '2020-01-01',
  basedOn: null,
  citations: [
    'N.Y. Pub. Serv. Law §32',
    'PSL §35',
    'PSL §37',
    'PSL §40',
    '16 NYCRR 11.5',
    '16 NYCRR Part 14',
  ],
  timeZone: 'America/New_York',
  holidayRegion: { country: 'US', state: 'NY' },
  extraHolidays: [],
  services: ALL_SERVICES,
  // A final notice may not be issued until at least 20 days after the due date.
  delinquency: {
    code: 'NY_FINAL_NOTICE_TIMING',
    cite: 'N.Y. Pub. Serv. Law §32',
    minDaysPastDue: 20,
    minPastDueCents: 1n,
    notBeforeDaysAfterBillMailed: null,
    fromRule: true,
  },
  disconnectDelinquency: null,
  notice: {
    code: 'NY_FINAL_NOTICE',
    cite: 'N.Y. Pub. Serv. Law §32',
    leadDays: 15,
    leadDayCount: 'CALENDAR',
    leadDaysByChannel: {},
    mailAllowanceDays: 0,
    validityDays: null,
  },
  winterNotice: null,
  shortNotice: {
    code: 'NY_COLD_PERIOD_CONTACT',
    cite: '16 NYCRR Part 11; utility tariff (cold period)',
    season: COLD_PERIOD,
    lead: { amount: 72, unit: 'HOURS' },
    channels: ['PHONE', 'IN_PERSON'],
    // Diligent efforts to contact: an attempt counts.
    mustReach: false,
    phoneAttemptDays: 1,
    phoneHours: null,
    postedFallbackHours: null,
  },
  postedNotice: null,
  actConditions: [
    {
      code: 'NY_COLD_PERIOD_VISIT',
      cite: '16 NYCRR Part 11; utility tariff (cold period)',
      text: 'cold period: a personal visit to the premises at the time of termination',
      season: COLD_PERIOD,
    },
  ],
  criticalCare: null,
  winterAffidavit: null,
  disconnectWindow: {
    code: 'NY_TERMINATION_TIME',
    cite: 'N.Y. Pub. Serv. Law §32',
    weekdays: [1, 2, 3, 4],
    hours: { start: '08:00', end: '16:00' },
    hoursCite: 'N.Y. Pub. Serv. Law §32',
    // Never if that day or the next is a public holiday.
    noDayBeforeHoliday: true,
    cutoffBeforeNoReconnectDay: null,
  },
  contactHours: null,
  moratoria: [],
  weather: null,
  medical: {
    code: 'NY_MEDICAL_EMERGENCY',
    cite: '16 NYCRR 11.5',
    maxDays: null,
    minDays: null,
    maxRenewalsSameArrears: null,
    maxPerRollingMonths: null,
    // A phone certification holds if the written one follows within 5 business days.
    phoneFollowUp: { days: 5, dayCount: 'BUSINESS' },
    // A physician or local board of health certifies; a renewal needs a showing that the customer
    // cannot pay (16 NYCRR 11.5).
    certifiers: ['PHYSICIAN', 'BOARD_OF_HEALTH'],
    inabilityToPay: 'RENEWALS',
    planAgreement: false,
    restoresWithinDaysOfDisconnection: null,
  },
  dispute: { code: 'NY_COMPLAINT', cite: 'N.Y. Pub. Serv. Law Art. 2 (HEFPA); 16 NYCRR Part 11' },
  hold: SUPERVISOR_HOLD,
  arrangementHold: { code: 'NY_DEFERRED_PAYMENT_AGREEMENT', cite: 'PSL §37', resumeAfterDefault: null },
  arrangementTerms: {
    code: 'NY_DEFERRED_PAYMENT_TERMS',
    cite: 'PSL §37',
    tiers: [
      { maxPctFpl: null, minMonths: 1, maxMonths: 60, maxDownPaymentPct: null, label: 'all households' },
    ],
    downPaymentCapHalfOrThreeMonths: true,
    noNewAfterDefaultUnlessIncomeChanged: false,
    refuseIfDefaultWithinMonths: null,
    note: 'the law fits terms to the customer’s finances and sets no term cap; this profile accepts up to 60 months',
  },
  extremeWeatherPlan: null,
  reconnection: {
    code: 'NY_RECONNECTION',
    cite: 'PSL §35',
    rules: [
      {
        code: 'NY_RECONNECT_24H',
        cite: 'PSL §35',
        causes: 'ANY',
        season: null,
        excavation: null,
        hours: 24,
        remoteHours: null,
        businessDays: null,
        text: 'within 24 hours of payment, agreement or order',
      },
    ],
    fallbackHours: DEFAULT_RECONNECTION_HOURS,
  },
  reconnectionFee: null,
  reconnectionFeeCaps: [],
  lateChargeWaivers: [],
  recipients: {
    thirdPartyDesignee: { code: 'NY_THIRD_PARTY_NOTICE', cite: 'PSL §40' },
    tenantOccupied: {
      code: 'NY_OCCUPANT_NOTICE',
      cite: 'PSL §40; 16 NYCRR Part 14 (water)',
      roles: ['OCCUPANT'],
      // Multiple dwellings: local officials (health and social services) are told as well.
      localOfficials: true,
    },
    seniorOrDependentAdult: null,
    healthDepartment: null,
  },
  incomeVerificationMaxAgeDays: INCOME_VERIFICATION_MAX_AGE_DAYS,
};

export const NY_VERSIONS: readonly PolicyProfile[] = [NY_V1];
