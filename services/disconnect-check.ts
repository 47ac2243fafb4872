// A disconnection judged again at the meter. The collections case checks the rules when it opens a
// disconnect order, but a crew may get there days later: a protected day, a moratorium or a heat
// advisory may have begun, a medical certificate, dispute, arrangement or payment may have come in.
// So the crew's view of the order carries the rules' answer for this moment, and a completion that
// says service was turned off is refused when the rules do not allow it now. Same engine, same
// live record as the case (loadCaseContext, planCase): the crew and the case cannot disagree.
import type { Db } from '../lib/db/prisma';
import { recordChange, type Actor } from '../lib/audit';
import { AppError, invalid } from '../lib/errors';
import { planCase } from '../domain/collections/case-plan';
import type { Citation } from '../domain/collections';
import { loadCaseContext } from './collections-snapshot';
import { wakeCases, type CaseDeps } from './collections';

export interface DisconnectCheck {
  /** Whether turning the service off is lawful at `checkedAt`. */
  permitted: boolean;
  checkedAt: string;
  /** What stops it now, each with its rule: empty when permitted. */
  blocking: string[];
  /** What the crew must do at the act itself (a personal visit, a notice left that day). */
  conditions: string[];
  /**
   * The codes of `conditions`, in the same order: a completion that turns service off confirms
   * each in `conditionsMet`, or it is refused (confirmDisconnect).
   */
  conditionCodes: string[];
}

const line = (c: Citation) => `${c.text} (${c.cite})`;

/**
 * The rules' answer for the disconnect order `order` at `at`, or null when no collections case
 * ordered it (nothing to judge it by).
 */
export async function disconnectCheck(
  db: Db,
  order: { accountId: string; collectionsWorkflowId: string | null },
  at = new Date(),
): Promise<DisconnectCheck | null> {
  if (!order.collectionsWorkflowId) return null;
  const episode = await db.collectionsEpisode.findUnique({
    where: { workflowId: order.collectionsWorkflowId },
    select: { episode: true },
  });
  if (!episode) return null;
  const ctx = await loadCaseContext(db, order.accountId, episode.episode, at);
  const checkedAt = at.toISOString();
  const plan = planCase(ctx.profile, ctx.snapshot, checkedAt);
  // plan.why is the rules' answer for the disconnection itself at this moment, whatever step the
  // case would take next (a new notice, a contact): its blocking reasons are what stops the act.
  const permitted = plan.action === 'DISCONNECT' && plan.now;
  const blocking = permitted
    ? []
    : plan.action === 'CURED'
      ? ['The past-due balance is paid']
      : [...plan.why.blocking, ...plan.why.earliestReasons].map(line);
  return {
    permitted,
    checkedAt,
    blocking:
      permitted || blocking.length > 0
        ? blocking
        : [`The case must first take its next step (${plan.action})`],
    conditions: plan.why.conditions.map(line),
    conditionCodes: plan.why.conditions.map((c) => c.code),
  };
}

/**
 * Judges a crew's report that it turned service off. When the rules do not allow it now, the report
 * is refused: the refusal is audited and on the account's timeline, the case is woken (it cancels
 * the order), and nothing else changes. When they allow it only with conditions met at the act, a
 * report that does not confirm each of them is refused as incomplete (nothing recorded).
 */
export async function confirmDisconnect(
  d: CaseDeps,
  actor: Actor,
  order: { id: string; accountId: string; collectionsWorkflowId: string | null },
  conditionsMet: readonly string[],
  at = new Date(),
): Promise<void> {
  const check = await disconnectCheck(d.db, order, at);
  if (!check) return;
  if (check.permitted) {
    // The act's own conditions (NY's personal visit in the cold period, Ohio's notice on the day)
    // are the crew's to meet, so the crew says it met them; without that the act is not recorded.
    const missing = check.conditionCodes.flatMap((code, i) =>
      conditionsMet.includes(code) ? [] : [`${check.conditions[i]} [${code}]`],
    );
    if (missing.length > 0)
      throw invalid(
        'conditionsMet',
        `conditionsMet: this disconnection may go ahead only with, at the act: ${missing.join('; ')}. Confirm each by its code in conditionsMet, or leave service on.`,
      );
    return;
  }
  const why = check.blocking.join('; ');
  await d.db.$transaction((tx) =>
    recordChange(
      tx,
      actor,
      {
        action: 'service-order.disconnect.refused',
        entityType: 'service_order',
        entityId: order.id,
        accountId: order.accountId,
        after: check,
        reason: why,
      },
      {
        kind: 'service-order.disconnect-refused',
        summary: `Disconnection refused at the meter (order ${order.id}): ${why}`,
        data: { orderId: order.id, blocking: check.blocking },
      },
    ),
  );
  await wakeCases(d, order.accountId, 'disconnect refused at the meter', actor.id);
  throw new AppError(
    'conflict',
    `Do not disconnect: the rules do not allow it at ${check.checkedAt}: ${why}. Leave service on (turn it back on if it is off); the order stays open until the collections case cancels or confirms it.`,
    'outcome',
  );
}
