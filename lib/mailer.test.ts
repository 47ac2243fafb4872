import { pooledSmtpUrl } from './mailer';

describe('pooledSmtpUrl', () => {
  it('pools SMTP connections unless the URL says otherwise', () => {
    const u = new URL(pooledSmtpUrl('smtp://127.0.0.1:2525'));
    expect(u.searchParams.get('pool')).toBe('true');
    expect(u.searchParams.get('maxConnections')).toBe('8');
    expect(u.searchParams.get('maxMessages')).toBe('500');
  });

  it("keeps the operator's own settings and credentials", () => {
    const u = new URL(pooledSmtpUrl('smtps://user:p%40ss@relay.example:465?pool=false&maxMessages=50'));
    expect(u.searchParams.get('pool')).toBe('false');
    expect(u.searchParams.get('maxMessages')).toBe('50');
    expect(u.searchParams.get('maxConnections')).toBe('8');
    expect(u.username).toBe('user');
    expect(decodeURIComponent(u.password)).toBe('p@ss');
  });

  it('leaves other transports alone', () => {
    expect(pooledSmtpUrl('direct:?name=x')).toBe('direct:?name=x');
    expect(pooledSmtpUrl('not a url')).toBe('not a url');
  });
});
