import { Writable } from 'node:stream';
import { createLogger, redactPaths } from './logger';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { lines, log: createLogger('trace', 'opencis-test', sink) };
}

test('credential and personal fields are redacted wherever they sit in a logged object', () => {
  const { lines, log } = capture();
  log.child({ requestId: 'r1' }).info({
    req: {
      headers: {
        authorization: 'Bearer SECRET_A',
        cookie: 'SECRET_B',
        'x-api-key': 'SECRET_C',
        'set-cookie': ['SECRET_D'],
      },
    },
    err: { message: 'parse failed', body: '{"accountNumber":"SECRET_E"}' },
    input: {
      bankAccount: { accountNumber: 'SECRET_F' },
      customer: { dateOfBirth: 'SECRET_G', password: 'SECRET_H' },
    },
    apiKey: 'SECRET_I',
    a: { b: { c: { d: { accountNumber: 'SECRET_J' } } } },
    routingNumber: '021000021',
  });
  const out = lines.join('');
  expect(out).toContain('"routingNumber":"021000021"');
  expect(out).toContain('"requestId":"r1"');
  for (const c of 'ABCDEFGHIJ') expect(out).not.toContain(`SECRET_${c}`);
  expect(out).toContain('[redacted]');
});

test('names that are not identifiers are written as bracket paths at every depth', () => {
  expect(redactPaths(['set-cookie', 'key'])).toEqual([
    '["set-cookie"]',
    '*["set-cookie"]',
    '*.*["set-cookie"]',
    '*.*.*["set-cookie"]',
    '*.*.*.*["set-cookie"]',
    'key',
    '*.key',
    '*.*.key',
    '*.*.*.key',
    '*.*.*.*.key',
  ]);
});
