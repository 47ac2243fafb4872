// A letter as the notice register holds one for the post: decided, waiting for a print batch
// (what a collections case or a lead notice registers), inserted directly for the print tests.
import { createHash } from 'node:crypto';
import type { Db } from '../../lib/db/prisma';

export function waitingLetter(
  db: Db,
  l: {
    accountId: string;
    key: string;
    at: Date;
    name: string;
    address: string;
    type?: string;
    subject?: string;
    text?: string;
    /** The close of the batch the notice's dates were counted from (disconnection notices). */
    printClose?: string;
  },
) {
  return db.notice.create({
    data: {
      accountId: l.accountId,
      type: l.type ?? 'REMINDER',
      channel: 'PRINT',
      language: 'en',
      recipient: `${l.name}, ${l.address}`,
      contentHash: createHash('sha256').update(l.key).digest('hex'),
      idempotencyKey: l.key,
      sentAt: l.at,
      content: {
        subject: l.subject ?? 'Reminder: your account is past due',
        text:
          l.text ??
          'Our records show a past-due balance on your account.\n\nPlease pay it by the date shown.',
        recipientName: l.name,
        mailingAddress: l.address,
        ...(l.printClose ? { printClose: l.printClose } : {}),
      },
    },
  });
}
