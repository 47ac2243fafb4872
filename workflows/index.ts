// Every workflow this worker runs. Workflow function names are durable: never rename one.
export { serviceOrder } from './service-order';
export { billCycle } from './bill-cycle';
export { billHeldAccounts } from './bill-cycle-held';
export { collectionsCase } from './collections-case';
export { billEmailResend } from './bill-email-resend';
export { noticePrintRun } from './notice-print';
export { leadNoticeAnnualRun } from './lead-notices';
export { waterNoticeRun } from './water-notices';
