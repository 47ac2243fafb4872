// The customer ledger as pure functions over plain entries: balance, oldest-first allocation of
// credits to charges, open and past-due amounts, aging, and the ordinance's fees.
export * from './entries';
export * from './allocation';
export * from './aging';
export * from './fees';
export * from './returns';
export * from './money';
export * from './dates';
