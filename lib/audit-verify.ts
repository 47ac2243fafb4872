// Walks the audit chain in sequence order and names the first row that breaks it. Each row's
// digest is recomputed by the same SQL function the append trigger used, so any edit made behind
// the triggers' back (a superuser disabling them) shows as a digest mismatch, a deletion shows as a
// prev_hash that no longer points at the row before, and a reordering as a prev_hash that points
// at some other row.
import type { Db } from './db/prisma';

export type AuditBreak =
  | { kind: 'altered'; seq: string; message: string }
  | { kind: 'deleted'; seq: string; afterSeq: string | null; message: string }
  | { kind: 'reordered'; seq: string; message: string };

export interface AuditVerifyResult {
  ok: boolean;
  rowsChecked: number;
  headSeq: string | null;
  headHash: string | null;
  firstBreak?: AuditBreak;
}

const GENESIS = '0'.repeat(64);
const BATCH = 5000;

interface Row {
  seq: bigint;
  prev_hash: string;
  hash: string;
  digest: string;
}

export async function verifyAuditChain(db: Db): Promise<AuditVerifyResult> {
  const seen = new Set<string>([GENESIS]);
  let prevHash = GENESIS;
  let prevSeq: string | null = null;
  let rowsChecked = 0;
  let cursor = -1n;
  for (;;) {
    const rows = await db.$queryRaw<Row[]>`
      SELECT e.seq, e.prev_hash, e.hash, audit_event_digest(e) AS digest
      FROM audit_event e WHERE e.seq > ${cursor} ORDER BY e.seq LIMIT ${BATCH}`;
    for (const r of rows) {
      const seq = r.seq.toString();
      if (r.digest !== r.hash) {
        return broken(rowsChecked, {
          kind: 'altered',
          seq,
          message: `audit row ${seq} was altered: its content no longer matches its hash`,
        });
      }
      if (r.prev_hash !== prevHash) {
        const brk: AuditBreak = seen.has(r.prev_hash)
          ? {
              kind: 'reordered',
              seq,
              message: `audit row ${seq} is out of order: it chains to an earlier row than ${prevSeq}`,
            }
          : {
              kind: 'deleted',
              seq,
              afterSeq: prevSeq,
              message: `audit rows are missing before row ${seq}${prevSeq ? ` (after row ${prevSeq})` : ''}: they were deleted`,
            };
        return broken(rowsChecked, brk);
      }
      seen.add(r.hash);
      prevHash = r.hash;
      prevSeq = seq;
      rowsChecked++;
    }
    if (rows.length < BATCH) break;
    cursor = rows[rows.length - 1]!.seq;
  }
  return { ok: true, rowsChecked, headSeq: prevSeq, headHash: prevSeq ? prevHash : null };

  function broken(n: number, firstBreak: AuditBreak): AuditVerifyResult {
    return { ok: false, rowsChecked: n, headSeq: prevSeq, headHash: prevSeq ? prevHash : null, firstBreak };
  }
}
