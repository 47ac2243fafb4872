// SMTP's DATA transparency (RFC 5321 §4.5.2: a line that starts with "." gets another) and bare LF
// to CRLF, for nodemailer's DATA stream, found with native searches instead of a byte loop.
//
// nodemailer passes every message byte through its DataStream transform, whose JavaScript loop
// over each byte was the largest single cost of a bill run's emails (a quarter of the delivering
// thread at 20,000 bills: ~40 KB per message with its PDF). This transform gives the same bytes
// (lib/smtp-dot-stuffing.test.ts checks it against nodemailer's own on random chunked input), in
// one write per message, and replaces nodemailer's at load, once per process. The nodemailer
// version is pinned by the lockfile.
import DataStream from 'nodemailer/lib/smtp-connection/data-stream';

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const CRLF = Buffer.from('\r\n');
const EXTRA_DOT = Buffer.from('.');

interface DataStreamState {
  inByteCount: number;
  outByteCount: number;
  /** The last byte of the previous chunk; false before the first. */
  lastByte: number | false;
  push(chunk: Buffer): boolean;
}

/**
 * The bytes of `chunk` with its dots stuffed and its bare LFs made CRLF, given the last byte of the
 * stream before it (false before the first).
 */
function stuffed(chunk: Buffer, lastByte: number | false): Buffer {
  const out = new Spliced(chunk);
  // A dot that opens the message, or a line whose LF ended the previous chunk. (nodemailer tests
  // the last byte for falsiness, so a NUL byte before a chunk boundary counts as a line start too.)
  if (chunk[0] === DOT && (!lastByte || lastByte === LF)) out.insert(1, EXTRA_DOT, 1);
  for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, i + 1)) {
    const before = i > 0 ? chunk[i - 1] : lastByte;
    if (before !== CR) out.insert(i, CRLF, i + 1);
    if (chunk[i + 1] === DOT) out.insert(i + 2, EXTRA_DOT, i + 2);
  }
  return out.result();
}

/**
 * A chunk with bytes inserted into it, as slices of the chunk and the insertions. A class rather
 * than a closure in `stuffed`: the worker runs under tsx, which names each named inner function as
 * it is created, for every message sent.
 */
class Spliced {
  private readonly parts: Buffer[] = [];
  private size = 0;
  private copied = 0; // chunk[0, copied) is in parts

  constructor(private readonly chunk: Buffer) {}

  /** chunk[copied, end), then `extra`; the chunk goes on from `resume`. */
  insert(end: number, extra: Buffer, resume: number): void {
    if (end > this.copied) {
      this.parts.push(this.chunk.subarray(this.copied, end));
      this.size += end - this.copied;
    }
    this.parts.push(extra);
    this.size += extra.length;
    this.copied = resume;
  }

  /** The chunk itself when nothing was inserted. */
  result(): Buffer {
    const { parts, chunk, copied } = this;
    if (parts.length === 0) return chunk;
    if (copied < chunk.length) {
      parts.push(chunk.subarray(copied));
      this.size += chunk.length - copied;
    }
    return Buffer.concat(parts, this.size);
  }
}

/** The line that ends DATA, after a message whose last byte was `lastByte` (as nodemailer ends it). */
function endOfData(lastByte: number | false): Buffer {
  if (lastByte === LF) return Buffer.from('.\r\n');
  if (lastByte === CR) return Buffer.from('\n.\r\n');
  return Buffer.from('\r\n.\r\n');
}

interface HeldDataStreamState extends DataStreamState {
  /** The message so far, stuffed, not yet pushed. */
  held?: Buffer[];
}

/**
 * The installed `_transform`: stuffs the chunk and holds it, so the whole message goes to the
 * socket in one write with the line that ends it (`heldFlush`). Each write to a loopback or LAN
 * socket is a system call on both ends; a bill's message is tens of kilobytes, already whole in
 * memory (it is handed over raw), so holding it costs no memory worth counting and saves a write
 * and a wakeup of the relay per message.
 */
export function heldChunk(
  this: HeldDataStreamState,
  input: Buffer | string,
  _encoding: BufferEncoding,
  done: () => void,
): void {
  if (!input || !input.length) return done();
  const chunk = typeof input === 'string' ? Buffer.from(input) : input;
  this.inByteCount += chunk.length;
  const out = stuffed(chunk, this.lastByte);
  this.outByteCount += out.length;
  (this.held ??= []).push(out);
  this.lastByte = chunk[chunk.length - 1]!;
  done();
}

/** The installed `_flush`: the held message and the end of DATA, in one push. */
export function heldFlush(this: HeldDataStreamState, done: () => void): void {
  const end = endOfData(this.lastByte);
  this.outByteCount += end.length;
  this.push(Buffer.concat([...(this.held ?? []), end]));
  this.held = undefined;
  done();
}

/** nodemailer's own transform and end of DATA, kept for the equivalence test. */
export const nodemailerStuffChunk = DataStream.prototype._transform;
export const nodemailerFlush = DataStream.prototype._flush;

let installed = false;

/** Puts `heldChunk` and `heldFlush` in place of nodemailer's DATA transform (idempotent). */
export function installFastDotStuffing(): void {
  if (installed) return;
  installed = true;
  DataStream.prototype._transform = heldChunk as typeof DataStream.prototype._transform;
  DataStream.prototype._flush = heldFlush as typeof DataStream.prototype._flush;
}
