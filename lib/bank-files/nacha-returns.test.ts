import { readFileSync } from 'node:fs';
import path from 'node:path';
import { NachaParseError, parseNachaReturns } from './nacha-returns';

const FILE = path.resolve(__dirname, '../../demo-data/millbrook/payments/ach-returns-2026-12-01.ach');
const text = readFileSync(FILE, 'utf8');
const records = () => text.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1);
const join = (rs: string[]) => rs.join('\n') + '\n';

/** Replaces columns from..to (1-based, inclusive) of record n (1-based). */
function patch(n: number, from: number, value: string): string {
  const rs = records();
  const r = rs[n - 1]!;
  rs[n - 1] = r.slice(0, from - 1) + value + r.slice(from - 1 + value.length);
  return join(rs);
}

function problems(content: string): { record: number; message: string }[] {
  try {
    parseNachaReturns(content);
  } catch (err) {
    expect(err).toBeInstanceOf(NachaParseError);
    return (err as NachaParseError).problems;
  }
  throw new Error('expected the file to be refused');
}

test('the Millbrook returns file: four returned autopay debits', () => {
  const f = parseNachaReturns(text);
  expect(f).toMatchObject({ createdOn: '2026-12-01', batches: 1, originName: 'MILLBROOK W AND L' });
  expect(f.returns).toEqual([
    {
      record: 3,
      accountId: '100010',
      amountCents: 5_696n,
      returnCode: 'R01',
      traceNumber: '031000500000001',
      originalTrace: '043000300004400',
      name: 'HADDAD ROBERT',
      transactionCode: '26',
      receivingDfi: '043000300',
      addendaInformation: 'INSUFFICIENT FUNDS',
      effectiveDate: '2026-12-01',
    },
    expect.objectContaining({
      accountId: '100015',
      amountCents: 20_548n,
      returnCode: 'R02',
      name: 'MARTINEZ DAVID',
    }),
    expect.objectContaining({
      accountId: '100020',
      amountCents: 8_639n,
      returnCode: 'R03',
      name: 'PATEL PRIYA',
    }),
    expect.objectContaining({
      accountId: '100025',
      amountCents: 17_213n,
      returnCode: 'R10',
      name: 'BROWN ROBERT',
    }),
  ]);
});

test('CRLF line endings and a missing final newline are fine', () => {
  expect(parseNachaReturns(records().join('\r\n')).returns).toHaveLength(4);
});

test('every record must be exactly 94 characters: the record number and its length are named', () => {
  const rs = records();
  rs[2] = rs[2]!.slice(0, 93);
  rs[4] = rs[4]! + ' ';
  const p = problems(join(rs));
  expect(p).toEqual([
    { record: 3, message: expect.stringContaining('is 93 characters long') },
    { record: 5, message: expect.stringContaining('is 95 characters long') },
  ]);
  expect(() => parseNachaReturns(join(rs))).toThrow(
    /^record 3: is 93 characters long.*\(and 1 more problem\)$/,
  );
});

test('a blank line in the middle is a record of length 0', () => {
  const rs = records();
  rs.splice(5, 0, '');
  expect(problems(join(rs))[0]).toEqual({
    record: 6,
    message: expect.stringContaining('is 0 characters long'),
  });
});

test('an unknown record type is refused', () => {
  expect(problems(patch(4, 1, '4'))).toEqual([
    { record: 4, message: expect.stringContaining("record type '4'") },
  ]);
});

test('an entry must be a returned debit with its addenda 99 carrying an R code and the same trace', () => {
  expect(problems(patch(3, 2, '22'))[0]!.message).toMatch(/transaction code '22'/);
  expect(problems(patch(4, 2, '05'))[0]!.message).toMatch(/addenda type code '05' must be 99/);
  expect(problems(patch(4, 4, 'X01'))[0]!.message).toMatch(/return reason code 'X01'/);
  expect(problems(patch(4, 94, '2'))[0]!.message).toMatch(/does not match its entry's/);
  const noAddenda = records().filter((_r, i) => i !== 3);
  expect(problems(join(noAddenda)).map((x) => x.record)).toContain(3);
});

test('control totals are checked: amounts, counts, hashes', () => {
  // A changed amount no longer matches the batch and file totals.
  const p = problems(patch(3, 30, '0000005697'));
  expect(p.map((x) => [x.record, x.message.split(' ').slice(0, 2).join(' ')])).toEqual([
    [11, 'total debits'],
    [12, 'total debits'],
  ]);
  expect(problems(patch(12, 2, '000002'))[0]).toEqual({
    record: 12,
    message: expect.stringContaining("batch count '000002'"),
  });
  expect(problems(patch(11, 11, '0017200121'))[0]!.message).toMatch(/entry hash/);
});

test('the file must be blocked in tens and padded with 9s after the file control', () => {
  const rs = records();
  expect(problems(join(rs.slice(0, 19)))[0]!.message).toMatch(/block count|blocks of 10/);
  rs[15] = '8'.repeat(94);
  expect(problems(join(rs))).toEqual([
    { record: 16, message: expect.stringContaining('only padding records') },
  ]);
});

test('an empty or truncated file is refused', () => {
  expect(problems('')[0]!.message).toMatch(/is 0 characters long/);
  expect(problems(join(records().slice(0, 5)))[0]!.message).toMatch(/not followed by its return addenda/);
  expect(problems(join(records().slice(0, 4))).map((x) => x.message)).toEqual([
    expect.stringContaining(
      'expected the batch control (type 8) of batch 0000001, found the end of the file',
    ),
    expect.stringContaining('no file control record'),
  ]);
});
