import { can, PERMISSIONS, ROLES, type Permission } from './authorization';

const permissions = Object.keys(PERMISSIONS) as Permission[];

test.each(permissions.filter((p) => p.endsWith(':write') || p.endsWith(':create') || p.endsWith(':run')))(
  'an auditor may not %s',
  (p) => expect(can('auditor', p)).toBe(false),
);

test.each(permissions.filter((p) => p !== 'field:work'))('a field crew may not %s', (p) => {
  expect(can('field', p)).toBe(false);
});

test('only field crews work field orders', () => {
  expect(ROLES.filter((r) => can(r, 'field:work'))).toEqual(['field']);
});

test('a CSR cannot dispatch, cancel orders, run imports or administer users', () => {
  for (const p of ['service-order:dispatch', 'service-order:cancel', 'import:run', 'user:admin'] as const) {
    expect(can('csr', p)).toBe(false);
  }
});

test('an auditor can read the audit trail and verify it', () => {
  expect(can('auditor', 'audit:read')).toBe(true);
  expect(can('auditor', 'audit:verify')).toBe(true);
});

test('only supervisors and admins record an affidavit filed with the regulator', () => {
  expect(ROLES.filter((r) => can(r, 'case:affidavit'))).toEqual(['supervisor', 'admin']);
});
