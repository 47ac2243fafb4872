// Users, crews and API keys. A key is shown once, when it is made; only its hash is kept.
import type { z } from 'zod';
import type { Db } from '../lib/db/prisma';
import { recordChange, type Actor } from '../lib/audit';
import { invalid, notFound } from '../lib/errors';
import { generateApiKey } from '../api/auth';
import type { ZApiKeyCreate, ZCrewCreate, ZUserCreate } from '../api/schemas';
import { createRecord } from './records';

export async function createCrew(db: Db, actor: Actor, input: z.infer<typeof ZCrewCreate>) {
  return createRecord(db, actor, { entityType: 'crew', label: 'Crew' }, (tx) =>
    tx.crew.create({ data: input }),
  );
}

export const listCrews = (db: Db) => db.crew.findMany({ orderBy: { id: 'asc' } });

export async function createUser(db: Db, actor: Actor, input: z.infer<typeof ZUserCreate>) {
  if (input.crewId && !(await db.crew.findUnique({ where: { id: input.crewId } }))) {
    throw invalid('crewId', `crewId: Crew ${input.crewId} does not exist`);
  }
  return createRecord(db, actor, { entityType: 'user', label: 'User' }, (tx) =>
    tx.appUser.create({ data: input }),
  );
}

export async function issueApiKey(
  db: Db,
  actor: Actor,
  userId: string,
  input: z.infer<typeof ZApiKeyCreate>,
) {
  return db.$transaction(async (tx) => {
    const user = await tx.appUser.findUnique({ where: { id: userId } });
    if (!user) throw notFound('User', userId);
    const { key, prefix, keyHash } = generateApiKey();
    const row = await tx.apiKey.create({
      data: {
        id: `key_${prefix}`,
        userId,
        prefix,
        keyHash,
        role: user.role,
        crewId: user.crewId,
        label: input.label ?? null,
      },
    });
    await recordChange(tx, actor, {
      action: 'api-key.issue',
      entityType: 'api_key',
      entityId: row.id,
      after: { userId, role: row.role, crewId: row.crewId, prefix, label: row.label },
    });
    return { id: row.id, userId, role: row.role, crewId: row.crewId, key };
  });
}

export async function revokeApiKey(db: Db, actor: Actor, keyId: string) {
  return db.$transaction(async (tx) => {
    const before = await tx.apiKey.findUnique({ where: { id: keyId } });
    if (!before) throw notFound('API key', keyId);
    const after = await tx.apiKey.update({
      where: { id: keyId },
      data: { revokedAt: before.revokedAt ?? new Date() },
    });
    await recordChange(tx, actor, {
      action: 'api-key.revoke',
      entityType: 'api_key',
      entityId: keyId,
      before: { revokedAt: before.revokedAt },
      after: { revokedAt: after.revokedAt },
    });
    return { id: keyId, revokedAt: after.revokedAt };
  });
}

/**
 * The people a demo utility starts with: one of each role and two field crews, each with a fresh
 * key. Returns the keys (the only time they can be read). Users and crews that exist are kept.
 */
export async function seedDemoUsers(db: Db, actor: Actor) {
  for (const crew of [
    { id: 'CREW-A', name: 'North crew' },
    { id: 'CREW-B', name: 'South crew' },
  ]) {
    if (!(await db.crew.findUnique({ where: { id: crew.id } }))) await createCrew(db, actor, crew);
  }
  const people = [
    { id: 'admin', name: 'Utility administrator', role: 'admin' },
    { id: 'csr', name: 'Dana Ortiz (billing clerk)', role: 'csr' },
    // Breached service-order SLAs are escalated by email to every supervisor with an address.
    {
      id: 'supervisor',
      name: 'Sam Keller (field supervisor)',
      role: 'supervisor',
      email: 'supervisor@millbrook.example',
    },
    { id: 'auditor', name: 'Pat Lee (auditor)', role: 'auditor' },
    { id: 'crew-a', name: 'North crew tablet', role: 'field', crewId: 'CREW-A' },
    { id: 'crew-b', name: 'South crew tablet', role: 'field', crewId: 'CREW-B' },
  ] as const;
  const keys: Record<string, string> = {};
  for (const p of people) {
    if (!(await db.appUser.findUnique({ where: { id: p.id } }))) await createUser(db, actor, { ...p });
    keys[p.id] = (await issueApiKey(db, actor, p.id, { label: 'demo' })).key;
  }
  return keys;
}
