// Weather-only rule sets of states without a full preset, for composing an ordinance's profile
// (composeProfile(base, { weather: VA_WEATHER }, ...)), and the Maryland winter affidavit that goes
// with Maryland's weather rules (composeProfile(base, MD_RULES, ...)).
import type { DisconnectWindowRule, PolicyParameters, WeatherRules, WinterAffidavitRule } from '../types';
import { DEFAULT_DISCONNECT_HOURS } from './defaults';

/** Virginia: no electric disconnection at <= 32°F or >= 92°F forecast in the next 24 hours; no
 *  water/wastewater disconnection at >= 92°F. (The Friday/holiday rule is VA_DISCONNECT_DAYS.) */
export const VA_WEATHER_ELECTRIC: WeatherRules = {
  services: ['ELECTRIC'],
  rules: [
    {
      kind: 'FORECAST_COLD',
      code: 'VA_FORECAST_COLD',
      cite: 'Va. Code §56-247.1 (check)',
      maxF: 32,
      days: 2,
      heatingOnly: false,
    },
    {
      kind: 'FORECAST_HOT',
      code: 'VA_FORECAST_HOT',
      cite: 'Va. Code §56-247.1 (check)',
      minF: 92,
      days: 2,
      advisory: false,
      coolingOnly: false,
    },
  ],
};

export const VA_WEATHER_WATER: WeatherRules = {
  services: ['WATER', 'SEWER'],
  rules: [
    {
      kind: 'FORECAST_HOT',
      code: 'VA_FORECAST_HOT',
      cite: 'Va. Code §56-265.1 (check)',
      minF: 92,
      days: 2,
      advisory: false,
      coolingOnly: false,
    },
  ],
};

/** Maryland: no disconnection when the 6 a.m. forecasts show <= 32°F or >= 95°F over the next
 *  72 hours (today and the next three days). */
export const MD_WEATHER: WeatherRules = {
  services: ['ELECTRIC', 'GAS'],
  rules: [
    {
      kind: 'FORECAST_COLD',
      code: 'MD_FORECAST_COLD',
      cite: 'COMAR 20.31.03.03',
      maxF: 32,
      days: 4,
      heatingOnly: false,
    },
    {
      kind: 'FORECAST_HOT',
      code: 'MD_FORECAST_HOT',
      cite: 'COMAR 20.31.03.04',
      minF: 95,
      days: 4,
      advisory: false,
      coolingOnly: false,
    },
  ],
};

/**
 * Maryland: from November 1 through March 31 (the act's local day) a residential gas or electric
 * termination for nonpayment needs an affidavit filed with the Public Service Commission at least
 * 24 hours before it, certifying that the termination does not threaten the occupants' life or
 * health. Only one filed since the written notice the termination rests on counts.
 */
export const MD_WINTER_AFFIDAVIT: WinterAffidavitRule = {
  code: 'MD_WINTER_AFFIDAVIT',
  cite: 'COMAR 20.31.03.03A',
  season: { from: '11-01', to: '03-31' },
  leadHours: 24,
  customerClasses: ['RES'],
  services: ['ELECTRIC', 'GAS'],
  filedWith: 'the Public Service Commission',
  // COMAR 20.31.03.03B(7): more than $200 owed to a utility of one service; a utility serving both
  // gas and electric composes { ...MD_WINTER_AFFIDAVIT, minArrearsCents: 30_000n }.
  minArrearsCents: 20_000n,
};

/** Maryland's rules for an ordinance's profile: the weather limits and the winter affidavit. */
export const MD_RULES: Pick<PolicyParameters, 'weather' | 'winterAffidavit'> = {
  weather: MD_WEATHER,
  winterAffidavit: MD_WINTER_AFFIDAVIT,
};

/**
 * Virginia: no disconnection on a Friday, a weekend, a holiday or the day before one (compose it
 * as the profile's disconnectWindow, with holidayRegion { country: 'US', state: 'VA' }). The rule
 * names no hours: the engine's default business hours apply.
 */
export const VA_DISCONNECT_DAYS: DisconnectWindowRule = {
  code: 'VA_DISCONNECT_DAYS',
  cite: 'Va. Code §56-247.1 (check)',
  weekdays: [1, 2, 3, 4],
  hours: DEFAULT_DISCONNECT_HOURS,
  hoursCite: null,
  noDayBeforeHoliday: true,
  cutoffBeforeNoReconnectDay: null,
};

/**
 * Illinois municipal gas (65 ILCS 5/11-117-12.1): a city's gas utility is outside the Commerce
 * Commission's Part 280, but the statute reaches it: no residential gas service terminated on a day
 * the National Weather Service forecasts 20°F or below for the following 24 hours, nor on the day
 * before a weekend or holiday forecast at 20°F or below. Every residential gas user, whether or not
 * gas is the heating.
 */
export const IL_MUNICIPAL_GAS_WEATHER: WeatherRules = {
  services: ['GAS'],
  rules: [
    {
      kind: 'FORECAST_COLD',
      code: 'IL_MUNICIPAL_GAS_COLD',
      cite: '65 ILCS 5/11-117-12.1(a)',
      maxF: 20,
      // The next 24 hours from any moment of a day reach into the next day.
      days: 2,
      heatingOnly: false,
    },
    {
      kind: 'BEFORE_NON_WORKDAY',
      code: 'IL_MUNICIPAL_GAS_COLD_BEFORE_WEEKEND_OR_HOLIDAY',
      cite: '65 ILCS 5/11-117-12.1(b)',
      maxLowF: 20,
      minHighF: null,
      heatingOnly: false,
      coolingOnly: false,
    },
  ],
};
