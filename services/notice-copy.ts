// One copy of a notice to one addressee, by email or by mail, exactly once: the register row is
// claimed under its key before anything is sent. An email the mail server proves it never took
// (no connection, a 4xx) releases the claim and throws, so the caller's retry sends it; one refused
// for good (a 5xx: no such mailbox) is owed all the same and becomes a letter; one that may have
// gone out (a timeout mid-message) is kept and marked unconfirmed, never resent. Each copy sent is
// audited and on the account's timeline. Letters wait for the next print batch
// (services/notice-print.ts), which prints `content.text` to `recipientName` at `mailingAddress`.
import type { Actor } from '../lib/audit';
import { recordChange, toJson } from '../lib/audit';
import type { Db } from '../lib/db/prisma';
import type { Mailer } from '../lib/mailer';
import { classifySendError } from './bill-delivery';

export interface RenderedNotice {
  subject: string;
  text: string;
  html: string;
  language: string;
  contentHash: string;
}

export interface NoticeCopy {
  channel: 'EMAIL' | 'PRINT';
  /** false when the register already held it (a retried step, a second run). */
  sent: boolean;
  /** The email was refused for good (a 5xx): the copy went to print instead. */
  fellBackToPrint?: boolean;
  /** The mail server may or may not have taken the email: kept, marked, not resent. */
  unconfirmed?: boolean;
}

export interface NoticeCopyInput {
  accountId: string;
  /** The register's notice type (LEAD_SERVICE_LINE, WATER_NOTICE, …). */
  type: string;
  key: string;
  rendered: RenderedNotice;
  /** The address to email, or null to mail the copy. */
  email: string | null;
  letter: { recipientName: string; mailingAddress: string };
  /** What the register keeps besides the text (the print batch adds the letter's address). */
  content: Record<string, unknown>;
  at: Date;
  actor: Actor;
  /** The audit row: its action when sent, its entity, its reason and what it records. */
  audit: {
    action: string;
    entityType: string;
    entityId: string;
    reason: string;
    after: Record<string, unknown>;
  };
  /** The timeline entry, worded from how the copy went. */
  timeline: { kind: string; summary: (copy: NoticeCopy) => string; data?: Record<string, unknown> };
}

export async function sendNoticeCopy(
  deps: { db: Db; mailer?: Mailer | undefined },
  i: NoticeCopyInput,
): Promise<NoticeCopy> {
  const { db } = deps;
  const mailedTo = `${i.letter.recipientName}, ${i.letter.mailingAddress}`;
  const channel: 'EMAIL' | 'PRINT' = i.email && deps.mailer ? 'EMAIL' : 'PRINT';
  const content = (ch: 'EMAIL' | 'PRINT') =>
    toJson({
      subject: i.rendered.subject,
      text: i.rendered.text,
      ...(ch === 'PRINT' ? i.letter : {}),
      ...i.content,
    });
  const claimed = await db.notice.createMany({
    data: [
      {
        accountId: i.accountId,
        type: i.type,
        channel,
        language: i.rendered.language,
        recipient: channel === 'EMAIL' ? i.email! : mailedTo,
        contentHash: i.rendered.contentHash,
        idempotencyKey: i.key,
        // When it was actually handed over (a retried step's copies are later than its start).
        sentAt: new Date(),
        batchId: null,
        content: content(channel),
      },
    ],
    skipDuplicates: true,
  });
  if (claimed.count === 0) {
    // Claimed by an earlier try that never recorded a send (a worker stopped between the claim and
    // the mail server's answer): it may have gone out, so it is marked, never sent again.
    const marked = await db.notice.updateMany({
      where: { idempotencyKey: i.key, channel: 'EMAIL', messageId: null, unconfirmedAt: null },
      data: { unconfirmedAt: new Date() },
    });
    if (marked.count > 0)
      await record(
        { channel: 'EMAIL', sent: false, unconfirmed: true },
        { channel: 'EMAIL', ...i.audit.after },
        `${i.audit.reason}; an earlier try claimed this email and stopped before the mail server answered`,
      );
    return { channel, sent: false, ...(marked.count > 0 ? { unconfirmed: true } : {}) };
  }
  const copy: NoticeCopy = { channel, sent: true };
  if (channel === 'EMAIL') {
    try {
      const { messageId } = await deps.mailer!.send({
        to: i.email!,
        subject: i.rendered.subject,
        text: i.rendered.text,
        html: i.rendered.html,
        headers: { 'X-OpenCIS-Notice-Key': i.key },
      });
      // (A concurrent try that marked it unconfirmed meanwhile is answered: it went out.)
      await db.notice.update({ where: { idempotencyKey: i.key }, data: { messageId, unconfirmedAt: null } });
    } catch (err) {
      const failure = classifySendError(err);
      if (failure === 'not-sent') {
        await db.notice.delete({ where: { idempotencyKey: i.key } });
        throw err;
      }
      if (failure === 'refused') {
        await db.notice.update({
          where: { idempotencyKey: i.key },
          data: { channel: 'PRINT', recipient: mailedTo, content: content('PRINT') },
        });
        copy.channel = 'PRINT';
        copy.fellBackToPrint = true;
      } else {
        await db.notice.update({ where: { idempotencyKey: i.key }, data: { unconfirmedAt: new Date() } });
        copy.unconfirmed = true;
      }
    }
  }
  await record(
    copy,
    {
      channel: copy.channel,
      language: i.rendered.language,
      contentHash: i.rendered.contentHash,
      ...(copy.fellBackToPrint ? { emailRefused: true } : {}),
      ...i.audit.after,
    },
    i.audit.reason,
  );
  return copy;

  /** The copy's audit row and timeline entry, in one transaction. */
  function record(copy: NoticeCopy, after: Record<string, unknown>, reason: string) {
    return db.$transaction((tx) =>
      recordChange(
        tx,
        i.actor,
        {
          action: copy.unconfirmed ? `${i.audit.action.replace(/\.sent$/, '')}.unconfirmed` : i.audit.action,
          entityType: i.audit.entityType,
          entityId: i.audit.entityId,
          accountId: i.accountId,
          after,
          reason,
        },
        {
          kind: i.timeline.kind,
          occurredAt: i.at,
          summary: i.timeline.summary(copy),
          data: { channel: copy.channel, key: i.key, ...(i.timeline.data ?? {}) },
        },
      ),
    );
  }
}
