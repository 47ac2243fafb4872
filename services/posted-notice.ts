// A door hanger's notice as the crew prints it: the text the collections case rendered when it
// ordered the posting (services/service-orders: details.postedNotice), laid out as a one-page
// letter to the occupant at the service address. The same order gives the same bytes: the
// document date is the day the order was opened, never the clock.
import type { Db } from '../lib/db/prisma';
import { notFound } from '../lib/errors';
import { layOutLetter } from '../lib/pdf/letter-pdf';
import { pdfDocument } from '../lib/pdf/pdf-writer';
import type { PostedNoticeCopy } from '../workflows/service-order';
import { isoDay, parseMailingAddress, utilityInfo } from './bill-render';

/** The notice a door hanger's order carries (its `details`), if any. */
export const postedNoticeOf = (details: unknown): PostedNoticeCopy | undefined =>
  (details as { postedNotice?: PostedNoticeCopy } | null)?.postedNotice;

export async function postedNoticePdf(
  db: Db,
  orderId: string,
): Promise<{ pdf: Buffer; contentHash: string }> {
  const order = await db.serviceOrder.findUnique({
    where: { id: orderId },
    select: { id: true, accountId: true, details: true, createdAt: true, premiseId: true },
  });
  const posted = postedNoticeOf(order?.details);
  if (!order || !posted) throw notFound('Posted notice of service order', orderId);
  const premise = await db.premise.findUniqueOrThrow({
    where: { id: order.premiseId },
    select: { serviceAddress: true },
  });
  const utility = utilityInfo();
  const pages = layOutLetter({
    utility,
    recipientName: 'Occupant',
    postal: parseMailingAddress(premise.serviceAddress),
    reference: `${utility.name} - ${order.accountId} - ${order.id}`,
    subject: posted.subject,
    body: posted.text,
  });
  const pdf = pdfDocument(pages, { title: posted.subject, date: isoDay(order.createdAt) });
  return { pdf, contentHash: posted.contentHash };
}
