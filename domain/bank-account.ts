// Bank account identifiers as US banks write them: the ABA routing transit number and the DFI
// account number an ACH entry carries. Pure checks, so the API, the bank-file readers and the
// tests agree on what a valid number is. Messages never repeat the number: they end up in
// responses and logs, and an account number must not.

/** ACH account types (NACHA transaction codes 2x for checking, 3x for savings). */
export const BANK_ACCOUNT_TYPES = ['CHECKING', 'SAVINGS'] as const;
export type BankAccountType = (typeof BANK_ACCOUNT_TYPES)[number];

/** ABA weights, repeated three times: 3·d1 + 7·d2 + 1·d3 + 3·d4 + … must be a multiple of 10. */
const ABA_WEIGHTS = [3, 7, 1, 3, 7, 1, 3, 7, 1] as const;

/**
 * The first two digits name the Federal Reserve district or the kind of institution: 00 (the US
 * government), 01–12 (banks), 21–32 (thrifts), 61–72 (electronic transactions), 80 (traveler's
 * cheques). Anything else is a typo, however the check digit falls.
 */
function validPrefix(prefix: number): boolean {
  return prefix <= 12 || (prefix >= 21 && prefix <= 32) || (prefix >= 61 && prefix <= 72) || prefix === 80;
}

/** True when the nine digits' ABA checksum holds (the ninth digit is the check digit). */
export function abaChecksumHolds(routing: string): boolean {
  if (!/^\d{9}$/.test(routing)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(routing[i]) * ABA_WEIGHTS[i]!;
  return sum % 10 === 0;
}

/** Why a routing number is not a valid ABA routing transit number, or null when it is. */
export function routingNumberProblem(routing: string): string | null {
  if (!/^\d{9}$/.test(routing)) return 'must be exactly 9 digits';
  if (!validPrefix(Number(routing.slice(0, 2))))
    return 'is not a US routing number (its first two digits name no Federal Reserve district)';
  if (!abaChecksumHolds(routing)) return 'fails the ABA check digit (a digit is mistyped)';
  return null;
}

export const ACCOUNT_NUMBER_MIN_DIGITS = 4;
/** The DFI account number field of a NACHA entry is 17 characters. */
export const ACCOUNT_NUMBER_MAX_DIGITS = 17;

/** Why a bank account number cannot be used for ACH, or null when it can. */
export function accountNumberProblem(accountNumber: string): string | null {
  if (!/^\d+$/.test(accountNumber)) return 'must hold digits only';
  if (accountNumber.length < ACCOUNT_NUMBER_MIN_DIGITS || accountNumber.length > ACCOUNT_NUMBER_MAX_DIGITS)
    return `must be ${ACCOUNT_NUMBER_MIN_DIGITS} to ${ACCOUNT_NUMBER_MAX_DIGITS} digits`;
  if (/^0+$/.test(accountNumber)) return 'must not be all zeros';
  return null;
}

/** The last four digits: what staff, statements and logs may show of an account number. */
export const lastFour = (accountNumber: string) => accountNumber.slice(-4);
