import {
  canAssign,
  canCancel,
  canComplete,
  canSchedule,
  readingsOf,
  SERVICE_ORDER_TYPES,
  SLA_HOURS,
  slaDueAt,
  TYPE_SPECS,
  type OrderState,
  type ReadMeter,
} from './service-order';

const assigned: OrderState = { status: 'ASSIGNED', crewId: 'A' };

test.each([
  ['OPEN', null, 'A', true],
  ['ASSIGNED', 'A', 'B', true],
  ['ASSIGNED', 'A', 'A', false],
  ['COMPLETED', 'A', 'B', false],
  ['CANCELLED', null, 'B', false],
] as const)('assign from %s (crew %s) to %s → %s', (status, crewId, to, allowed) => {
  expect(canAssign({ status, crewId }, to).ok).toBe(allowed);
});

test('cancel only while open or assigned', () => {
  expect(canCancel({ status: 'OPEN', crewId: null }).ok).toBe(true);
  expect(canCancel(assigned).ok).toBe(true);
  expect(canCancel({ status: 'COMPLETED', crewId: 'A' }).ok).toBe(false);
});

test('completion by the assigned crew with a reading is allowed', () => {
  expect(
    canComplete('METER_INVESTIGATION', assigned, { crewId: 'A', outcome: 'READ_VERIFIED', readValue: 1234 }),
  ).toEqual({ ok: true });
});

test('another crew is told the order is not theirs', () => {
  expect(
    canComplete('METER_INVESTIGATION', assigned, { crewId: 'B', outcome: 'READ_VERIFIED', readValue: 1 }),
  ).toMatchObject({
    ok: false,
    code: 'not_found',
  });
});

test('a cancelled or completed order refuses completion as a conflict', () => {
  const c = { crewId: 'A', outcome: 'READ_VERIFIED', readValue: 1 } as const;
  expect(canComplete('LEAK_CHECK', { status: 'CANCELLED', crewId: 'A' }, c)).toMatchObject({
    code: 'conflict',
  });
  expect(canComplete('LEAK_CHECK', { status: 'COMPLETED', crewId: 'A' }, c)).toMatchObject({
    code: 'conflict',
  });
});

test('a reading is required where the order type needs one, unless there was no access', () => {
  expect(canComplete('METER_EXCHANGE', assigned, { crewId: 'A', outcome: 'COMPLETED_OK' })).toMatchObject({
    field: 'readValue',
  });
  expect(canComplete('LEAK_CHECK', assigned, { crewId: 'A', outcome: 'NO_LEAK_FOUND' }).ok).toBe(true);
  expect(
    canComplete('METER_EXCHANGE', assigned, { crewId: 'A', outcome: 'NO_ACCESS', notes: 'dog in yard' }).ok,
  ).toBe(true);
  expect(canComplete('METER_EXCHANGE', assigned, { crewId: 'A', outcome: 'NO_ACCESS' })).toMatchObject({
    field: 'notes',
  });
});

test('a held order cannot be dispatched until it is released', () => {
  expect(canAssign({ status: 'OPEN', crewId: null, hold: 'DEPOSIT' }, 'A')).toMatchObject({
    ok: false,
    code: 'conflict',
    message: expect.stringMatching(/deposit/),
  });
  expect(canCancel({ status: 'OPEN', crewId: null, hold: 'DEPOSIT' }).ok).toBe(true);
});

test('each type closes only with its own outcome codes', () => {
  expect(
    canComplete('LEAK_CHECK', assigned, { crewId: 'A', outcome: 'READ_VERIFIED', readValue: 1 }),
  ).toMatchObject({ code: 'validation_failed', field: 'outcome' });
  expect(canComplete('DOOR_HANGER', assigned, { crewId: 'A', outcome: 'COMPLETED_OK' }).ok).toBe(true);
  for (const t of SERVICE_ORDER_TYPES) expect(TYPE_SPECS[t].outcomes).toContain('NO_ACCESS');
});

test('what was found must be said', () => {
  expect(canComplete('LEAK_CHECK', assigned, { crewId: 'A', outcome: 'LEAK_FOUND' })).toMatchObject({
    field: 'notes',
  });
  expect(
    canComplete('LEAK_CHECK', assigned, {
      crewId: 'A',
      outcome: 'LEAK_FOUND',
      notes: 'Service line at the curb',
    }).ok,
  ).toBe(true);
});

describe('orders that read named meters', () => {
  const stop: OrderState = {
    ...assigned,
    meters: [
      { meterId: 'W1', dials: 6, role: 'FINAL', premiseId: 'P1' },
      { meterId: 'E1', dials: 5, role: 'FINAL', premiseId: 'P1' },
    ],
  };
  const one: OrderState = { ...assigned, meters: [stop.meters![0]!] };

  test('a single meter takes readValue', () => {
    expect(canComplete('STOP_SERVICE', one, { crewId: 'A', outcome: 'COMPLETED_OK', readValue: 5 }).ok).toBe(
      true,
    );
    expect(canComplete('STOP_SERVICE', one, { crewId: 'A', outcome: 'COMPLETED_OK' })).toMatchObject({
      field: 'readValue',
    });
  });

  test('every named meter must be read, and only those', () => {
    expect(
      canComplete('STOP_SERVICE', stop, {
        crewId: 'A',
        outcome: 'COMPLETED_OK',
        reads: [{ meterId: 'W1', value: 5 }],
      }),
    ).toMatchObject({ field: 'reads', message: expect.stringMatching(/E1/) });
    expect(
      canComplete('STOP_SERVICE', stop, {
        crewId: 'A',
        outcome: 'COMPLETED_OK',
        readValue: 5,
        reads: [{ meterId: 'E1', value: 7 }],
      }).ok,
    ).toBe(true);
    expect(
      canComplete('STOP_SERVICE', stop, {
        crewId: 'A',
        outcome: 'COMPLETED_OK',
        reads: [
          { meterId: 'W1', value: 5 },
          { meterId: 'X9', value: 7 },
        ],
      }),
    ).toMatchObject({ field: 'reads.1.meterId' });
    expect(
      canComplete('STOP_SERVICE', stop, {
        crewId: 'A',
        outcome: 'COMPLETED_OK',
        reads: [
          { meterId: 'W1', value: 5 },
          { meterId: 'E1', value: 100_000 },
        ],
      }),
    ).toMatchObject({ field: 'reads', message: expect.stringMatching(/5 dials/) });
  });

  test('readValue stands for the first named meter when reads leave it out', () => {
    const meters: ReadMeter[] = stop.meters! as ReadMeter[];
    expect([
      ...readingsOf(meters, {
        crewId: 'A',
        outcome: 'COMPLETED_OK',
        readValue: 1,
        reads: [{ meterId: 'E1', value: 2 }],
      }),
    ]).toEqual([
      ['E1', 2],
      ['W1', 1],
    ]);
  });

  test('orders opened before types named their meters still take readValue', () => {
    expect(
      canComplete('STOP_SERVICE', assigned, { crewId: 'A', outcome: 'COMPLETED_OK', readValue: 1 }).ok,
    ).toBe(true);
  });
});

test('rescheduling: a window needs both ends, in order, and a closed order keeps its schedule', () => {
  const open: OrderState = { status: 'OPEN', crewId: null };
  expect(canSchedule(open, { priority: 'HIGH' }).ok).toBe(true);
  expect(canSchedule(open, { windowStart: '2026-12-01T13:00:00Z' })).toMatchObject({ field: 'windowEnd' });
  expect(
    canSchedule(open, { windowStart: '2026-12-01T13:00:00Z', windowEnd: '2026-12-01T12:00:00Z' }),
  ).toMatchObject({ field: 'windowEnd' });
  expect(canSchedule(open, {})).toMatchObject({ field: 'priority' });
  expect(canSchedule({ status: 'COMPLETED', crewId: 'A' }, { priority: 'LOW' })).toMatchObject({
    code: 'conflict',
  });
});

test('SLA: hours by type and priority from when the order can be worked, or the deadline if sooner', () => {
  for (const t of SERVICE_ORDER_TYPES) {
    const h = SLA_HOURS[t];
    expect(h.EMERGENCY).toBeLessThanOrEqual(h.HIGH);
    expect(h.HIGH).toBeLessThanOrEqual(h.NORMAL);
    expect(h.NORMAL).toBeLessThanOrEqual(h.LOW);
  }
  expect(slaDueAt('LEAK_CHECK', 'EMERGENCY', '2026-12-01T10:00:00.000Z')).toBe('2026-12-01T12:00:00.000Z');
  expect(slaDueAt('RECONNECT', 'HIGH', '2026-12-01T10:00:00.000Z', '2026-12-01T20:00:00.000Z')).toBe(
    '2026-12-01T20:00:00.000Z',
  );
  expect(slaDueAt('RECONNECT', 'HIGH', '2026-12-01T10:00:00.000Z', '2026-12-09T20:00:00.000Z')).toBe(
    '2026-12-02T10:00:00.000Z',
  );
});
