import { LockboxFormatError, paymentKey, parseLockbox } from './lockbox';

const HEADER = 'batch_date,check_number,account_id,amount,payer_name';

test('good lines become payments; line numbers count the header as line 1', () => {
  const f = parseLockbox(
    [
      HEADER,
      '2026-12-01,1043,100010,56.96,ROBERT HADDAD',
      '',
      '2026-12-01,77,100015,"1000.00","Martinez, David"',
      '2026-12-01,78,100020,0.05,',
    ].join('\n'),
  );
  expect(f.rejections).toEqual([]);
  expect(f.lines).toEqual([
    {
      line: 2,
      batchDate: '2026-12-01',
      checkNumber: '1043',
      accountId: '100010',
      amountCents: 5_696n,
      payerName: 'ROBERT HADDAD',
    },
    {
      line: 4,
      batchDate: '2026-12-01',
      checkNumber: '77',
      accountId: '100015',
      amountCents: 100_000n,
      payerName: 'Martinez, David',
    },
    {
      line: 5,
      batchDate: '2026-12-01',
      checkNumber: '78',
      accountId: '100020',
      amountCents: 5n,
      payerName: null,
    },
  ]);
  expect(paymentKey(f.lines[0]!)).toBe('lockbox:2026-12-01:1043:100010:5696');
});

test('each bad line is rejected on its own, naming the line, the field and why', () => {
  const f = parseLockbox(
    [
      HEADER,
      '2026-02-30,1,100010,1.00,A', // 2
      '2026-12-01,12a,100010,1.00,A', // 3
      '2026-12-01,2,100 010,1.00,A', // 4
      '2026-12-01,3,100010,1.5,A', // 5
      '2026-12-01,4,100010,-1.00,A', // 6
      '2026-12-01,5,100010,0.00,A', // 7
      '2026-12-01,6,100010,1000000.01,A', // 8
      '2026-12-01,7,100010,1.00', // 9
      '2026-12-01,8,100010,"1,000.00",A', // 10
      '2026-12-01,9,100010,12.00,A', // 11 good
      '2026-12-01,9,100010,12.00,B', // 12 duplicate of 11
    ].join('\r\n'),
  );
  expect(f.lines.map((l) => l.line)).toEqual([11]);
  expect(f.rejections).toEqual([
    { line: 2, field: 'batch_date', reason: expect.stringContaining('2026-02-30') },
    { line: 3, field: 'check_number', reason: expect.any(String) },
    { line: 4, field: 'account_id', reason: expect.any(String) },
    { line: 5, field: 'amount', reason: expect.stringContaining('two decimals') },
    { line: 6, field: 'amount', reason: expect.any(String) },
    { line: 7, field: 'amount', reason: expect.stringContaining('more than 0.00') },
    { line: 8, field: 'amount', reason: expect.stringContaining('at most') },
    { line: 9, reason: 'has 4 fields; a lockbox line has 5' },
    { line: 10, field: 'amount', reason: expect.any(String) },
    { line: 12, reason: 'duplicates line 11 (same batch date, check number, account and amount)' },
  ]);
});

test('a missing or different header, or a file that is not CSV, refuses the whole file', () => {
  expect(() => parseLockbox('')).toThrow(LockboxFormatError);
  expect(() => parseLockbox('date,check,account,amount,name\n2026-12-01,1,100010,1.00,A')).toThrow(
    /header must be exactly/,
  );
  expect(() => parseLockbox(`${HEADER}\n2026-12-01,1,"100010,1.00,A`)).toThrow(/not a readable CSV file/);
  expect(parseLockbox(`\uFEFF${HEADER}\n`)).toEqual({ lines: [], rejections: [] });
});
