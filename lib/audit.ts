// The audit trail and the account timeline, written in the caller's transaction so a change and
// its record commit together or not at all. Hash chaining is done by the database trigger
// (prisma/migrations/*_audit_chain_and_guards); this module only describes events and verifies
// the chain.
import { Prisma } from '@prisma/client';
import type { Tx } from './db/prisma';

/** Who did something: a person's API key, a field crew, or the system itself (workflows). */
export interface Actor {
  id: string;
  role: string;
  requestId?: string;
  crewId?: string;
}

export const SYSTEM_ACTOR: Actor = { id: 'system', role: 'system' };

/** The actor as a workflow argument carries it: who, their role and the request (no crew). */
export const actorRef = (a: Actor): Pick<Actor, 'id' | 'role' | 'requestId'> => ({
  id: a.id,
  role: a.role,
  ...(a.requestId ? { requestId: a.requestId } : {}),
});

export interface AuditInput {
  action: string;
  entityType: string;
  entityId: string;
  accountId?: string | null;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
}

export interface TimelineInput {
  accountId: string;
  kind: string;
  summary: string;
  occurredAt?: Date;
  data?: unknown;
}

/** JSON-safe copy: Dates become ISO strings, bigints strings, undefined keys vanish. */
export function toJson(value: unknown): Prisma.InputJsonValue | typeof Prisma.JsonNull {
  if (value === undefined || value === null) return Prisma.JsonNull;
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
  ) as Prisma.InputJsonValue;
}

export async function recordAudit(tx: Tx, actor: Actor, e: AuditInput): Promise<void> {
  await tx.auditEvent.create({
    data: {
      actor: actor.id,
      actorRole: actor.role,
      action: e.action,
      entityType: e.entityType,
      entityId: e.entityId,
      accountId: e.accountId ?? null,
      before: toJson(e.before),
      after: toJson(e.after),
      reason: e.reason ?? null,
      requestId: actor.requestId ?? null,
    },
  });
}

export async function recordTimeline(
  tx: Tx,
  actor: Actor,
  t: TimelineInput & { entityType: string; entityId: string },
): Promise<void> {
  await tx.timelineEvent.create({
    data: {
      accountId: t.accountId,
      occurredAt: t.occurredAt ?? new Date(),
      kind: t.kind,
      entityType: t.entityType,
      entityId: t.entityId,
      summary: t.summary,
      actor: actor.id,
      data: toJson(t.data),
    },
  });
}

/** Audit a change and, when it concerns an account, put it on the account's timeline. */
export async function recordChange(
  tx: Tx,
  actor: Actor,
  e: AuditInput,
  timeline?: Omit<TimelineInput, 'accountId'> & { accountId?: string },
): Promise<void> {
  await recordAudit(tx, actor, e);
  const accountId = timeline?.accountId ?? e.accountId;
  if (timeline && accountId) {
    await recordTimeline(tx, actor, {
      ...timeline,
      accountId,
      entityType: e.entityType,
      entityId: e.entityId,
    });
  }
}
