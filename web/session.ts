// Signing in to the dashboard with an API key, and the session that follows.
//
// - The key is posted from a form and judged by the API's own authenticator (api/auth.ts): a
//   revoked key, an inactive user or an unknown role is refused here exactly as by the API, and a
//   failure is audited and counted against the client address the same way (limit
//   `authFailureLimit`, as for the API, with its own count). Text that is not shaped like an API
//   key is presented as no key at all, so nothing a person mistyped reaches the audit trail.
// - A session is a random 256-bit id in an HttpOnly, SameSite=Strict cookie scoped to /dashboard
//   (Secure when the request came over TLS); everything else stays in this process's memory.
//   Sessions end after 30 idle minutes or 12 hours, on sign-out, and when the key behind them is
//   revoked (checked on every request). A restart signs everyone out: nothing is persisted.
// - Every form POST carries a CSRF token: the session's own random token once signed in; before
//   that, an HMAC of a random nonce held in a short-lived cookie (the sign-in form).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { authenticator, DEFAULT_AUTH_FAILURE_LIMIT, type RequestActor } from '../api/auth';
import type { ApiDeps } from '../api/deps';
import type { RoleName } from '../domain/authorization';
import { recordAudit, type Actor } from '../lib/audit';
import { AppError } from '../lib/errors';
import { FailureCounter } from '../lib/rate-limit';

export const SESSION_COOKIE = 'ocis_dash';
export const SIGNIN_COOKIE = 'ocis_signin';
const COOKIE_PATH = '/dashboard';

export interface DashboardUser {
  id: string;
  name: string | null;
  role: RoleName;
  crewId?: string;
  keyId: string;
}

export interface Session {
  id: string;
  user: DashboardUser;
  /** The token every form of this session carries. */
  csrf: string;
  createdAt: number;
  seenAt: number;
  /** A one-time message for the next page (post/redirect/get). */
  flash: string | null;
}

export interface SessionOptions {
  idleMs: number;
  maxAgeMs: number;
  /** Most sessions held at once; the least recently used goes first. */
  maxSessions: number;
}

export const DEFAULT_SESSION_OPTIONS: SessionOptions = {
  idleMs: 30 * 60_000,
  maxAgeMs: 12 * 3_600_000,
  maxSessions: 10_000,
};

const token = () => randomBytes(32).toString('base64url');

/** Equal strings, compared in constant time. */
export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class SessionStore {
  // A Map keeps insertion order: re-inserting on use makes the first entry the least recently used.
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly opts: SessionOptions,
    private readonly clock: () => number = Date.now,
  ) {}

  create(user: DashboardUser): Session {
    const now = this.clock();
    this.sweep(now);
    while (this.sessions.size >= this.opts.maxSessions) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    const s: Session = { id: token(), user, csrf: token(), createdAt: now, seenAt: now, flash: null };
    this.sessions.set(s.id, s);
    return s;
  }

  /** The live session with this id, touched; null when unknown or expired. */
  get(id: string | undefined): Session | null {
    if (!id) return null;
    const s = this.sessions.get(id);
    if (!s) return null;
    const now = this.clock();
    if (this.expired(s, now)) {
      this.sessions.delete(id);
      return null;
    }
    s.seenAt = now;
    this.sessions.delete(id);
    this.sessions.set(id, s);
    return s;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private expired(s: Session, now: number): boolean {
    return now - s.seenAt > this.opts.idleMs || now - s.createdAt > this.opts.maxAgeMs;
  }

  private sweep(now: number): void {
    for (const [id, s] of this.sessions) if (this.expired(s, now)) this.sessions.delete(id);
  }
}

// ---- cookies -------------------------------------------------------------------------------------

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.header('cookie') ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      const value = part.slice(i + 1).trim();
      return /^[A-Za-z0-9_-]{1,100}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

function cookie(req: Request, name: string, value: string, maxAgeS: number | null): string {
  return [
    `${name}=${value}`,
    `Path=${COOKIE_PATH}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(req.secure ? ['Secure'] : []),
    ...(maxAgeS === null ? [] : [`Max-Age=${maxAgeS}`]),
  ].join('; ');
}

// ---- the sign-in form's token ----------------------------------------------------------------------

/** Before there is a session: the form's token is an HMAC of a nonce kept in a cookie. */
export class SigninTokens {
  private readonly secret = randomBytes(32);

  private sign(nonce: string): string {
    return createHmac('sha256', this.secret).update(`signin:${nonce}`).digest('base64url');
  }

  /** Sets the nonce cookie (reusing a valid one) and returns the token for the form. */
  issue(req: Request, res: Response): string {
    const nonce = readCookie(req, SIGNIN_COOKIE) ?? token();
    res.append('Set-Cookie', cookie(req, SIGNIN_COOKIE, nonce, 30 * 60));
    return this.sign(nonce);
  }

  valid(req: Request, formToken: string | undefined): boolean {
    const nonce = readCookie(req, SIGNIN_COOKIE);
    return !!nonce && sameToken(this.sign(nonce), formToken);
  }
}

// ---- signing in and out ----------------------------------------------------------------------------

/** What an API key looks like (api/auth.ts generateApiKey); anything else is not presented. */
const KEY_SHAPE = /^ocis_[0-9a-f]{8}_[A-Za-z0-9_-]{1,100}$/;

export type SignInResult = { ok: true; session: Session } | { ok: false; status: 401 | 429; message: string };

export class Sessions {
  readonly store: SessionStore;
  readonly signin = new SigninTokens();
  private readonly authenticate: (req: Request) => Promise<RequestActor>;

  constructor(
    private readonly deps: Pick<ApiDeps, 'db' | 'authFailureLimit'>,
    readonly opts: SessionOptions = DEFAULT_SESSION_OPTIONS,
  ) {
    this.store = new SessionStore(opts);
    this.authenticate = authenticator(
      deps.db,
      new FailureCounter(deps.authFailureLimit ?? DEFAULT_AUTH_FAILURE_LIMIT),
    );
  }

  private audit(actor: Actor, action: string, entityId: string) {
    return this.deps.db.$transaction((tx) =>
      recordAudit(tx, actor, { action, entityType: 'api_key', entityId, reason: 'dashboard' }),
    );
  }

  /**
   * Checks the posted key with the API's authenticator (which audits and counts a failure, and
   * refuses a client address that keeps failing); on success a new session and its cookie.
   */
  async signIn(req: Request, res: Response, key: string): Promise<SignInResult> {
    // The authenticator reads the key from an Authorization header: it is given this request
    // with the form's key as that header, and nothing else changed.
    const asApiRequest = Object.create(req) as Request;
    Object.defineProperty(asApiRequest, 'headers', {
      value: KEY_SHAPE.test(key) ? { authorization: `Bearer ${key}` } : {},
    });
    // Signing in (again) on this browser ends whatever session it held.
    const previous = readCookie(req, SESSION_COOKIE);
    if (previous) this.store.delete(previous);
    let actor: RequestActor;
    try {
      actor = await this.authenticate(asApiRequest);
    } catch (err) {
      if (err instanceof AppError && err.code === 'rate_limited')
        return {
          ok: false,
          status: 429,
          message: 'Too many failed sign-ins from this address. Try again later.',
        };
      if (err instanceof AppError && err.code === 'unauthenticated')
        return { ok: false, status: 401, message: 'That API key was not accepted.' };
      throw err;
    }
    const user = await this.deps.db.appUser.findUnique({ where: { id: actor.id }, select: { name: true } });
    const session = this.store.create({
      id: actor.id,
      name: user?.name ?? null,
      role: actor.role,
      keyId: actor.keyId,
      ...(actor.crewId ? { crewId: actor.crewId } : {}),
    });
    await this.audit({ id: actor.id, role: actor.role, requestId: req.id }, 'dashboard.sign-in', actor.keyId);
    res.append('Set-Cookie', cookie(req, SESSION_COOKIE, session.id, null));
    res.append('Set-Cookie', cookie(req, SIGNIN_COOKIE, '', 0));
    return { ok: true, session };
  }

  async signOut(req: Request, res: Response, session: Session): Promise<void> {
    this.store.delete(session.id);
    res.append('Set-Cookie', cookie(req, SESSION_COOKIE, '', 0));
    await this.audit(
      { id: session.user.id, role: session.user.role, requestId: req.id },
      'dashboard.sign-out',
      session.user.keyId,
    );
  }

  /**
   * The request's session, or null. A session whose key has since been revoked (or whose user was
   * deactivated, or whose key changed role) ends here.
   */
  async current(req: Request, res: Response): Promise<Session | null> {
    const s = this.store.get(readCookie(req, SESSION_COOKIE));
    if (!s) return null;
    const key = await this.deps.db.apiKey.findFirst({
      where: { id: s.user.keyId, revokedAt: null, user: { active: true } },
      select: { role: true },
    });
    if (!key || key.role !== s.user.role) {
      this.store.delete(s.id);
      res.append('Set-Cookie', cookie(req, SESSION_COOKIE, '', 0));
      return null;
    }
    return s;
  }

  /** The actor services record for a dashboard action. */
  static actor(s: Session, req: Request): Actor & RequestActor {
    return {
      id: s.user.id,
      role: s.user.role,
      keyId: s.user.keyId,
      requestId: req.id,
      ...(s.user.crewId ? { crewId: s.user.crewId } : {}),
    };
  }
}

/** Refuses a form POST whose token is not the session's. */
export function csrfValid(s: Session, req: Request): boolean {
  const posted = (req.body as Record<string, unknown> | undefined)?._csrf;
  return sameToken(s.csrf, typeof posted === 'string' ? posted : undefined);
}
