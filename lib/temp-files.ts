// Files written under a temporary name beside their final one and renamed into place when done,
// so a reader (the print vendor) never sees half a file.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';

/** A temporary name beside `file`, unique to this process and call. */
export const tempName = (file: string) => `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;

/** Removes files that will not be renamed into place (a failed or abandoned write). */
export function discard(...files: string[]): void {
  for (const f of files) rmSync(f, { force: true });
}
