// One deliberate resend of a bill email the notice register marks unconfirmed
// (services/bill-email-resend.ts). A workflow so the mail goes out from the worker, which holds the
// mail connection, and so a clerk's request survives an API restart; the activity itself is at most
// once, and a refusal (a business answer) is final.
import { proxyActivities } from '@temporalio/workflow';
import type { BillingActivities } from '../activities/billing';

const { resendBillEmail } = proxyActivities<BillingActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', maximumAttempts: 3 },
});

export interface BillEmailResendInput {
  billId: string;
  reason: string;
  actor: { id: string; role: string; requestId?: string };
}

export async function billEmailResend(input: BillEmailResendInput) {
  return resendBillEmail(input);
}
