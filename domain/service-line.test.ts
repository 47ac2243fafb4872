import { verificationProblem } from './service-line';

const today = '2026-12-07';
const check = (material: string, source: string | null, verifiedOn: string | null) =>
  verificationProblem({ material, source, verifiedOn }, today);

test('a known material with its source and day stands; an unknown one without either', () => {
  expect(check('NON_LEAD', 'EXCAVATION', '2026-10-01')).toBeNull();
  expect(check('LEAD_STATUS_UNKNOWN', null, null)).toBeNull();
  expect(check('LEAD', null, null)).toBeNull();
});

test('a source and its day go together; an unknown line is not verified; never after today', () => {
  expect(check('LEAD', 'RECORDS', null)).toMatchObject({
    field: 'verifiedOn',
    message: expect.stringMatching(/needs the day/),
  });
  expect(check('LEAD', null, '2026-10-01')).toMatchObject({
    field: 'source',
    message: expect.stringMatching(/needs the source/),
  });
  expect(check('LEAD_STATUS_UNKNOWN', 'RECORDS', '2026-10-01')).toMatchObject({
    field: 'source',
    message: expect.stringMatching(/unknown material has not been verified/),
  });
  expect(check('NON_LEAD', 'RECORDS', '2026-12-08')).toMatchObject({
    field: 'verifiedOn',
    message: expect.stringMatching(/after today/),
  });
});
