// Age from a date of birth, for the rules that protect older customers (CA energy: a third party
// gets a copy of the notice for a customer 65 or older, Pub. Util. Code §779.1).

/** Whole years of age on `day` (both YYYY-MM-DD); a 29 February birthday turns on 1 March. */
export function ageOn(dateOfBirth: string, day: string): number {
  const years = Number(day.slice(0, 4)) - Number(dateOfBirth.slice(0, 4));
  return day.slice(5) >= dateOfBirth.slice(5) ? years : years - 1;
}

export const SENIOR_AGE = 65;

export const isSeniorOn = (dateOfBirth: string, day: string): boolean =>
  ageOn(dateOfBirth, day) >= SENIOR_AGE;
