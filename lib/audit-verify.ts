// Walks the audit chain in sequence order and names the first row that breaks it. Each row's
// digest is recomputed by the same SQL function the append trigger used, so any edit made behind
// the triggers' back (a superuser disabling them) shows as a digest mismatch, a deletion shows as a
// prev_hash that no longer points at the row before, and a reordering as a prev_hash that points
// at some other row.
//
// What the chain alone cannot show is a cut at its end (the last rows deleted) or a chain rebuilt
// from some row on with fresh hashes: both leave a chain that verifies. A head published earlier
// (its seq and hash, from a run of this check, kept where the database's owner cannot change it)
// closes that gap: given one, the walk also requires the row at that seq to be there with that
// hash.
import type { Db } from './db/prisma';

export type AuditBreak =
  | { kind: 'altered'; seq: string; message: string }
  | { kind: 'deleted'; seq: string; afterSeq: string | null; message: string }
  | { kind: 'reordered'; seq: string; message: string }
  /** The published head is no longer in the chain: rows at its end were cut off. */
  | { kind: 'truncated'; seq: string; message: string }
  /** The row at the published head's seq has another hash: the chain was rebuilt from it on. */
  | { kind: 'rewritten'; seq: string; message: string };

/** A head published earlier: the chain must still pass through this row with this hash. */
export interface AuditCheckpoint {
  seq: string;
  hash: string;
}

export interface AuditVerifyResult {
  ok: boolean;
  rowsChecked: number;
  headSeq: string | null;
  headHash: string | null;
  firstBreak?: AuditBreak;
  /** The published head the chain was checked against, when one was given. */
  checkpoint?: AuditCheckpoint & { found: boolean };
}

const GENESIS = '0'.repeat(64);
const BATCH = 5000;

interface Row {
  seq: bigint;
  prev_hash: string;
  hash: string;
  digest: string;
}

export async function verifyAuditChain(db: Db, checkpoint?: AuditCheckpoint): Promise<AuditVerifyResult> {
  let found = false;
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
      if (checkpoint && seq === checkpoint.seq) {
        if (r.hash !== checkpoint.hash)
          return broken(rowsChecked, {
            kind: 'rewritten',
            seq,
            message: `audit row ${seq} has hash ${r.hash}, not the ${checkpoint.hash} published for it: the chain was rebuilt from this row on`,
          });
        found = true;
      }
      seen.add(r.hash);
      prevHash = r.hash;
      prevSeq = seq;
      rowsChecked++;
    }
    if (rows.length < BATCH) break;
    cursor = rows[rows.length - 1]!.seq;
  }
  if (checkpoint && !found)
    return broken(rowsChecked, {
      kind: 'truncated',
      seq: checkpoint.seq,
      message: `audit row ${checkpoint.seq}, published as a head, is not in the chain (which ends at ${prevSeq ?? 'no row'}): rows at its end were deleted`,
    });
  return { ok: true, rowsChecked, headSeq: prevSeq, headHash: prevSeq ? prevHash : null, ...checked() };

  function checked() {
    return checkpoint ? { checkpoint: { ...checkpoint, found } } : {};
  }

  function broken(n: number, firstBreak: AuditBreak): AuditVerifyResult {
    return {
      ok: false,
      rowsChecked: n,
      headSeq: prevSeq,
      headHash: prevSeq ? prevHash : null,
      firstBreak,
      ...checked(),
    };
  }
}
