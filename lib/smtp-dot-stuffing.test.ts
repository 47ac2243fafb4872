import fc from 'fast-check';
import { nodemailerStuffChunk, stuffChunk } from './smtp-dot-stuffing';

type Transform = typeof stuffChunk;

/** Feeds the chunks through one transform as nodemailer's DataStream would; its output and counters. */
function run(transform: Transform, chunks: readonly Buffer[]) {
  const out: Buffer[] = [];
  const state = {
    inByteCount: 0,
    outByteCount: 0,
    lastByte: false as number | false,
    push: (b: Buffer) => out.push(Buffer.from(b)) > 0,
  };
  for (const c of chunks) transform.call(state, c, 'binary', () => undefined);
  return {
    bytes: Buffer.concat(out),
    inBytes: state.inByteCount,
    outBytes: state.outByteCount,
    last: state.lastByte,
  };
}

const byte = fc.constantFrom(0x2e, 0x0a, 0x0d, 0x41, 0x20, 0x00);

test('stuffs dots and makes bare LFs CRLF exactly as nodemailer does, however the stream is chunked', () => {
  fc.assert(
    fc.property(fc.array(fc.array(byte, { maxLength: 40 }), { maxLength: 8 }), (pieces) => {
      const chunks = pieces.map((p) => Buffer.from(p));
      expect(run(stuffChunk, chunks)).toEqual(run(nodemailerStuffChunk as Transform, chunks));
    }),
    { numRuns: 3000 },
  );
});

test('the cases by hand', () => {
  const out = (...chunks: string[]) =>
    run(
      stuffChunk,
      chunks.map((c) => Buffer.from(c)),
    ).bytes.toString();
  expect(out('.hidden\r\n..two\r\nplain.\r\n')).toBe('..hidden\r\n...two\r\nplain.\r\n');
  expect(out('a\nb\r\nc\n.d')).toBe('a\r\nb\r\nc\r\n..d');
  expect(out('line\r\n', '.next')).toBe('line\r\n..next');
  expect(out('line\r', '\n.x')).toBe('line\r\n..x');
  expect(out('line', '\n')).toBe('line\r\n');
  expect(out('')).toBe('');
});
