import { Readable } from 'node:stream';
import {
  AmiFileError,
  readAllAmiBillingReads,
  readAmiBillingReads,
  toIncomingRead,
  type AmiItem,
} from './ami-csv';

const HEADER =
  'Account_ID,Location_ID,Service_Point_ID,Meter_ID,Register_Number,Endpoint_SN,Read_Method,Read_Unit,Read,Read_Time,Flags';
const ROW = '100001,P00001,SP-W000001,W000001,0,EP700001,Network,GAL,219401,2026-11-02T06:00:00,';
const rowWith = (changes: Record<number, string>) =>
  ROW.split(',')
    .map((v, i) => changes[i] ?? v)
    .join(',');
const read = (text: string) => readAllAmiBillingReads(Readable.from([text]));

describe('readAmiBillingReads: rows and per-row rejections', () => {
  const cases: { name: string; line: string; expected: Partial<AmiItem> & Record<string, unknown> }[] = [
    { name: 'a good row', line: ROW, expected: { kind: 'row', line: 2 } },
    {
      name: 'NO_READ with an empty read',
      line: rowWith({ 8: '', 10: 'NO_READ' }),
      expected: { kind: 'row' },
    },
    { name: 'TAMPER', line: rowWith({ 10: 'TAMPER' }), expected: { kind: 'row' } },
    {
      name: 'leading zeros kept',
      line: rowWith({ 8: '000171' }),
      expected: { kind: 'row', raw: expect.objectContaining({ read: '000171' }) },
    },
    {
      name: 'too few columns',
      line: '100001,P00001,W000001',
      expected: { kind: 'rejected', field: '(row)', problem: 'has 3 fields where the header has 11' },
    },
    { name: 'too many columns', line: `${ROW},extra`, expected: { kind: 'rejected', field: '(row)' } },
    {
      name: 'non-numeric read',
      line: rowWith({ 8: 'ERR' }),
      expected: { kind: 'rejected', field: 'Read', value: 'ERR' },
    },
    {
      name: 'decimal read',
      line: rowWith({ 8: '12.5' }),
      expected: { kind: 'rejected', field: 'Read', value: '12.5' },
    },
    {
      name: 'empty read, no flag',
      line: rowWith({ 8: '' }),
      expected: { kind: 'rejected', field: 'Read', problem: expect.stringMatching(/not flagged NO_READ/) },
    },
    {
      name: 'bad timestamp',
      line: rowWith({ 9: '2026-13-02T06:00:00' }),
      expected: { kind: 'rejected', field: 'Read_Time', value: '2026-13-02T06:00:00' },
    },
    {
      name: 'date without time',
      line: rowWith({ 9: '2026-11-02' }),
      expected: { kind: 'rejected', field: 'Read_Time' },
    },
    {
      name: 'zoned timestamp',
      line: rowWith({ 9: '2026-11-02T06:00:00Z' }),
      expected: { kind: 'rejected', field: 'Read_Time' },
    },
    {
      name: 'unknown unit',
      line: rowWith({ 7: 'LITRES' }),
      expected: { kind: 'rejected', field: 'Read_Unit', value: 'LITRES' },
    },
    { name: 'empty meter id', line: rowWith({ 3: '' }), expected: { kind: 'rejected', field: 'Meter_ID' } },
    {
      name: 'unknown flag',
      line: rowWith({ 10: 'LEAK' }),
      expected: { kind: 'rejected', field: 'Flags', value: 'LEAK' },
    },
  ];
  it.each(cases)('$name', async ({ line, expected }) => {
    const items = await read(`${HEADER}\n${line}\n`);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ line: 2, ...expected });
  });

  it('keeps the row on a rejection with the right shape, so validation can still name the meter', async () => {
    const [bad, short] = await read(`${HEADER}\n${rowWith({ 8: 'ERR' })}\n1,2,3\n`);
    expect(bad && toIncomingRead(bad)).toEqual({
      line: 2,
      accountId: '100001',
      meterId: 'W000001',
      readUnit: 'GAL',
      read: 'ERR',
      readTime: '2026-11-02T06:00:00',
      flags: '',
    });
    expect(short && toIncomingRead(short)).toBeNull();
  });

  it('handles CRLF, a BOM, blank lines, quoted fields, reordered and extra columns', async () => {
    const header =
      'Extra,Flags,Read_Time,Read,Read_Unit,Read_Method,Endpoint_SN,Register_Number,Meter_ID,Service_Point_ID,Location_ID,Account_ID';
    const text = `\uFEFF${header}\r\n\r\n"x, y",,2026-11-02T06:00:00,"000171",GAL,Network,EP1,0,W1,SP-W1,P1,A1\r\n`;
    expect(await read(text)).toEqual([
      {
        kind: 'row',
        line: 3,
        raw: {
          accountId: 'A1',
          locationId: 'P1',
          servicePointId: 'SP-W1',
          meterId: 'W1',
          registerNumber: '0',
          endpointSn: 'EP1',
          readMethod: 'Network',
          readUnit: 'GAL',
          read: '000171',
          readTime: '2026-11-02T06:00:00',
          flags: '',
        },
      },
    ]);
  });

  it('counts lines from where a record starts', async () => {
    const items = await read(`${HEADER}\n"multi\nline",${ROW.split(',').slice(1).join(',')}\n${ROW}\n`);
    expect(items.map((i) => i.line)).toEqual([2, 4]);
  });
});

describe('readAmiBillingReads: file-level errors', () => {
  it('names the missing columns', async () => {
    const header = HEADER.replace(',Read_Time', '').replace(',Flags', '');
    const err = await read(`${header}\n`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AmiFileError);
    expect(err).toMatchObject({
      message: 'AMI billing-read file: the header on line 1 is missing column(s) Read_Time, Flags',
      missingColumns: ['Read_Time', 'Flags'],
      line: 1,
    });
  });

  it('says when there is no header at all', async () => {
    await expect(read(`${ROW}\n`)).rejects.toThrow(/has no header row: line 1 is not a header/);
  });

  it('refuses an empty file', async () => {
    await expect(read('')).rejects.toThrow(/empty: no header row/);
  });

  it('refuses a repeated column', async () => {
    await expect(read(`${HEADER},Read\n`)).rejects.toThrow(/column "Read" appears twice/);
  });

  it('stops at CSV that cannot be tokenised, naming the line', async () => {
    await expect(read(`${HEADER}\n${ROW}\n${rowWith({ 0: '"1"x' })}\n`)).rejects.toThrow(
      /AMI billing-read file: line 3: Invalid Closing Quote/,
    );
  });

  it('names the line of a quote never closed and of a quote inside an unquoted field', async () => {
    await expect(read(`${HEADER}\n${ROW}\n"W1,${ROW}\n`)).rejects.toThrow(
      /AMI billing-read file: line 3: Quote Not Closed/,
    );
    await expect(read(`${HEADER}\n${rowWith({ 3: 'W"1' })}\n`)).rejects.toThrow(
      /AMI billing-read file: line 2: Invalid Opening Quote/,
    );
  });

  it('refuses a record longer than the limit (a file that is not comma-separated)', async () => {
    const items = readAllAmiBillingReads(Readable.from([`${HEADER}\n${'x'.repeat(200)}\n`]), {
      maxRecordSize: 150, // the header is 117 characters
    });
    await expect(items).rejects.toThrow(/line 2: Max Record Size/);
  });

  it('reports a failing source', async () => {
    const source = new Readable({
      read() {
        this.destroy(new Error('disk gone'));
      },
    });
    await expect(readAllAmiBillingReads(source)).rejects.toThrow('disk gone');
  });
});

describe('readAmiBillingReads: streaming', () => {
  it('gives the same items whether the bytes come whole or a few at a time', async () => {
    const rest = ROW.split(',').slice(1).join(',');
    const text =
      `\uFEFF${HEADER}\r\n${ROW}\r\n\r\n"multi\r\nline ""quoted""",${rest}\r\n` +
      `${rowWith({ 8: 'ERR' })}\n${rowWith({ 10: '"TAMPER"' })}\n1,2,3\n${ROW}`;
    const whole = await read(text);
    expect(whole.map((i) => [i.line, i.kind])).toEqual([
      [2, 'row'],
      [4, 'row'],
      [6, 'rejected'],
      [7, 'row'],
      [8, 'rejected'],
      [9, 'row'],
    ]);
    expect(whole[1]).toMatchObject({ raw: { accountId: 'multi\r\nline "quoted"' } });
    const bytes = Buffer.from(text);
    for (const size of [1, 2, 3, 7]) {
      const pieces: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += size) pieces.push(bytes.subarray(at, at + size));
      expect(await readAllAmiBillingReads(Readable.from(pieces))).toEqual(whole);
    }
  });

  it('yields rows while the source is still producing (a million-row source is never held in memory)', async () => {
    const blocks = 1000; // × 1,000 rows = a million-row file, made on demand
    let produced = 0;
    function* chunks() {
      yield `${HEADER}\n`;
      for (let b = 0; b < blocks; b++) {
        let text = '';
        for (let i = 0; i < 1000; i++) text += `${rowWith({ 3: `W${b * 1000 + i}` })}\n`;
        produced += 1000;
        yield text;
      }
    }
    let seen = 0;
    let producedAtFirst = -1;
    for await (const item of readAmiBillingReads(Readable.from(chunks()))) {
      if (producedAtFirst < 0) producedAtFirst = produced;
      if (item.kind !== 'row' || item.line !== seen + 2)
        throw new Error(`unexpected ${JSON.stringify(item)}`);
      if (++seen === 20_000) break; // stopping early ends the source too
    }
    expect(seen).toBe(20_000);
    expect(producedAtFirst).toBeLessThanOrEqual(20_000);
    expect(produced).toBeLessThan(100_000);
  });
});
