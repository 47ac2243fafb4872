// The HTTP server for the Express app. Express gives every request and response its own prototype
// on arrival (Object.setPrototypeOf onto app.request and app.response). V8 makes that swap
// expensive: each object changes shape mid-life, and node's own HTTP code then meets two shapes of
// the same object. On the timeline route the swap cost about 0.08 ms of CPU per request, a fifth
// of the API's share. This server creates its requests and responses with those prototypes from
// the start, so Express's swap finds them already in place and does nothing. Express still handles
// every request exactly as before; only the objects' birth changes.
import http, { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';

type Ctor = (this: object, ...args: unknown[]) => void;

/** A constructor that builds `base` objects whose prototype is `proto` (which inherits from base). */
function bornWith(base: Ctor, proto: object): Ctor {
  if (!Object.prototype.isPrototypeOf.call(base.prototype, proto))
    throw new Error('the prototype given does not inherit from the class it is for');
  function Born(this: object, ...args: unknown[]) {
    base.apply(this, args);
  }
  Born.prototype = proto;
  return Born;
}

/** An http.Server for `app` whose requests and responses are born as Express's own. */
export function createApiServer(app: Express): http.Server {
  return http.createServer(
    {
      IncomingMessage: bornWith(IncomingMessage as unknown as Ctor, app.request) as never,
      ServerResponse: bornWith(ServerResponse as unknown as Ctor, app.response) as never,
    },
    app,
  );
}

/**
 * `app.listen` on that server: Express's own listen creates a plain one. Same arguments and the
 * same callback contract (called once, on listening or on a listen error).
 */
export function listenWithApiServer(app: Express): Express['listen'] {
  return ((...args: unknown[]) => {
    const server = createApiServer(app);
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      let called = false;
      const once = (...a: unknown[]) => {
        if (called) return;
        called = true;
        (last as (...x: unknown[]) => void)(...a);
      };
      args[args.length - 1] = once;
      server.once('error', once);
    }
    return server.listen(...(args as Parameters<http.Server['listen']>));
  }) as Express['listen'];
}
