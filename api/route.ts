// Routes are declared once, with their permission and schemas; the same declaration mounts the
// Express handler (auth, authorization, validation) and feeds the OpenAPI document, so the
// document cannot drift from what the server enforces.
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { can, type Permission } from '../domain/authorization';
import { AppError } from '../lib/errors';
import { JsonText } from '../lib/json-text';
import type { RequestActor } from './auth';
import { parse } from './validate';

type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';

// What a route without a query or params schema accepts: no query fields, and any path params.
// Built once: a zod schema is compiled on its first parse, and building one per request cost
// about 60 µs of CPU each.
const NO_QUERY = z.object({}).strict();
const ANY_PARAMS = z.object({}).passthrough();

export interface RouteSpec<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType> {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  /** Omit for public routes. */
  permission?: Permission;
  body?: B;
  query?: Q;
  params?: P;
  /** Status of a success response (200 by default). */
  status?: number;
  /** Response description for the document; the body is JSON unless `produces` says otherwise. */
  produces?: string[];
  handler: (ctx: {
    req: Request;
    res: Response;
    actor: RequestActor;
    body: z.infer<B>;
    query: z.infer<Q>;
    params: z.infer<P>;
    /**
     * Refuses the request unless the actor's role has `permission` as well (an option of the
     * route only some roles may use), as the route's own permission is refused: logged, audited,
     * 403 (the message starts with `field`, when given, to say which part of the request needs it).
     */
    demand: (permission: Permission, field?: string) => Promise<void>;
  }) => Promise<unknown>;
}

export interface RegisteredRoute {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  permission?: Permission;
  status: number;
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
  produces?: string[];
}

export class RouteTable {
  readonly routes: RegisteredRoute[] = [];

  constructor(
    private readonly router: Router,
    private readonly authenticate: (req: Request) => Promise<RequestActor>,
    private readonly onRefused?: (
      req: Request,
      actor: RequestActor,
      permission: Permission,
    ) => Promise<unknown>,
  ) {}

  add<
    B extends z.ZodType = z.ZodUndefined,
    Q extends z.ZodType = z.ZodObject,
    P extends z.ZodType = z.ZodObject,
  >(spec: RouteSpec<B, Q, P>): void {
    const status = spec.status ?? 200;
    this.routes.push({
      method: spec.method,
      path: spec.path,
      summary: spec.summary,
      tag: spec.tag,
      status,
      ...(spec.permission ? { permission: spec.permission } : {}),
      ...(spec.body ? { body: spec.body } : {}),
      ...(spec.query ? { query: spec.query } : {}),
      ...(spec.params ? { params: spec.params } : {}),
      ...(spec.produces ? { produces: spec.produces } : {}),
    });
    this.router[spec.method](spec.path, async (req, res, next) => {
      try {
        let actor: RequestActor | undefined;
        const demand = async (permission: Permission, field?: string) => {
          if (!actor) throw new Error(`${spec.path}: demand() on a public route`);
          if (can(actor.role, permission)) return;
          req.log.warn({ actor: actor.id, role: actor.role, permission }, 'authorization refused');
          await this.onRefused?.(req, actor, permission);
          const refusal = `role may not ${permission.replace(':', ' ')}`;
          throw field
            ? new AppError('forbidden', `${field}: the ${actor.role} ${refusal}`, field)
            : new AppError('forbidden', `The ${actor.role} ${refusal}`);
        };
        if (spec.permission) {
          actor = req.actor = await this.authenticate(req);
          await demand(spec.permission);
        }
        const body = spec.body ? parse(spec.body, req.body ?? {}, 'body') : undefined;
        const query = parse(spec.query ?? NO_QUERY, { ...(req.query as object) }, 'query');
        const params = parse(spec.params ?? ANY_PARAMS, req.params, 'params');
        const result = await spec.handler({ req, res, actor: actor!, body, query, params, demand } as never);
        if (res.headersSent) return;
        // A handler that chose its own status (a 422 rejection report) keeps it.
        res.status(res.statusCode !== 200 ? res.statusCode : status);
        if (result instanceof JsonText) {
          // Bytes the database already wrote as JSON: straight out, without Express's send path.
          res.setHeader('Content-Type', 'application/json; charset=utf-8');
          res.end(result.text);
        } else res.json(result);
      } catch (err) {
        next(err);
      }
    });
  }
}
