// The dates a collections notice states: the day service may be disconnected on or after, the last
// day to pay.
import { addDays } from '../ledger/dates';

/**
 * The last day to pay for a disconnection on or after `disconnectOnOrAfter`: the day before. The
 * engine may act from the first moment of that date, so a payment made "by" it would not protect.
 */
export const lastDayToPay = (disconnectOnOrAfter: string): string => addDays(disconnectOnOrAfter, -1);
