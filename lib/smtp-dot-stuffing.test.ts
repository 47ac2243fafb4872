import fc from 'fast-check';
import { heldChunk, heldFlush, nodemailerFlush, nodemailerStuffChunk } from './smtp-dot-stuffing';

type Transform = typeof heldChunk;
type Flush = typeof heldFlush;

/** Feeds the chunks through one DATA transform and its flush as nodemailer's DataStream would. */
function run(transform: Transform, flush: Flush, chunks: readonly Buffer[]) {
  const out: Buffer[] = [];
  const state = {
    inByteCount: 0,
    outByteCount: 0,
    lastByte: false as number | false,
    push: (b: Buffer) => out.push(Buffer.from(b)) > 0,
  };
  for (const c of chunks) transform.call(state, c, 'binary', () => undefined);
  flush.call(state, () => undefined);
  return {
    bytes: Buffer.concat(out),
    pushes: out.length,
    inBytes: state.inByteCount,
    outBytes: state.outByteCount,
    last: state.lastByte,
  };
}

const nodemailers = (chunks: readonly Buffer[]) =>
  run(nodemailerStuffChunk as Transform, nodemailerFlush as Flush, chunks);
const ours = (chunks: readonly Buffer[]) => run(heldChunk, heldFlush, chunks);

const byte = fc.constantFrom(0x2e, 0x0a, 0x0d, 0x41, 0x20, 0x00);

test('stuffs dots, makes bare LFs CRLF and ends DATA exactly as nodemailer does, however the stream is chunked', () => {
  fc.assert(
    fc.property(fc.array(fc.array(byte, { maxLength: 40 }), { maxLength: 8 }), (pieces) => {
      const chunks = pieces.map((p) => Buffer.from(p));
      const { pushes, ...mine } = ours(chunks);
      const { pushes: _theirs, ...theirs } = nodemailers(chunks);
      expect(mine).toEqual(theirs);
      // The whole message and the end of DATA leave in one write.
      expect(pushes).toBe(1);
    }),
    { numRuns: 3000 },
  );
});

test('the cases by hand', () => {
  const out = (...chunks: string[]) => ours(chunks.map((c) => Buffer.from(c))).bytes.toString();
  expect(out('.hidden\r\n..two\r\nplain.\r\n')).toBe('..hidden\r\n...two\r\nplain.\r\n.\r\n');
  expect(out('a\nb\r\nc\n.d')).toBe('a\r\nb\r\nc\r\n..d\r\n.\r\n');
  expect(out('line\r\n', '.next')).toBe('line\r\n..next\r\n.\r\n');
  expect(out('line\r', '\n.x')).toBe('line\r\n..x\r\n.\r\n');
  expect(out('line', '\n')).toBe('line\r\n.\r\n');
  expect(out('line\r')).toBe('line\r\n.\r\n');
  expect(out('')).toBe('\r\n.\r\n');
});
