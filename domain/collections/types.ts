// The collections / disconnection policy model: a jurisdiction's rules as data (PolicyParameters,
// effective-dated as PolicyProfile versions), what the engine knows about an account
// (AccountSnapshot), and what it answers (Decision). Every rule group carries the reason code and
// the citation the evaluator repeats in its reasons, so a decision can always say which rule
// decided it. The rules themselves are summarised in the design notes (RULES.md).

export type ProfileCode =
  | 'PA'
  | 'NY'
  | 'CA_ENERGY'
  | 'CA_WATER'
  | 'TX_ELECTRIC'
  | 'TX_WATER'
  | 'IL'
  | 'OH'
  | 'MUNICIPAL';

/** One reason: `code` is stable (e.g. 'PA_WINTER_MORATORIUM'), `cite` the rule, `text` says why. */
export interface Citation {
  code: string;
  cite: string;
  text: string;
}

export type Step = 'DISCONNECT_NOTICE' | 'SHORT_NOTICE_CONTACT' | 'POSTED_NOTICE' | 'DISCONNECT';

export interface Decision {
  step: Step;
  /** Lawful to do it at `at`. */
  allowed: boolean;
  /**
   * The earliest lawful instant >= `at` (UTC ISO), or null when blocked indefinitely: a protection
   * with no end date, missing weather data, a new notice or permission that is needed, or nothing
   * lawful within the search horizon.
   */
  earliest: string | null;
  /** Every rule that decided it: the ones that block and the ones that are satisfied. */
  reasons: Citation[];
  /** The reasons that block now (a subset of `reasons`). */
  blocking: Citation[];
  /** Protections in force at `at` (medical, dispute, arrangement, moratorium, weather, hold). */
  protections: Citation[];
  /** What the crew must do at the act itself (a personal visit, a same-day notice); never blocks. */
  conditions: Citation[];
  /**
   * Why `earliest` is what it is when it is not `at`: for null, the indefinite blockers the forward
   * search met and when (they may lie in the future of `at`, e.g. weather not yet recorded).
   */
  earliestReasons: Citation[];
}

// ---- the account snapshot --------------------------------------------------------------------

export type Service = 'WATER' | 'SEWER' | 'ELECTRIC' | 'GAS';
export type CustomerClass = 'RES' | 'COM';
export type Channel = 'MAIL' | 'EMAIL' | 'PHONE' | 'IN_PERSON' | 'POSTED';
export type NoticeKind = Step | 'REMINDER' | 'FINAL_NOTICE' | 'WINTER_NOTICE';

export interface NoticeRecord {
  /** DISCONNECT_NOTICE = the written termination notice; SHORT_NOTICE_CONTACT = a contact attempt. */
  step: NoticeKind;
  /** ISO instant (or YYYY-MM-DD, read as local midnight in the profile's zone). */
  sentAt: string;
  channel: Channel;
  /** YYYY-MM-DD: last day the notice is good for, when the notice itself says so. */
  expiresOn: string | null;
  /** For contact attempts: whether someone was reached. Missing means not reached. */
  outcome?: 'REACHED' | 'NOT_REACHED';
  /**
   * YYYY-MM-DD printed on a disconnection notice: service will not be shut off before it. Binds
   * the utility even where the rules would allow an earlier day (an emailed copy, say).
   */
  onOrAfter?: string | null;
  /**
   * Whom a contact attempt was for: the customer (absent) or, for a critical-care household, the
   * emergency contact named on its application. Only the customer's contacts count as the
   * short-notice contact.
   */
  recipient?: 'CUSTOMER' | 'EMERGENCY_CONTACT';
}

export interface MedicalCertificate {
  /** ISO instant or YYYY-MM-DD. */
  receivedAt: string;
  /** YYYY-MM-DD, inclusive. */
  validUntil: string;
  kind: 'PHONE' | 'WRITTEN';
  /** 0 for the first certificate, 1 for the first renewal for the same arrears, ... */
  renewalNumber: number;
  /** The arrears the certificate froze. */
  arrearsCents: bigint;
  /** YYYY-MM-DD: when a phone certificate's written confirmation is due (computed when absent). */
  writtenFollowUpBy?: string;
  /** Who certified it; absent = a physician. */
  certifier?: Certifier;
  /** The customer showed that they cannot pay (CA §779(b), SB 998; a NY renewal). */
  inabilityToPay?: boolean;
  /** The customer agreed to an amortization or payment plan (CA energy and water). */
  agreesToPlan?: boolean;
}

export type Certifier =
  | 'PHYSICIAN'
  | 'NURSE_PRACTITIONER'
  | 'PHYSICIAN_ASSISTANT'
  | 'BOARD_OF_HEALTH'
  | 'OTHER';

export interface Dispute {
  openedAt: string;
  resolvedAt: string | null;
}

export interface ArrangementState {
  status: 'CURRENT' | 'DEFAULTED' | 'COMPLETED';
  /** YYYY-MM-DD (or instant) the arrangement started. */
  since: string;
  /** YYYY-MM-DD the arrangement defaulted. */
  defaultedOn?: string;
}

/** Recorded weather for the service area and one local day; nothing is fetched. */
export interface WeatherDay {
  date: string;
  forecastHighF?: number;
  forecastLowF?: number;
  observedHighF?: number;
  observedLowF?: number;
  /** A National Weather Service heat advisory in effect that day. Absent in a day's record = none. */
  heatAdvisory?: boolean;
}

export interface AccountSnapshot {
  accountId: string;
  service: Service;
  customerClass: CustomerClass;
  /** The service is the household's primary (only) space heating. */
  heating: boolean;
  /** The service is the only space cooling; unknown (absent) is assumed true for electric service. */
  cooling?: boolean;
  /** Household income as a percentage of the federal poverty level; null when unknown. */
  incomePctFpl: number | null;
  /** YYYY-MM-DD the income was verified; null = self-reported or never. */
  incomeVerifiedOn: string | null;
  /** YYYY-MM-DD of the last reported change in household income (for second agreements). */
  incomeChangedOn?: string | null;
  age65OrDependentAdult: boolean;
  /** Renters or occupants at a master-metered or landlord account. */
  tenantOccupied: boolean;
  thirdPartyDesignee: boolean;
  language: string;
  /** YYYY-MM-DD: the due date of the oldest past-due bill; null when nothing is past due. */
  oldestUnpaidDueDate: string | null;
  pastDueCents: bigint;
  /** YYYY-MM-DD the oldest past-due bill was mailed. */
  billMailedOn: string | null;
  /** Average monthly bill over the last 12 months (NY down-payment cap). */
  averageMonthlyBillCents?: bigint | null;
  notices: NoticeRecord[];
  medicalCertificates: MedicalCertificate[];
  disputes: Dispute[];
  supervisorHold: { since: string; reason: string } | null;
  arrangement: ArrangementState | null;
  /** YYYY-MM-DD of every earlier arrangement default. */
  arrangementDefaults: string[];
  /**
   * Recorded weather for the service area: the days around `at` the evaluator reads and, for an
   * arrangement request under a profile with an extreme-weather plan, the days around each past-due
   * bill's due date.
   */
  weather: WeatherDay[];
  /**
   * The open past-due charges by due date (what `pastDueCents` is made of), for the
   * extreme-weather plan: which of them fell due in an extreme-weather emergency. Absent = not
   * loaded, and no bill is known to have.
   */
  pastDueBills?: PastDueBill[];
  disconnectedAt: string | null;
  /**
   * A critical-care designation (someone in the home depends on electric-powered life-sustaining
   * equipment): the days it is in force and whether the application names an emergency contact.
   */
  criticalCare?: CriticalCareDesignation | null;
  /** Affidavits filed with the regulator for this collections episode (absent = none). */
  affidavits?: AffidavitRecord[];
}

/**
 * An affidavit the utility filed with the regulator ahead of a termination (MD: with the Public
 * Service Commission, November through March, COMAR 20.31.03.03A).
 */
export interface AffidavitRecord {
  /** ISO instant it was filed. */
  filedAt: string;
  /** The Commission's reference for it (docket, confirmation number). */
  reference: string;
}

export interface PastDueBill {
  /** YYYY-MM-DD, the utility's local day. */
  dueDate: string;
  /** What is still open of it. */
  openCents: bigint;
}

export interface CriticalCareDesignation {
  /** YYYY-MM-DD, inclusive. */
  from: string;
  /** YYYY-MM-DD, inclusive. */
  until: string;
  emergencyContact: boolean;
}

// ---- policy parameters -----------------------------------------------------------------------

/** Every rule group names its reason code and its citation. */
export interface Rule {
  code: string;
  cite: string;
}

/** Month-day window, inclusive, that may wrap the year end: { from: '12-01', to: '03-31' }. */
export interface Season {
  from: string;
  to: string;
}

/** Local wall-clock window 'HH:MM' to 'HH:MM' (start inclusive, end exclusive). */
export interface ClockWindow {
  start: string;
  end: string;
}

export type DayCount = 'CALENDAR' | 'BUSINESS';

export interface DelinquencyRule extends Rule {
  /** Days after the due date before a written notice may go out (NY: 20). */
  minDaysPastDue: number;
  minPastDueCents: bigint;
  /** No notice before this many days after the bill was mailed (CA energy: 19). */
  notBeforeDaysAfterBillMailed: number | null;
  /** False when the jurisdiction sets no threshold and this is the engine's floor. */
  fromRule: boolean;
}

export interface NoticeRule extends Rule {
  leadDays: number;
  leadDayCount: DayCount;
  /** Lead by delivery channel where it differs (IL: 8 days by mail, 5 by other means). */
  leadDaysByChannel: Partial<Record<Channel, number>>;
  /** The lead runs from this many days after a mailed notice (CA energy: 5). */
  mailAllowanceDays: number;
  /** A notice stops being good after this many days (PA: 60); null = no limit. */
  validityDays: number | null;
}

export interface WinterNoticeRule extends Rule {
  season: Season;
  heatingOnly: boolean;
  waitDays: number;
  waitDayCount: DayCount;
}

export interface ShortNoticeRule extends Rule {
  /** Season the rule applies in; null = all year. */
  season: Season | null;
  lead: { amount: number; unit: 'DAYS' | 'HOURS' };
  channels: Channel[];
  /** Only a contact that reached someone counts (CA energy); otherwise an attempt counts. */
  mustReach: boolean;
  /** Unanswered phone attempts count once made on this many separate days (PA: 2). */
  phoneAttemptDays: number;
  /** Phone attempts count only inside this window (PA: 7am–9pm). */
  phoneHours: ClockWindow | null;
  /** When nobody was reached: a posted notice this many hours before instead (CA energy: 48). */
  postedFallbackHours: number | null;
}

export interface PostedNoticeRule extends Rule {
  season: Season | null;
  leadHours: number;
  /** No posting needed when someone was reached in person at the residence. */
  unlessInPersonContact: boolean;
}

/**
 * TX: before a critical-care household is disconnected, the customer and the emergency contact are
 * contacted; when the calls reach neither, the premises is visited and, with no answer, a door
 * hanger is left.
 */
export interface CriticalCareRule extends Rule {
  /** How long a designation lasts when the application gives no end (TX: two years). */
  designationMonths: number;
}

/**
 * MD: from November 1 through March 31 no residential gas or electric service is terminated for
 * nonpayment unless the utility first certifies to the Commission, by an affidavit filed at least
 * 24 hours before, that the termination does not threaten the occupants' life or health. Only an
 * affidavit filed since the written notice the termination rests on counts.
 */
export interface WinterAffidavitRule extends Rule {
  /** Local days of the act the affidavit is needed on: { from: '11-01', to: '03-31' }. */
  season: Season;
  /** The affidavit is filed at least this many hours before the act (MD: 24). */
  leadHours: number;
  customerClasses: CustomerClass[];
  /** Services it covers; null = every service the profile governs. */
  services: Service[] | null;
  /** Whom it is filed with, as the reasons name it ('the Public Service Commission'). */
  filedWith: string;
  /**
   * The affidavit certifies the arrears sought are more than this, so at or below it there is no
   * winter termination at all (MD: $200 for a utility of one service, $300 for one serving both
   * gas and electric); null = no such floor.
   */
  minArrearsCents: bigint | null;
}

export interface ActCondition extends Rule {
  text: string;
  season: Season | null;
}

export interface DisconnectWindowRule extends Rule {
  /** ISO weekdays allowed (1 = Monday ... 7 = Sunday). */
  weekdays: number[];
  hours: ClockWindow;
  /** Citation for the hours; null = the jurisdiction sets none and these are default business hours. */
  hoursCite: string | null;
  noDayBeforeHoliday: boolean;
  /** OH: not after this time on the day before a day when reconnection is not performed. */
  cutoffBeforeNoReconnectDay: string | null;
}

export interface MoratoriumRule extends Rule {
  season: Season;
  customerClasses: CustomerClass[];
  /** Households at or below this % of FPL are protected; null = everyone. */
  maxPctFpl: number | null;
  heatingOnly: boolean;
  services: Service[] | null;
  /** Who can lift it (e.g. 'PUC permission'); shown in the reason. */
  liftedBy: string;
}

export type WeatherRule =
  /** TX: previous day's observed high <= X and today's forecast high <= Y. */
  | (Rule & {
      kind: 'PRIOR_DAY_COLD';
      observedHighMaxF: number;
      forecastHighMaxF: number;
      heatingOnly: boolean;
    })
  /** TX: an NWS heat advisory today or on any of the `lookbackDays` prior days. */
  | (Rule & { kind: 'HEAT_ADVISORY'; lookbackDays: number; coolingOnly: boolean })
  /** Forecast low <= X on any of the next `days` local days (today included). */
  | (Rule & { kind: 'FORECAST_COLD'; maxF: number; days: number; heatingOnly: boolean })
  /** Forecast high >= X (or a heat advisory, if counted) on any of the next `days` days. */
  | (Rule & { kind: 'FORECAST_HOT'; minF: number; days: number; advisory: boolean; coolingOnly: boolean })
  /** IL: not the day before a weekend/holiday when the forecast for it is cold (or hot). */
  | (Rule & {
      kind: 'BEFORE_NON_WORKDAY';
      maxLowF: number | null;
      minHighF: number | null;
      heatingOnly: boolean;
      coolingOnly: boolean;
    });

export interface WeatherRules {
  services: Service[];
  rules: WeatherRule[];
}

export interface MedicalRule extends Rule {
  /** Longest one certificate protects, whatever end date it states (PA, OH: 30). */
  maxDays: number | null;
  /** A certificate protects at least this long (IL: 60). */
  minDays: number | null;
  /** PA: at most N renewals for the same arrears while current bills go unpaid. */
  maxRenewalsSameArrears: number | null;
  /** OH: at most `count` certificates in `months` months. */
  maxPerRollingMonths: { count: number; months: number } | null;
  /** A phone certificate holds only if the written one follows within this period. */
  phoneFollowUp: { days: number; dayCount: DayCount } | null;
  /** Who may certify (PA: physician or nurse practitioner); null = anyone licensed to. */
  certifiers: Certifier[] | null;
  /** A certificate protects only when the customer shows inability to pay: every one, or renewals. */
  inabilityToPay: 'EVERY_CERTIFICATE' | 'RENEWALS' | null;
  /** A certificate protects only when the customer agrees to a payment plan. */
  planAgreement: boolean;
  /**
   * Service already off is restored on a certificate received no more than this many days after
   * the disconnection (IL: 14); a later one does not restore it. null = any time.
   */
  restoresWithinDaysOfDisconnection: number | null;
}

export interface ArrangementHoldRule extends Rule {
  /** CA water: collections resume only after N days in default and a short notice after that. */
  resumeAfterDefault: { minDaysInDefault: number; noticeLeadDays: number; noticeDayCount: DayCount } | null;
}

export interface ArrangementTier {
  /** Upper bound of income (% FPL, inclusive); null = everyone above the previous tier. */
  maxPctFpl: number | null;
  minMonths: number;
  maxMonths: number;
  /** Down payment cap as a % of arrears (IL low income: 20). */
  maxDownPaymentPct: number | null;
  label: string;
}

export interface ArrangementTermsRule extends Rule {
  /** In ascending income order; the first tier that fits the household applies. */
  tiers: ArrangementTier[];
  /** NY: down payment <= lesser of half the arrears or 3 months' average bill. */
  downPaymentCapHalfOrThreeMonths: boolean;
  /** PA: no second agreement after a default unless household income changed. */
  noNewAfterDefaultUnlessIncomeChanged: boolean;
  /** IL: refused when an agreement failed within this many months. */
  refuseIfDefaultWithinMonths: number | null;
  /** Where the term cap is the profile's own choice rather than the rule's, say so. */
  note: string | null;
}

/**
 * TX (16 TAC §25.483): a bill that fell due during an extreme-weather emergency — a day on which
 * the profile's weather rules would block a disconnection, read for the due date in the premise's
 * service area — entitles the customer, on request, to a deferred payment plan for it, whatever the
 * ordinary terms say (an earlier default, a longer minimum term). Bills not due in an emergency
 * follow the ordinary terms. Where the rule names no term, the term and down payment here are the
 * utility's settings.
 */
export interface ExtremeWeatherPlanRule extends Rule {
  /**
   * The plan may spread the bills over up to this many monthly installments, or over the ordinary
   * tier's maximum when that is longer; the customer may choose fewer.
   */
  termMonths: number;
  /** The most down payment the plan may ask, as a % of the bills it covers (0 = none); more is the customer's choice. */
  downPaymentPct: number;
  /** Where the term or down payment is the utility's setting rather than the rule's, say so. */
  note: string | null;
  /** Whose bills the plan is for (TX: residential customers). */
  customerClasses: CustomerClass[];
}

export type ReconnectionCause = 'PAID' | 'ARRANGEMENT' | 'MEDICAL' | 'ERRONEOUS' | 'ORDER';

export interface ReconnectionRule extends Rule {
  causes: ReconnectionCause[] | 'ANY';
  /** Applies when the disconnection happened in this season. */
  season: Season | null;
  /** true = only with excavation, false = only without, null = either. */
  excavation: boolean | null;
  /** Deadline: hours after the cure, or business days (same local clock time). */
  hours: number | null;
  /** Where remote reconnection is possible a different deadline may apply (CA energy). */
  remoteHours: number | null;
  businessDays: number | null;
  text: string;
}

export interface ReconnectionRules extends Rule {
  /** Ordered: the first rule that matches decides. */
  rules: ReconnectionRule[];
  /** When no rule matches: hours, and what it rests on. */
  fallbackHours: number;
}

export interface ReconnectionFee extends Rule {
  businessHoursCents: bigint;
  afterHoursCents: bigint;
}

export interface ReconnectionFeeCap extends Rule {
  /** Households below this % of FPL (exclusive). */
  belowPctFpl: number;
  businessHoursCents: bigint;
  afterHoursCents: bigint;
}

/**
 * A late payment charge (interest on a delinquent bill) waived for a low-income household, at most
 * once in a rolling window (CA water: below 200% FPL, once every 12 months).
 */
export interface LateChargeWaiverRule extends Rule {
  /** Households whose verified income is below this % of FPL (exclusive). */
  belowPctFpl: number;
  /** At most one waiver in this many months (counted from the last waiver's day). */
  onceEveryMonths: number;
}

export interface RecipientRules {
  thirdPartyDesignee: Rule | null;
  /** Copies to the occupants of a tenant-occupied premises (addressed "Occupant"), or the landlord. */
  tenantOccupied: (Rule & { roles: ('LANDLORD' | 'OCCUPANT')[]; localOfficials: boolean }) | null;
  /** CA energy: third-party notice for customers 65+ or dependent adults. */
  seniorOrDependentAdult: Rule | null;
  /** IL: local health department notice for winter heating terminations. */
  healthDepartment: (Rule & { season: Season; heatingOnly: boolean }) | null;
}

export interface PolicyParameters {
  /** IANA zone the rules' days and hours are read in. */
  timeZone: string;
  /** date-holidays region: public and bank holidays of the country and state. */
  holidayRegion: { country: 'US'; state: string };
  /** Further YYYY-MM-DD days the utility's office is closed (holidays it observes). */
  extraHolidays: string[];
  services: Service[];
  delinquency: DelinquencyRule;
  /** No disconnection until this many days past due (CA water: 60). */
  disconnectDelinquency: (Rule & { minDaysPastDue: number }) | null;
  notice: NoticeRule;
  winterNotice: WinterNoticeRule | null;
  shortNotice: ShortNoticeRule | null;
  postedNotice: PostedNoticeRule | null;
  actConditions: ActCondition[];
  /** Extra contact before a critical-care household is disconnected; null = none beyond the rest. */
  criticalCare: CriticalCareRule | null;
  /** An affidavit filed with the regulator before a winter termination (MD); null = none. */
  winterAffidavit: WinterAffidavitRule | null;
  disconnectWindow: DisconnectWindowRule;
  /** Window for contact attempts and postings; null = default 08:00–20:00. */
  contactHours: ClockWindow | null;
  moratoria: MoratoriumRule[];
  weather: WeatherRules | null;
  medical: MedicalRule;
  dispute: Rule;
  hold: Rule;
  arrangementHold: ArrangementHoldRule;
  arrangementTerms: ArrangementTermsRule;
  /** A deferred plan for bills that fell due in an extreme-weather emergency; null = none. */
  extremeWeatherPlan: ExtremeWeatherPlanRule | null;
  reconnection: ReconnectionRules;
  /** The utility's tariff charge; null when the profile carries none. */
  reconnectionFee: ReconnectionFee | null;
  reconnectionFeeCaps: ReconnectionFeeCap[];
  lateChargeWaivers: LateChargeWaiverRule[];
  recipients: RecipientRules;
  /** Income verified longer ago than this no longer lifts an income-based protection. */
  incomeVerificationMaxAgeDays: number | null;
}

export interface PolicyProfile extends PolicyParameters {
  code: string;
  name: string;
  /** YYYY-MM-DD this version takes effect. */
  effectiveFrom: string;
  /** The preset an ordinance was composed from. */
  basedOn: string | null;
  citations: string[];
}

// ---- arrangements and reconnection ------------------------------------------------------------

export interface ArrangementRequest {
  arrearsCents: bigint;
  downPaymentCents: bigint;
  installments: number;
  frequency: 'MONTHLY';
  firstDueDate: string;
}

/** Amounts sum exactly to arrears - down payment; the remainder cents go on the last one. */
export interface Installment {
  n: number;
  dueDate: string;
  amountCents: bigint;
}

export interface ArrangementDecision {
  accepted: boolean;
  reasons: Citation[];
  /** Empty when rejected. */
  schedule: Installment[];
  terms: { maxMonths: number; maxDownPaymentCents: bigint | null; minDownPaymentCents: bigint };
  /** The arrears the arrangement covers: all of them (an extreme-weather plan too). */
  coveredCents: bigint;
}

export type RecipientRole = 'CUSTOMER' | 'THIRD_PARTY' | 'LANDLORD' | 'OCCUPANT' | 'HEALTH_DEPARTMENT';
