// Why a payment came back. ACH returns carry a NACHA return reason code; a check comes back from
// the bank as NSF or otherwise dishonored. Only ACH payments take R codes and only checks (over
// the counter or through the lockbox) take check codes; cash and card payments are not returned
// (a card dispute is a chargeback, which is not handled here).

export const ACH_RETURN_CODES = {
  R01: 'Insufficient funds',
  R02: 'Account closed',
  R03: 'No account / unable to locate account',
  R04: 'Invalid account number',
  R05: 'Unauthorized debit to consumer account using corporate SEC code',
  R06: 'Returned per ODFI request',
  R07: 'Authorization revoked by customer',
  R08: 'Payment stopped',
  R09: 'Uncollected funds',
  R10: 'Customer advises not authorized',
} as const;

export const CHECK_RETURN_CODES = {
  NSF_CHECK: 'Check returned for insufficient funds',
  DISHONORED_CHECK: 'Check dishonored by the bank',
} as const;

export type AchReturnCode = keyof typeof ACH_RETURN_CODES;
export type CheckReturnCode = keyof typeof CHECK_RETURN_CODES;
export type ReturnCode = AchReturnCode | CheckReturnCode;

export const RETURN_CODES = [
  ...(Object.keys(ACH_RETURN_CODES) as AchReturnCode[]),
  ...(Object.keys(CHECK_RETURN_CODES) as CheckReturnCode[]),
] as [ReturnCode, ...ReturnCode[]];

export type PaymentChannelName = 'CASH' | 'CHECK' | 'CARD' | 'ACH' | 'LOCKBOX';

/** Any NACHA return reason code (R01…R99); the API takes R01…R10, a bank file may carry others. */
export const isAchReturnCode = (code: string): boolean => /^R\d{2}$/.test(code);
export const isCheckReturnCode = (code: string): code is CheckReturnCode => code in CHECK_RETURN_CODES;

export function describeReturnCode(code: string): string {
  if (code in ACH_RETURN_CODES) return ACH_RETURN_CODES[code as AchReturnCode];
  if (isCheckReturnCode(code)) return CHECK_RETURN_CODES[code];
  return isAchReturnCode(code) ? 'ACH return' : 'Returned';
}

/**
 * Why a payment on this channel cannot be returned with this code, or null when it can: `channel`
 * when the payment cannot be returned at all, `code` when the code is for the other kind of payment.
 */
export function returnRefusal(
  channel: PaymentChannelName,
  code: string,
): { reason: 'channel' | 'code'; message: string } | null {
  if (channel === 'CASH' || channel === 'CARD')
    return {
      reason: 'channel',
      message: `a ${channel} payment cannot be returned (a card dispute is a chargeback)`,
    };
  if (!isAchReturnCode(code) && !isCheckReturnCode(code))
    return {
      reason: 'code',
      message: `${code} is not an ACH return code (R01…R99) nor NSF_CHECK or DISHONORED_CHECK`,
    };
  const isAch = isAchReturnCode(code);
  if (channel === 'ACH' && !isAch)
    return { reason: 'code', message: `an ACH payment is returned with an R code, not ${code}` };
  if (channel !== 'ACH' && isAch)
    return {
      reason: 'code',
      message: `a ${channel} payment is a check: use NSF_CHECK or DISHONORED_CHECK, not ${code}`,
    };
  return null;
}

/**
 * ACH return codes after which the account may not be debited again on the authorization it has:
 * the bank account is gone or invalid (R02, R03, R04), or the customer never authorized the debit
 * or took the authorization back (R05, R07, R10). NACHA Operating Rules: the originator may not
 * re-initiate such an entry without a new authorization, so autopay stops. R01 and R09 (funds)
 * and R06 and R08 (this one entry) leave it on.
 */
export const AUTOPAY_STOPPING_CODES: ReadonlySet<string> = new Set([
  'R02',
  'R03',
  'R04',
  'R05',
  'R07',
  'R10',
]);

export const stopsAutopay = (code: string): boolean => AUTOPAY_STOPPING_CODES.has(code);
