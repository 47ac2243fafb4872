// Personal data shown in clear (a bank account number, a date of birth) is an event of its own on
// the audit trail: who saw which field of which record, and why. Never the value itself: the audit
// trail is append-only and exported, so a value written there could never be taken back.
import type { Tx } from '../lib/db/prisma';
import { recordAudit, type Actor } from '../lib/audit';

/**
 * Records that a person was shown personal data in clear: who, which field of which record, and
 * why — never the value. Written before the value is returned, in the same transaction as the read.
 */
export async function recordReveal(
  tx: Tx,
  actor: Actor,
  e: { entityType: string; entityId: string; accountId?: string | null; field: string; reason: string },
): Promise<void> {
  await recordAudit(tx, actor, {
    action: `${e.entityType.replace(/_/g, '-')}.reveal`,
    entityType: e.entityType,
    entityId: e.entityId,
    accountId: e.accountId ?? null,
    after: { field: e.field },
    reason: e.reason,
  });
}
