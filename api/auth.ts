// API keys: `ocis_<prefix>_<secret>`, stored only as SHA-256. The key's role (and, for field keys,
// its crew) decides what the caller may do. Failed authentications are logged without the key.
import { createHash, randomBytes } from 'node:crypto';
import type { Request } from 'express';
import type { Db } from '../lib/db/prisma';
import { AppError } from '../lib/errors';
import { isRole, type RoleName } from '../domain/authorization';

export interface RequestActor {
  id: string;
  role: RoleName;
  crewId?: string;
  keyId: string;
  requestId: string;
}

export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

export function generateApiKey(): { key: string; prefix: string; keyHash: string } {
  const prefix = randomBytes(4).toString('hex');
  const key = `ocis_${prefix}_${randomBytes(24).toString('base64url')}`;
  return { key, prefix, keyHash: hashKey(key) };
}

function presentedKey(authorization: string | undefined, xApiKey: string | undefined): string | null {
  if (xApiKey) return xApiKey.trim();
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  return m ? m[1]! : null;
}

/** Resolves the caller from its API key, or throws 401. */
export function authenticator(db: Db): (req: Request) => Promise<RequestActor> {
  return async (req) => {
    const key = presentedKey(req.header('authorization'), req.header('x-api-key'));
    if (!key) throw new AppError('unauthenticated', 'An API key is required (Authorization: Bearer <key>)');
    const row = await db.apiKey.findUnique({ where: { keyHash: hashKey(key) }, include: { user: true } });
    if (!row || row.revokedAt || !row.user.active || !isRole(row.role)) {
      req.log.warn({ keyPrefix: key.slice(0, 13) }, 'authentication failed');
      throw new AppError('unauthenticated', 'The API key is not valid');
    }
    return {
      id: row.userId,
      role: row.role,
      keyId: row.id,
      requestId: req.id,
      ...(row.crewId ? { crewId: row.crewId } : {}),
    };
  };
}
