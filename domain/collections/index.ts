// Collections and disconnection policy: jurisdiction profiles as data and one pure evaluator.
// Nothing here reads the clock or does I/O; every moment is an argument.
export type * from './types';
export {
  composeProfile,
  getProfile,
  IL_MUNICIPAL_GAS_WEATHER,
  listProfiles,
  MD_RULES,
  MD_WEATHER,
  MD_WINTER_AFFIDAVIT,
  MILLBROOK_ORDINANCE,
  PROFILE_CODES,
  PROFILE_VERSIONS,
  selectVersion,
  TX_EXTREME_WEATHER_PLAN,
  VA_WEATHER_ELECTRIC,
  VA_DISCONNECT_DAYS,
  VA_WEATHER_WATER,
  validateProfile,
} from './profiles';
export type { ComposeMeta } from './profiles';
export {
  criticalCareRuleOn,
  evaluate,
  medicalConditionsUnmet,
  nextLawfulMoment,
  SEARCH_HORIZON_DAYS,
} from './evaluate';
export { evaluateArrangementRequest, installmentSchedule } from './arrangements';
export { isAfterHours, reconnectionDeadline, reconnectionFee } from './reconnection';
export type { ReconnectionOptions } from './reconnection';
export { requiredNoticeRecipients } from './recipients';
export { addBusinessDays, endOfDay, holidayName, isBusinessDay, localDate, zonedInstant } from './calendar';
export { incomeChangeQualifies, incomeStatus } from './income';
export { lateChargeWaiver } from './late-charge-waiver';
export type { LateChargeWaiverDecision } from './late-charge-waiver';
