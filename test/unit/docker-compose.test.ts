// The production compose file and its Dockerfile, checked as data: no Docker needed. These guard
// the things that break a deployment quietly (an entry point that was renamed, a worker that can
// no longer scale, a service that lost its database or Temporal address).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { API_NODE_FLAGS } = require('../../scripts/api-node-flags.cjs') as { API_NODE_FLAGS: string[] };

const ROOT = path.resolve(__dirname, '..', '..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');

type Env = Record<string, string>;
interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  environment?: Env | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  ports?: (string | number | { target?: number; published?: string | number })[];
  container_name?: string;
  deploy?: { replicas?: number };
  healthcheck?: { test?: string | string[] };
  configs?: ({ source: string; target?: string } | string)[];
  volumes?: (string | { source?: string; target?: string })[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  configs?: Record<string, { content?: string; file?: string }>;
}

// `merge: true` resolves the `<<: *anchor` merge keys the file uses, as Docker Compose does.
const compose = parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as Compose;
const services = compose.services;

/** A service's environment as a map, whichever of the two compose forms it is written in. */
function envOf(name: string): Env {
  const env = services[name]?.environment ?? {};
  if (!Array.isArray(env)) return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
  return Object.fromEntries(
    env.map((line) => {
      const i = line.indexOf('=');
      return i < 0 ? [line, ''] : [line.slice(0, i), line.slice(i + 1)];
    }),
  );
}

function dependsOn(name: string): Record<string, string | undefined> {
  const d = services[name]?.depends_on ?? [];
  return Array.isArray(d)
    ? Object.fromEntries(d.map((s) => [s, undefined]))
    : Object.fromEntries(Object.entries(d).map(([s, v]) => [s, v?.condition]));
}

/** Container ports a service publishes: '127.0.0.1:3000:3000' -> 3000. */
function publishedTargets(name: string): number[] {
  return (services[name]?.ports ?? []).map((p) =>
    typeof p === 'object' ? Number(p.target) : Number(String(p).split(':').pop()!.split('/')[0]),
  );
}

function commandOf(name: string): string[] {
  const c = services[name]?.command;
  if (c === undefined) return [];
  return Array.isArray(c) ? c : c.split(/\s+/).filter(Boolean);
}

const APP_SERVICES = ['migrate', 'worker', 'api'] as const;
const ENTRY_POINTS: Record<(typeof APP_SERVICES)[number], string> = {
  migrate: 'bin/db-migrate.ts',
  worker: 'bin/worker.ts',
  api: 'bin/api.ts',
};
/** How each service starts its entry point: the API with its Node flags, the others plain tsx. */
const LAUNCHERS: Record<(typeof APP_SERVICES)[number], string[]> = {
  migrate: ['node_modules/.bin/tsx'],
  worker: ['node_modules/.bin/tsx'],
  api: ['node', ...API_NODE_FLAGS, '--import', 'tsx'],
};

describe('docker-compose.yml', () => {
  it('parses and defines every service the deployment needs', () => {
    expect(compose).toBeTruthy();
    expect(typeof services).toBe('object');
    for (const name of ['postgres', 'temporal', 'temporal-ui', ...APP_SERVICES]) {
      expect(Object.keys(services)).toContain(name);
    }
  });

  it('runs Postgres 16 on a named volume with a healthcheck', () => {
    const pg = services.postgres!;
    expect(pg.image).toMatch(/^postgres:16(\.|$|-)/);
    const dataVolume = (pg.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[0] : v.source));
    expect(dataVolume.some((v) => v !== undefined && Object.keys(compose.volumes ?? {}).includes(v))).toBe(
      true,
    );
    expect(JSON.stringify(pg.healthcheck?.test)).toMatch(/pg_isready/);
    expect(pg.ports ?? []).toEqual([]); // the database is reachable only on the compose network
  });

  it('configures Temporal for that Postgres and starts it only once Postgres is healthy', () => {
    const t = services.temporal!;
    expect(t.image).toMatch(/^temporalio\/(server|auto-setup):/);
    const env = envOf('temporal');
    expect(env.DB).toBe('postgres12');
    expect(env.DB_PORT).toBe('5432');
    expect(env.POSTGRES_SEEDS).toBe('postgres');
    expect(env.POSTGRES_USER).toBeTruthy();
    expect(env.POSTGRES_PWD).toMatch(/^\$\{[A-Z_]+:\?/); // a required secret, not a baked-in password
    expect(dependsOn('temporal')).toHaveProperty('postgres', 'service_healthy');
    expect(t.healthcheck?.test).toBeDefined();
  });

  it('sets up the Temporal schema with the same server version before the server starts', () => {
    // With the server image (not the deprecated auto-setup image) something must create the schema.
    if (!services.temporal!.image!.startsWith('temporalio/server:')) return;
    const setup = Object.entries(services).find(([, s]) =>
      JSON.stringify(s.command ?? '').includes('update-schema'),
    );
    expect(setup).toBeDefined();
    const [setupName, setupService] = setup!;
    expect(setupService.image).toMatch(/^temporalio\/admin-tools:/);
    expect(setupService.image!.split(':')[1]).toBe(services.temporal!.image!.split(':')[1]);
    expect(JSON.stringify(setupService.command)).toMatch(/postgres12/);
    expect(dependsOn('temporal')).toHaveProperty(setupName, 'service_completed_successfully');
  });

  it('runs the Temporal UI against the server on port 8080', () => {
    expect(services['temporal-ui']!.image).toMatch(/^temporalio\/ui:/);
    expect(envOf('temporal-ui').TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(publishedTargets('temporal-ui')).toContain(8080);
  });

  describe.each(APP_SERVICES)('app service %s', (name) => {
    it('is built from the repository Dockerfile', () => {
      const build = services[name]!.build;
      const context = typeof build === 'string' ? build : build?.context;
      expect(context).toBe('.');
      expect(
        existsSync(
          path.join(ROOT, typeof build === 'object' && build.dockerfile ? build.dockerfile : 'Dockerfile'),
        ),
      ).toBe(true);
    });

    it('gets the database, Temporal, SMTP and encryption settings', () => {
      const env = envOf(name);
      expect(env.DATABASE_URL).toMatch(/^postgres(ql)?:\/\/opencis_app:.+@postgres:5432\/opencis$/);
      expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(env.TEMPORAL_NAMESPACE).toBe('default');
      expect(env.SMTP_URL).toMatch(/^\$\{SMTP_URL(:\?|\?)/); // the external relay, required
      // Production must never fall back to a generated key: the variable is required, no default.
      expect(env.DATA_ENCRYPTION_KEY).toMatch(/^\$\{DATA_ENCRYPTION_KEY:\?/);
      expect(env.NODE_ENV).toBe('production');
    });

    it(`runs ${ENTRY_POINTS[name]} with tsx, and that file exists in the repository`, () => {
      const cmd = commandOf(name);
      expect(cmd).toEqual([...LAUNCHERS[name], ENTRY_POINTS[name]]);
      // Fails until the entry point is written: the compose file must not point at nothing.
      const file = cmd[cmd.length - 1]!;
      expect({ file, exists: existsSync(path.join(ROOT, file)) }).toEqual({ file, exists: true });
    });
  });

  it('gives the owner (migration) credentials to the migrate service only', () => {
    expect(envOf('migrate').DATABASE_ADMIN_URL).toMatch(
      /^postgres(ql)?:\/\/[^:]+:.+@postgres:5432\/opencis$/,
    );
    expect(envOf('migrate').DATABASE_ADMIN_URL!.split(':')[1]).not.toBe('//opencis_app');
    expect(envOf('worker').DATABASE_ADMIN_URL).toBeUndefined();
    expect(envOf('api').DATABASE_ADMIN_URL).toBeUndefined();
    expect(dependsOn('migrate')).toHaveProperty('postgres', 'service_healthy');
  });

  it('starts the worker and the API only after the migration has completed', () => {
    for (const name of ['worker', 'api']) {
      expect(dependsOn(name)).toHaveProperty('migrate', 'service_completed_successfully');
    }
  });

  it('lets the worker scale: no container_name, no host port, more than one replica', () => {
    const w = services.worker!;
    expect(w.container_name).toBeUndefined();
    expect(w.ports ?? []).toEqual([]);
    expect(w.deploy?.replicas).toBeGreaterThanOrEqual(2);
  });

  it('publishes the API on port 3000, listening beyond loopback inside its container', () => {
    expect(publishedTargets('api')).toEqual([3000]);
    expect(envOf('api').API_PORT).toBe('3000');
    expect(envOf('api').API_HOST).toBe('0.0.0.0');
    expect(services.api!.container_name).toBeUndefined();
  });

  it('health-checks the API on /health', () => {
    const test = services.api!.healthcheck?.test;
    expect(test).toBeDefined();
    const text = Array.isArray(test) ? test.join(' ') : String(test);
    expect(text).toMatch(/https?:\/\/(127\.0\.0\.1|localhost):3000\/health\b/);
  });

  it('runs no mail catcher: production mail goes to the external relay', () => {
    const images = Object.values(services).map((s) => s.image ?? '');
    expect(images.filter((i) => /mailpit|mailhog|smtp4dev|maildev/i.test(i))).toEqual([]);
  });

  it('only references services and configs that exist', () => {
    for (const name of Object.keys(services)) {
      for (const dep of Object.keys(dependsOn(name))) expect(Object.keys(services)).toContain(dep);
      for (const c of services[name]!.configs ?? []) {
        expect(Object.keys(compose.configs ?? {})).toContain(typeof c === 'string' ? c : c.source);
      }
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const instructions = dockerfile
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

  it('builds on node:20-bookworm-slim with the locked dependencies and the Prisma client', () => {
    expect(
      instructions.filter((l) => l.startsWith('FROM ')).every((l) => /^FROM node:20-bookworm-slim\b/.test(l)),
    ).toBe(true);
    expect(instructions.some((l) => /^RUN .*\bnpm ci\b/.test(l))).toBe(true);
    expect(instructions.some((l) => /^RUN .*\bnpx prisma generate\b/.test(l))).toBe(true);
  });

  it('starts the API, with its Node flags, by default', () => {
    const cmd = instructions.filter((l) => l.startsWith('CMD ')).at(-1);
    expect(JSON.parse(cmd!.slice(4))).toEqual([...LAUNCHERS.api, ENTRY_POINTS.api]);
  });

  it('runs as a non-root user', () => {
    const users = instructions.filter((l) => l.startsWith('USER '));
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^USER (root|0)(:|$)/);
  });
});
