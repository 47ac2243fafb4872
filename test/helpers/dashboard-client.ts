// A dashboard user for the tests: a browser's cookie jar over fetch, following no redirects, so a
// test sees each answer (a 303 and where it points) as the dashboard gives it.
import type { TestApp } from './app';

export interface Page {
  status: number;
  html: string;
  headers: Headers;
  location: string | null;
}

export class DashboardClient {
  readonly cookies = new Map<string, string>();
  /** Every Set-Cookie line received, as sent. */
  readonly setCookies: string[] = [];

  constructor(private readonly app: Pick<TestApp, 'baseUrl' | 'keys'>) {}

  async request(method: 'GET' | 'POST', url: string, form?: Record<string, string>): Promise<Page> {
    const res = await fetch(this.app.baseUrl + url, {
      method,
      redirect: 'manual',
      headers: {
        ...(this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    for (const line of res.headers.getSetCookie()) {
      this.setCookies.push(line);
      const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
      const name = pair.slice(0, pair.indexOf('='));
      const value = pair.slice(pair.indexOf('=') + 1);
      if (value === '' || attrs.some((a) => /^max-age=0$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return {
      status: res.status,
      html: await res.text(),
      headers: res.headers,
      location: res.headers.get('location'),
    };
  }

  get(url: string) {
    return this.request('GET', url);
  }

  post(url: string, form: Record<string, string>) {
    return this.request('POST', url, form);
  }

  /** Opens the sign-in form and posts the key with the form's token. */
  async signIn(key: string): Promise<Page> {
    const form = await this.get('/dashboard/sign-in');
    expect(form.status).toBe(200);
    return this.post('/dashboard/sign-in', { _csrf: csrf(form.html), key, next: '/dashboard' });
  }

  /** A signed-in client for a demo role; fails the test when sign-in does not succeed. */
  static async as(app: Pick<TestApp, 'baseUrl' | 'keys'>, role: string): Promise<DashboardClient> {
    const c = new DashboardClient(app);
    const r = await c.signIn(app.keys[role]!);
    expect(r.status).toBe(303);
    expect(r.location).toBe('/dashboard');
    return c;
  }
}

export function csrf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token on the page');
  return m[1]!;
}
