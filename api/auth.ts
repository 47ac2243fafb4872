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

/** How long a verified key is trusted without asking the database again, and how many are kept. */
export const DEFAULT_KEY_CACHE = { ttlMs: 10_000, max: 10_000 } as const;

/**
 * API keys verified recently, by the SHA-256 of the presented key (the hash the database stores,
 * so no secret is held), each for `ttlMs` from its verification; at most `max`, the oldest
 * dropped first. Without it every request pays a database round trip for its key. Only successes
 * are kept: an unknown, revoked or refused key is looked up, counted and audited every time. A
 * key revoked through this process is forgotten at once (and a lookup that raced the revocation is
 * not kept); a revocation or deactivation made elsewhere takes effect within `ttlMs`.
 */
export class VerifiedKeyCache {
  private readonly entries = new Map<string, { actor: Omit<RequestActor, 'requestId'>; until: number }>();
  /** Advanced by every `forget`: a lookup that started before it is not cached. */
  generation = 0;

  constructor(
    readonly ttlMs: number = DEFAULT_KEY_CACHE.ttlMs,
    readonly max: number = DEFAULT_KEY_CACHE.max,
    private readonly now: () => number = Date.now,
  ) {}

  get(keyHash: string): Omit<RequestActor, 'requestId'> | undefined {
    const e = this.entries.get(keyHash);
    if (!e) return undefined;
    if (e.until > this.now()) return e.actor;
    this.entries.delete(keyHash);
    return undefined;
  }

  set(keyHash: string, actor: Omit<RequestActor, 'requestId'>, generation: number): void {
    if (generation !== this.generation || this.ttlMs <= 0 || this.max <= 0) return;
    this.entries.delete(keyHash);
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(keyHash, { actor, until: this.now() + this.ttlMs });
  }

  /** Drops every entry of the key with this id (on revocation). */
  forget(keyId: string): void {
    this.generation++;
    for (const [hash, e] of this.entries) if (e.actor.keyId === keyId) this.entries.delete(hash);
  }
}

/**
 * Resolves the caller from its API key, or throws 401. Every failure is audited (who tried, from
 * where, with which key prefix — never the key); a client address that keeps failing is refused
 * with 429 until its window ends, and only its first refusal is audited so a flood cannot fill
 * the audit trail.
 */
export function authenticator(
  db: Db,
  failures: FailureCounter = new FailureCounter(DEFAULT_AUTH_FAILURE_LIMIT),
  verified?: VerifiedKeyCache,
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
  // Made once, not per request: under tsx every named inner function costs a defineProperty as it
  // is made (ARCHITECTURE, tsx).
  const fail = async (
    req: Request,
    client: string,
    entityId: string,
    reason: string,
    message: string,
  ): Promise<never> => {
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
    if (!key)
      return fail(
        req,
        client,
        'none',
        'no API key presented',
        'An API key is required (Authorization: Bearer <key>)',
      );
    const keyHash = hashKey(key);
    const known = verified?.get(keyHash);
    if (known) return { ...known, requestId: req.id };
    const generation = verified?.generation;
    const row = await db.apiKey.findUnique({ where: { keyHash }, include: { user: true } });
    if (!row || row.revokedAt || !row.user.active || !isRole(row.role)) {
      const why = !row
        ? 'unknown key'
        : row.revokedAt
          ? 'revoked key'
          : !row.user.active
            ? 'inactive user'
            : 'bad role';
      // Only the public prefix of something shaped like our key is recorded: a stray secret sent as
      // a bearer token (another system's token, a password) must not land in the logs or audit trail.
      const prefix = /^ocis_[0-9a-f]{8}_/.test(key) ? key.slice(0, 13) : 'malformed';
      return fail(req, client, prefix, why, 'The API key is not valid');
    }
    const actor = {
      id: row.userId,
      role: row.role,
      keyId: row.id,
      ...(row.crewId ? { crewId: row.crewId } : {}),
    };
    verified?.set(keyHash, actor, generation!);
    return { ...actor, requestId: req.id };
  };
}
