// API keys: `ocis_<prefix>_<secret>`, stored only as SHA-256. The key's role (and, for field keys,
// its crew) decides what the caller may do. Failed authentications are logged without the key.
import { createHash, randomBytes } from 'node:crypto';
import type { Request } from 'express';
import type { Db } from '../lib/db/prisma';
import { AppError } from '../lib/errors';
import { isRole, type RoleName } from '../domain/authorization';
import { recordAudit } from '../lib/audit';
import { FailureCounter, type RateLimit } from '../lib/rate-limit';

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

/** Authentication failures allowed per client address before it is refused for a while. */
export const DEFAULT_AUTH_FAILURE_LIMIT: RateLimit = { max: 20, windowMs: 60_000 };

const ANONYMOUS = { id: 'anonymous', role: 'none' } as const;

/**
 * Resolves the caller from its API key, or throws 401. Every failure is audited (who tried, from
 * where, with which key prefix — never the key); a client address that keeps failing is refused
 * with 429 until its window ends, and only its first refusal is audited so a flood cannot fill
 * the audit trail.
 */
export function authenticator(
  db: Db,
  failures: FailureCounter = new FailureCounter(DEFAULT_AUTH_FAILURE_LIMIT),
): (req: Request) => Promise<RequestActor> {
  const audit = (req: Request, action: string, entityId: string, reason: string) =>
    db
      .$transaction((tx) =>
        recordAudit(
          tx,
          { ...ANONYMOUS, requestId: req.id },
          { action, entityType: 'api_key', entityId, reason },
        ),
      )
      .catch((err: unknown) => req.log.error({ err }, 'could not audit an authentication failure'));
  return async (req) => {
    const client = req.ip ?? 'unknown';
    if (failures.blocked(client)) {
      req.res?.setHeader('Retry-After', String(failures.retryAfterSeconds(client)));
      throw new AppError(
        'rate_limited',
        'Too many failed authentications from this address; try again later',
      );
    }
    const key = presentedKey(req.header('authorization'), req.header('x-api-key'));
    const fail = async (entityId: string, reason: string, message: string): Promise<never> => {
      const n = failures.fail(client);
      req.log.warn({ keyPrefix: entityId, client, failures: n }, 'authentication failed');
      await audit(req, 'auth.failed', entityId, `${reason} (${req.method} ${req.path} from ${client})`);
      if (failures.blocked(client))
        await audit(
          req,
          'auth.rate_limited',
          client,
          `${n} failed authentications from ${client}: refused for a while`,
        );
      throw new AppError('unauthenticated', message);
    };
    if (!key)
      return fail('none', 'no API key presented', 'An API key is required (Authorization: Bearer <key>)');
    const row = await db.apiKey.findUnique({ where: { keyHash: hashKey(key) }, include: { user: true } });
    if (!row || row.revokedAt || !row.user.active || !isRole(row.role)) {
      const why = !row
        ? 'unknown key'
        : row.revokedAt
          ? 'revoked key'
          : !row.user.active
            ? 'inactive user'
            : 'bad role';
      return fail(key.slice(0, 13), why, 'The API key is not valid');
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
