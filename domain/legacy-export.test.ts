import {
  convertLegacyExport,
  moneyCents,
  phone,
  withdrawRows,
  zip,
  type LegacyExportRows,
  type LegacyFile,
  type SourceRow,
} from './legacy-export';

type Values = Record<string, string>;

const CUSTOMER: Values = {
  customer_id: 'C1',
  name: 'James Chen',
  mailing_address: '846 Church St, Millbrook, PA 16803',
  email: 'james@example.org',
  phone: '814-555-1001',
  language: 'en',
  paperless: 'N',
  date_of_birth: '1988-07-16',
};
const PREMISE: Values = {
  premise_id: 'P1',
  service_address: '846 Church St, Millbrook, PA 16803',
  zip: '16803',
  service_area: 'South',
  state: 'PA',
  premise_type: 'RESIDENTIAL',
  heating: 'GAS',
  service_line_public: 'LEAD',
  service_line_private: 'NON_LEAD',
};
const ACCOUNT: Values = {
  account_id: '100001',
  customer_id: 'C1',
  premise_id: 'P1',
  class: 'RES',
  bill_cycle: '1',
  service_start: '2019-06-01',
  deposit_held: '100.00',
  autopay: 'Y',
};
const WATER_METER: Values = {
  meter_id: 'W1',
  premise_id: 'P1',
  service: 'WATER',
  read_unit: 'GAL',
  dials: '6',
  multiplier: '10',
  size: '5/8"',
  endpoint_sn: 'EP700001',
  installed: '2019-05-01',
};
const ELECTRIC_METER: Values = {
  ...WATER_METER,
  meter_id: 'E1',
  service: 'ELECTRIC',
  read_unit: 'KWH',
  dials: '5',
  multiplier: '1',
  size: '',
  endpoint_sn: 'EP800001',
};

/** Data rows start on line 2, under the header. */
const rows = (...values: Values[]): SourceRow[] => values.map((v, i) => ({ line: i + 2, values: v }));

/** A clean two-customer export, with `patch` applied to the first row of one file. */
function exportWith(file?: LegacyFile, patch: Values = {}): LegacyExportRows {
  const first = (f: LegacyFile, v: Values) => (f === file ? { ...v, ...patch } : v);
  return {
    customers: rows(first('customers.csv', CUSTOMER), { ...CUSTOMER, customer_id: 'C2', email: '' }),
    premises: rows(first('premises.csv', PREMISE), { ...PREMISE, premise_id: 'P2', heating: '' }),
    accounts: rows(first('accounts.csv', ACCOUNT), {
      ...ACCOUNT,
      account_id: '100002',
      customer_id: 'C2',
      premise_id: 'P2',
    }),
    meters: rows(first('meters.csv', WATER_METER), ELECTRIC_METER, {
      ...WATER_METER,
      meter_id: 'W2',
      premise_id: 'P2',
      endpoint_sn: 'EP700002',
    }),
  };
}

describe('a clean export', () => {
  const out = convertLegacyExport(exportWith());

  test('has no rejections and loads every row', () => {
    expect(out.rejections).toEqual([]);
    expect([out.customers.length, out.premises.length, out.accounts.length, out.meters.length]).toEqual([
      2, 2, 2, 3,
    ]);
  });

  test('normalizes customers, keeping the date of birth as a date string', () => {
    expect(out.customers[0]).toEqual({
      id: 'C1',
      name: 'James Chen',
      mailingAddress: '846 Church St, Millbrook, PA 16803',
      email: 'james@example.org',
      phone: '814-555-1001',
      language: 'en',
      paperless: false,
      dateOfBirth: '1988-07-16',
    });
    expect(out.customers[1]!.email).toBeNull();
  });

  test('gives premises their state as jurisdiction profile', () => {
    expect(out.premises[0]).toMatchObject({
      id: 'P1',
      state: 'PA',
      jurisdictionProfile: 'PA',
      heating: 'GAS',
    });
    expect(out.premises[1]!.heating).toBeNull();
  });

  test('turns dollars into cents and Y/N into booleans', () => {
    expect(out.accounts[0]).toEqual({
      id: '100001',
      customerId: 'C1',
      premiseId: 'P1',
      class: 'RES',
      billCycle: 1,
      startDate: '2019-06-01',
      depositHeldCents: 10000,
      autopay: true,
    });
  });

  test('makes one service point per premise and service, and hangs meters on it', () => {
    expect(out.servicePoints).toEqual([
      { id: 'SP-P1-WATER', premiseId: 'P1', service: 'WATER' },
      { id: 'SP-P1-ELECTRIC', premiseId: 'P1', service: 'ELECTRIC' },
      { id: 'SP-P2-WATER', premiseId: 'P2', service: 'WATER' },
    ]);
    expect(out.meters[0]).toEqual({
      id: 'W1',
      servicePointId: 'SP-P1-WATER',
      service: 'WATER',
      readUnit: 'GAL',
      dials: 6,
      multiplier: 10,
      size: '5/8"',
      amiEndpoint: 'EP700001',
      installedOn: '2019-05-01',
    });
    expect(out.meters[1]).toMatchObject({ id: 'E1', size: null, readUnit: 'KWH' });
  });

  test('remembers the line each row came from', () => {
    expect(out.sourceLines.meters.get('W2')).toBe(4);
  });
});

// Each case breaks one field of the first row of one file: exactly one problem is reported there.
test.each<[LegacyFile, string, string, RegExp]>([
  ['customers.csv', 'name', '', /required/],
  ['customers.csv', 'customer_id', '', /required/],
  ['customers.csv', 'email', 'james@example', /email/],
  ['customers.csv', 'email', 'james @example.org', /email/],
  ['customers.csv', 'phone', '555-1001', /phone/],
  ['customers.csv', 'phone', '814-055-1001', /phone/],
  ['customers.csv', 'phone', '814-555-1001 x12', /phone/],
  ['customers.csv', 'language', 'eng', /language/],
  ['customers.csv', 'paperless', 'maybe', /Y or N/],
  ['premises.csv', 'zip', '1680', /ZIP/],
  ['premises.csv', 'zip', '16803-12', /ZIP/],
  ['premises.csv', 'state', 'XX', /state/],
  ['premises.csv', 'state', '', /required/],
  ['premises.csv', 'premise_type', 'INDUSTRIAL', /one of RESIDENTIAL, COMMERCIAL/],
  ['premises.csv', 'heating', 'COAL', /one of/],
  ['premises.csv', 'service_line_public', 'COPPER', /one of/],
  ['premises.csv', 'service_line_private', 'maybe lead', /one of/],
  ['accounts.csv', 'class', 'IND', /one of RES, COM/],
  ['accounts.csv', 'bill_cycle', '0', /1 to 31/],
  ['accounts.csv', 'bill_cycle', '32', /1 to 31/],
  ['accounts.csv', 'bill_cycle', '1.5', /1 to 31/],
  ['accounts.csv', 'service_start', '2019-13-01', /calendar/],
  ['accounts.csv', 'service_start', '', /required/],
  ['accounts.csv', 'deposit_held', '-5.00', /negative/],
  ['accounts.csv', 'deposit_held', '100.001', /2 decimal/],
  ['accounts.csv', 'deposit_held', 'ten dollars', /money/],
  ['accounts.csv', 'deposit_held', '1,000.00', /money/],
  ['accounts.csv', 'autopay', '', /required/],
  ['meters.csv', 'service', 'STEAM', /one of/],
  ['meters.csv', 'read_unit', 'LITRES', /one of GAL/],
  ['meters.csv', 'read_unit', 'KWH', /not a unit for a WATER meter/],
  ['meters.csv', 'dials', '0', /1 to 12/],
  ['meters.csv', 'dials', '13', /1 to 12/],
  ['meters.csv', 'dials', 'six', /1 to 12/],
  ['meters.csv', 'multiplier', '0', /positive/],
  ['meters.csv', 'multiplier', '2.5', /positive/],
  ['meters.csv', 'size', '', /required for a WATER meter/],
  ['meters.csv', 'installed', '2019-5-1', /YYYY-MM-DD/],
])('%s %s = %j is rejected', (file, field, value, problem) => {
  const out = convertLegacyExport(exportWith(file, { [field]: value }));
  expect(out.rejections.filter((r) => r.file === file)).toEqual([
    { file, line: 2, field, value, problem: expect.stringMatching(problem) },
  ]);
});

test.each([
  ['07/16/1988', '********88', /YYYY-MM-DD/],
  ['1987-02-29', '********29', /calendar/],
])('a bad date of birth %s is rejected, and reported masked', (dob, masked, problem) => {
  const out = convertLegacyExport(exportWith('customers.csv', { date_of_birth: dob }));
  expect(out.rejections.filter((r) => r.file === 'customers.csv')).toEqual([
    {
      file: 'customers.csv',
      line: 2,
      field: 'date_of_birth',
      value: masked,
      problem: expect.stringMatching(problem),
    },
  ]);
});

test('a rejected row is not loaded, and neither is what depends on it', () => {
  const out = convertLegacyExport(exportWith('premises.csv', { zip: 'none' }));
  expect(out.premises.map((p) => p.id)).toEqual(['P2']);
  expect(out.accounts.map((a) => a.id)).toEqual(['100002']);
  expect(out.meters.map((m) => m.id)).toEqual(['W2']);
  expect(out.servicePoints.map((sp) => sp.id)).toEqual(['SP-P2-WATER']);
  expect(out.rejections).toEqual([
    {
      file: 'premises.csv',
      line: 2,
      field: 'zip',
      value: 'none',
      problem: 'is not a 5- or 9-digit ZIP code',
    },
    {
      file: 'accounts.csv',
      line: 2,
      field: 'premise_id',
      value: 'P1',
      problem: 'refers to premise P1, which was rejected',
    },
    {
      file: 'meters.csv',
      line: 2,
      field: 'premise_id',
      value: 'P1',
      problem: 'refers to premise P1, which was rejected',
    },
    {
      file: 'meters.csv',
      line: 3,
      field: 'premise_id',
      value: 'P1',
      problem: 'refers to premise P1, which was rejected',
    },
  ]);
});

test('a reference to an id that is nowhere in the export says so', () => {
  const out = convertLegacyExport(exportWith('accounts.csv', { customer_id: 'C9' }));
  expect(out.rejections).toEqual([
    {
      file: 'accounts.csv',
      line: 2,
      field: 'customer_id',
      value: 'C9',
      problem: 'refers to customer C9, which is not in customers.csv',
    },
  ]);
  expect(out.accounts.map((a) => a.id)).toEqual(['100002']);
});

test('every problem of a row is reported, including its broken references', () => {
  const out = convertLegacyExport(
    exportWith('accounts.csv', { class: 'X', bill_cycle: '99', premise_id: 'P9' }),
  );
  expect(out.rejections.map((r) => r.field)).toEqual(['class', 'bill_cycle', 'premise_id']);
});

test('a repeated id keeps the first row and rejects the repeat', () => {
  const input = exportWith();
  input.customers = [...input.customers, { line: 4, values: { ...CUSTOMER, name: 'Someone Else' } }];
  const out = convertLegacyExport(input);
  expect(out.rejections).toEqual([
    {
      file: 'customers.csv',
      line: 4,
      field: 'customer_id',
      value: 'C1',
      problem: 'duplicates the customer_id on line 2',
    },
  ]);
  expect(out.customers.find((c) => c.id === 'C1')!.name).toBe('James Chen');
});

test('two meters may not share an AMI endpoint', () => {
  const out = convertLegacyExport(exportWith('meters.csv', { endpoint_sn: 'EP800001' }));
  expect(out.rejections).toEqual([
    {
      file: 'meters.csv',
      line: 3,
      field: 'endpoint_sn',
      value: 'EP800001',
      problem: 'duplicates the endpoint_sn on line 2',
    },
  ]);
});

test('electric and gas meters may leave the size blank', () => {
  const gas = {
    ...ELECTRIC_METER,
    meter_id: 'G1',
    service: 'GAS',
    read_unit: 'THERM',
    endpoint_sn: 'EP900001',
  };
  const out = convertLegacyExport(exportWith('meters.csv', gas));
  expect(out.rejections).toEqual([]);
});

test('blank optional fields take the documented defaults', () => {
  const out = convertLegacyExport(
    exportWith('premises.csv', { service_line_public: '', service_line_private: '', heating: '' }),
  );
  expect(out.premises[0]).toMatchObject({
    heating: null,
    serviceLinePublic: 'LEAD_STATUS_UNKNOWN',
    serviceLinePrivate: 'LEAD_STATUS_UNKNOWN',
  });
  const c = convertLegacyExport(exportWith('customers.csv', { language: '', date_of_birth: '', phone: '' }));
  expect(c.customers[0]).toMatchObject({ language: 'en', dateOfBirth: null, phone: null });
  const a = convertLegacyExport(exportWith('accounts.csv', { deposit_held: '' }));
  expect(a.accounts[0]!.depositHeldCents).toBe(0);
});

test('values are trimmed and enums and codes are case-insensitive', () => {
  const out = convertLegacyExport(exportWith('premises.csv', { state: ' pa ', premise_type: 'commercial ' }));
  expect(out.premises[0]).toMatchObject({
    state: 'PA',
    jurisdictionProfile: 'PA',
    premiseType: 'COMMERCIAL',
  });
});

test.each([
  ['0.00', 0],
  ['100.00', 10000],
  ['100', 10000],
  ['75.5', 7550],
  ['0.29', 29],
  ['1.10', 110],
  ['0.07', 7],
  ['019.99', 1999],
  ['21474836.47', 2147483647],
])('money %s is %d cents', (s, cents) => {
  expect(moneyCents(s)).toEqual({ ok: true, value: cents });
});

test.each(['21474836.48', '123456789.00', '.50', '5.', '1e3', '$5.00'])('money %s is refused', (s) => {
  expect(moneyCents(s).ok).toBe(false);
});

test.each([
  ['814-555-1001', '814-555-1001'],
  ['(814) 555-1001', '814-555-1001'],
  ['814.555.1001', '814-555-1001'],
  ['8145551001', '814-555-1001'],
  ['+1 814 555 1001', '814-555-1001'],
  ['1-814-555-1001', '814-555-1001'],
])('phone %s is %s', (s, normalized) => {
  expect(phone(s)).toEqual({ ok: true, value: normalized });
});

test.each([
  ['16803', '16803'],
  ['16803-1234', '16803-1234'],
  ['168031234', '16803-1234'],
])('ZIP %s is %s', (s, normalized) => {
  expect(zip(s)).toEqual({ ok: true, value: normalized });
});

describe('withdrawing rows found bad later', () => {
  const clean = convertLegacyExport(exportWith());

  test('takes out the row and everything that depends on it', () => {
    const found = {
      file: 'customers.csv',
      line: 2,
      field: 'customer_id',
      value: 'C1',
      problem: 'exists',
    } as const;
    const out = withdrawRows(clean, [found]);
    expect(out.customers.map((c) => c.id)).toEqual(['C2']);
    expect(out.accounts.map((a) => a.id)).toEqual(['100002']);
    expect(out.rejections).toEqual([
      found,
      {
        file: 'accounts.csv',
        line: 2,
        field: 'customer_id',
        value: 'C1',
        problem: 'refers to customer C1, which was rejected',
      },
    ]);
  });

  test('drops a service point whose meters are all withdrawn', () => {
    const found = {
      file: 'premises.csv',
      line: 3,
      field: 'premise_id',
      value: 'P2',
      problem: 'exists',
    } as const;
    const out = withdrawRows(clean, [found]);
    expect(out.servicePoints.map((sp) => sp.id)).toEqual(['SP-P1-WATER', 'SP-P1-ELECTRIC']);
    expect(out.meters.map((m) => m.id)).toEqual(['W1', 'E1']);
    expect(out.rejections.map((r) => `${r.file}:${r.line}:${r.field}`)).toEqual([
      'premises.csv:3:premise_id',
      'accounts.csv:3:premise_id',
      'meters.csv:4:premise_id',
    ]);
  });
});
