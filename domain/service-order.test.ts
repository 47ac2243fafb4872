import { canAssign, canCancel, canComplete, type OrderState } from './service-order';

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
  expect(canComplete('LEAK_CHECK', assigned, { crewId: 'A', outcome: 'LEAK_FOUND' }).ok).toBe(true);
  expect(
    canComplete('METER_EXCHANGE', assigned, { crewId: 'A', outcome: 'NO_ACCESS', notes: 'dog in yard' }).ok,
  ).toBe(true);
  expect(canComplete('METER_EXCHANGE', assigned, { crewId: 'A', outcome: 'NO_ACCESS' })).toMatchObject({
    field: 'notes',
  });
});
