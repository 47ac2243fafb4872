import http, { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createApiServer, listenWithApiServer } from './http-server';

function get(
  port: number,
  path: string,
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
      })
      .on('error', reject);
  });
}

const close = (s: http.Server) => new Promise<void>((r) => s.close(() => r()));

describe('the API server', () => {
  test("requests and responses arrive already shaped as the app's own, and Express works on them", async () => {
    const app = express();
    app.get('/x/:id', (req, res) => {
      res.status(201).json({ id: req.params.id, q: req.query.q, path: req.path });
    });
    const server = createApiServer(app);
    const born: boolean[] = [];
    // Runs before Express sees the request: what node built, not what Express made of it.
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      born.push(Object.getPrototypeOf(req) === app.request, Object.getPrototypeOf(res) === app.response);
      born.push(req instanceof IncomingMessage, res instanceof ServerResponse);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const ok = await get(port, '/x/a%20b?q=1');
      expect(ok.status).toBe(201);
      expect(JSON.parse(ok.body)).toEqual({ id: 'a b', q: '1', path: '/x/a%20b' });
      expect(ok.headers['content-type']).toMatch(/^application\/json/);
      expect((await get(port, '/nowhere')).status).toBe(404);
      expect(born).toEqual([true, true, true, true, true, true, true, true]);
    } finally {
      await close(server);
    }
  });

  test('listen calls back once when listening, and once with the error when the port is taken', async () => {
    const app = express();
    app.get('/', (_req, res) => void res.send('ok'));
    const listen = listenWithApiServer(app);
    const calls: unknown[][] = [];
    const first = await new Promise<http.Server>((resolve) => {
      const s = listen(0, '127.0.0.1', (...a: unknown[]) => {
        calls.push(a);
        resolve(s);
      });
    });
    try {
      const { port } = first.address() as AddressInfo;
      expect((await get(port, '/')).body).toBe('ok');
      const err = await new Promise<unknown>((resolve) => {
        listen(port, '127.0.0.1', (e?: unknown) => resolve(e));
      });
      expect((err as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
      expect(calls).toEqual([[]]);
    } finally {
      await close(first);
    }
  });
});
