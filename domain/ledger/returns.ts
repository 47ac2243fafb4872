// Why a payment came back. ACH returns carry a NACHA return reason code; a check comes back from
// the bank as NSF or otherwise dishonored. Only ACH payments take R codes and only checks (over
// the counter or through the lockbox) take check codes; cash and card payments are not returned
// (a card dispute is a chargeback, which is not handled here).

import { formatCents } from './money';

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

/**
 * The other NACHA return reason codes a bank file may carry (the API's hand returns take only
 * R01…R10), by name, so a return from the bank reads as what happened on the ledger, the timeline
 * and the autopay stop.
 */
const OTHER_ACH_RETURN_CODES: Readonly<Record<string, string>> = {
  R11: 'Entry not in accordance with the terms of the authorization',
  R12: 'Account sold to another DFI',
  R13: 'Invalid ACH routing number',
  R14: 'Representative payee deceased or unable to continue in that capacity',
  R15: 'Beneficiary or account holder deceased',
  R16: 'Account frozen / entry returned per OFAC instruction',
  R17: 'File record edit criteria / entry with invalid account number initiated under questionable circumstances',
  R18: 'Improper effective entry date',
  R19: 'Amount field error',
  R20: 'Non-transaction account',
  R21: 'Invalid company identification',
  R22: 'Invalid individual ID number',
  R23: 'Credit entry refused by receiver',
  R24: 'Duplicate entry',
  R29: 'Corporate customer advises not authorized',
  R31: 'Permissible return entry (CCD and CTX only)',
  R33: 'Return of XCK entry',
  R51: 'Item related to RCK entry is ineligible or RCK entry is improper',
};

export function describeReturnCode(code: string): string {
  if (code in ACH_RETURN_CODES) return ACH_RETURN_CODES[code as AchReturnCode];
  if (isCheckReturnCode(code)) return CHECK_RETURN_CODES[code];
  if (Object.hasOwn(OTHER_ACH_RETURN_CODES, code)) return OTHER_ACH_RETURN_CODES[code]!;
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
 * ACH return codes after which the account may not be debited again on the authorization it has.
 * NACHA Operating Rules §2.12.4 let an originator re-initiate a returned debit only after R01 or
 * R09 (funds), or R08 (a stop payment) with the customer's approval; R06 is the ODFI taking back
 * this one entry. Every other reason needs corrective action or a new authorization first:
 * - the bank account is gone, invalid or cannot be debited: R02 closed, R03 no account, R04
 *   invalid number, R12 sold to another bank, R14/R15 payee or account holder deceased, R16
 *   frozen, R20 not a transaction account;
 * - the customer never authorized the debit or took the authorization back: R05, R07, R10, R29
 *   (corporate: not authorized), R51 (RCK item ineligible or improper).
 * So autopay stops after any of these; R01, R06, R08 and R09 leave it on.
 */
export const AUTOPAY_STOPPING_CODES: ReadonlySet<string> = new Set([
  'R02',
  'R03',
  'R04',
  'R05',
  'R07',
  'R10',
  'R12',
  'R14',
  'R15',
  'R16',
  'R20',
  'R29',
  'R51',
]);

export const stopsAutopay = (code: string): boolean => AUTOPAY_STOPPING_CODES.has(code);

// ---- matching a bank's ACH return to the payment it returns ---------------------------------------

/** A NACHA trace number: the ODFI's 8-digit routing number and a 7-digit sequence. */
export const isAchTraceNumber = (ref: string | null): boolean => ref !== null && /^\d{15}$/.test(ref);

/** One of the account's ACH payments, as the matcher sees it. */
export interface AchReturnCandidate {
  id: string;
  amountCents: bigint;
  externalRef: string | null;
  /** The utility's calendar day the payment was received (YYYY-MM-DD). */
  receivedOn: string;
  status: 'POSTED' | 'RETURNED';
  /**
   * For a returned payment that a bank file returned: that return's original trace and effective
   * date (null for a return recorded before its date was kept: that trace's return, whatever its
   * day). Null when it was returned by hand (or is still posted).
   */
  returnedBy: { originalTrace: string; effectiveDate: string | null } | null;
}

export interface AchReturnEntry {
  accountId: string;
  amountCents: bigint;
  /** The trace number of the debit we originated, as the bank echoes it back. */
  originalTrace: string;
  /** The return batch's effective entry date (YYYY-MM-DD). */
  effectiveDate: string;
}

export type AchReturnMatch =
  | { kind: 'return'; paymentId: string }
  | { kind: 'already_returned'; paymentId: string }
  | { kind: 'none'; reason: string };

/**
 * Which payment a bank's ACH return returns, among the account's ACH payments (most recent first).
 *
 * The payment whose external reference is the original trace number is the one, whether posted
 * or already returned (by hand, or by an earlier file): a debit is returned once, so a return for
 * a payment already returned changes nothing rather than reversing another payment. A NACHA trace
 * number is unique only within a file and recycles, so a payment received after the return's
 * effective date is never the one returned (a later debit reusing the number).
 *
 * Payments recorded without a trace number (posted by hand, or before traces were kept) can only
 * be matched by amount: the most recent such payment still posted — unless one of them was
 * already returned by this very return (the same file imported again). A payment that carries a
 * different trace is another debit and is never taken instead.
 */
export function matchAchReturn(
  ret: AchReturnEntry,
  candidates: readonly AchReturnCandidate[],
): AchReturnMatch {
  const amount = formatCents(ret.amountCents);
  const received = candidates.filter((p) => p.receivedOn <= ret.effectiveDate);
  const traced = received.find((p) => p.externalRef === ret.originalTrace);
  if (traced) {
    if (traced.amountCents !== ret.amountCents)
      return {
        kind: 'none',
        reason:
          `the ACH payment with trace ${ret.originalTrace} on account ${ret.accountId} is ` +
          `${formatCents(traced.amountCents)}, not ${amount}`,
      };
    return { kind: traced.status === 'RETURNED' ? 'already_returned' : 'return', paymentId: traced.id };
  }
  const untraced = received.filter(
    (p) => p.amountCents === ret.amountCents && !isAchTraceNumber(p.externalRef),
  );
  const again = untraced.find(
    (p) =>
      p.status === 'RETURNED' &&
      p.returnedBy?.originalTrace === ret.originalTrace &&
      (p.returnedBy.effectiveDate === null || p.returnedBy.effectiveDate === ret.effectiveDate),
  );
  if (again) return { kind: 'already_returned', paymentId: again.id };
  const posted = untraced.find((p) => p.status === 'POSTED');
  if (posted) return { kind: 'return', paymentId: posted.id };

  const ofAmount = candidates.filter((p) => p.amountCents === ret.amountCents);
  const where = `on account ${ret.accountId}`;
  let reason: string;
  if (ofAmount.length === 0) reason = `no ACH payment of ${amount} was posted ${where}`;
  else if (!ofAmount.some((p) => p.receivedOn <= ret.effectiveDate))
    reason = `no ACH payment of ${amount} ${where} was received by the return's date ${ret.effectiveDate}`;
  else if (untraced.length > 0) reason = `every ACH payment of ${amount} ${where} has already been returned`;
  else
    reason =
      `no ACH payment of ${amount} ${where} carries trace ${ret.originalTrace}, ` +
      'and those of that amount carry other trace numbers';
  return { kind: 'none', reason };
}
