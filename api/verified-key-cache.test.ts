import { VerifiedKeyCache } from './auth';

const actor = (keyId: string) => ({ id: `user-${keyId}`, role: 'csr' as const, keyId });

describe('VerifiedKeyCache', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  test('a verified key is trusted for the TTL from its verification, then looked up again', () => {
    const c = new VerifiedKeyCache(10_000, 100, clock);
    c.set('h1', actor('k1'), c.generation);
    now += 9_999;
    expect(c.get('h1')).toEqual(actor('k1'));
    now += 1;
    expect(c.get('h1')).toBeUndefined();
  });

  test('holds at most max keys, dropping the oldest first', () => {
    const c = new VerifiedKeyCache(10_000, 2, clock);
    c.set('h1', actor('k1'), c.generation);
    c.set('h2', actor('k2'), c.generation);
    c.set('h3', actor('k3'), c.generation);
    expect(c.get('h1')).toBeUndefined();
    expect(c.get('h2')).toEqual(actor('k2'));
    expect(c.get('h3')).toEqual(actor('k3'));
  });

  test('forget drops the revoked key at once and leaves the others', () => {
    const c = new VerifiedKeyCache(10_000, 100, clock);
    c.set('h1', actor('k1'), c.generation);
    c.set('h2', actor('k2'), c.generation);
    c.forget('k1');
    expect(c.get('h1')).toBeUndefined();
    expect(c.get('h2')).toEqual(actor('k2'));
  });

  test('a lookup that started before a revocation is not kept', () => {
    const c = new VerifiedKeyCache(10_000, 100, clock);
    const started = c.generation;
    c.forget('k1'); // revoked while the lookup was in flight
    c.set('h1', actor('k1'), started);
    expect(c.get('h1')).toBeUndefined();
  });

  test('a TTL of 0 keeps nothing', () => {
    const c = new VerifiedKeyCache(0, 100, clock);
    c.set('h1', actor('k1'), c.generation);
    expect(c.get('h1')).toBeUndefined();
  });
});
