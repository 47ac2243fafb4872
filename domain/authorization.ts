// Who may do what: the role × permission matrix, as data. Routes name the permission they need;
// per-object rules (a crew sees only its own orders) are checked where the object is loaded.
// Pure: safe anywhere, unit-tested as a table.

export const ROLES = ['csr', 'supervisor', 'field', 'auditor', 'admin', 'system'] as const;
export type RoleName = (typeof ROLES)[number];

export const PERMISSIONS = {
  'customer:read': ['csr', 'supervisor', 'auditor', 'admin', 'system'],
  'customer:write': ['csr', 'supervisor', 'admin', 'system'],
  'premise:read': ['csr', 'supervisor', 'auditor', 'admin', 'system'],
  'premise:write': ['csr', 'supervisor', 'admin', 'system'],
  'account:read': ['csr', 'supervisor', 'auditor', 'admin', 'system'],
  'account:write': ['csr', 'supervisor', 'admin', 'system'],
  'meter:read': ['csr', 'supervisor', 'auditor', 'admin', 'system'],
  'meter:write': ['supervisor', 'admin', 'system'],
  'interaction:read': ['csr', 'supervisor', 'auditor', 'admin', 'system'],
  'interaction:write': ['csr', 'supervisor', 'admin'],
  'timeline:read': ['csr', 'supervisor', 'auditor', 'admin', 'system'],
  'service-order:read': ['csr', 'supervisor', 'auditor', 'admin', 'system'],
  'service-order:create': ['csr', 'supervisor', 'admin', 'system'],
  'service-order:dispatch': ['supervisor', 'admin', 'system'],
  'service-order:cancel': ['supervisor', 'admin', 'system'],
  'field:work': ['field'],
  'crew:read': ['csr', 'supervisor', 'auditor', 'admin'],
  'crew:write': ['supervisor', 'admin'],
  'audit:read': ['auditor', 'admin'],
  'audit:verify': ['auditor', 'admin', 'supervisor'],
  'import:run': ['admin'],
  'import:read': ['admin', 'auditor', 'supervisor'],
  'mail:read': ['admin', 'supervisor', 'auditor'],
  /** Close a print batch of notices ahead of the daily one. */
  'mail:print': ['admin', 'supervisor'],
  'user:admin': ['admin'],
  'payment:read': ['csr', 'supervisor', 'auditor', 'admin', 'system'],
  'payment:write': ['csr', 'supervisor', 'admin', 'system'],
  'payment:return': ['supervisor', 'admin', 'system'],
  'ledger:read': ['csr', 'supervisor', 'auditor', 'admin', 'system'],
  'bank-file:import': ['supervisor', 'admin'],
  'read:read': ['csr', 'supervisor', 'auditor', 'admin', 'system'],
  'read:import': ['csr', 'supervisor', 'admin', 'system'],
  'read-exception:read': ['csr', 'supervisor', 'auditor', 'admin', 'system'],
  'read-exception:work': ['csr', 'supervisor', 'admin'],
  'bill:read': ['csr', 'supervisor', 'auditor', 'admin', 'system'],
  'bill:adjust': ['supervisor', 'admin'],
  'bill:rebill': ['supervisor', 'admin'],
  /** Resend a bill email the register marks unconfirmed. */
  'bill:resend': ['csr', 'supervisor', 'admin'],
  'bill-cycle:read': ['csr', 'supervisor', 'auditor', 'admin', 'system'],
  'bill-cycle:run': ['csr', 'supervisor', 'admin', 'system'],
  'bill-cycle:approve': ['supervisor', 'admin'],
  'tariff:read': ['csr', 'supervisor', 'auditor', 'admin', 'system'],
  'tariff:write': ['supervisor', 'admin'],
  'metrics:read': ['admin', 'auditor', 'supervisor', 'system'],
  'case:write': ['csr', 'supervisor', 'admin'],
  'case:hold': ['supervisor', 'admin'],
  /** Record an affidavit filed with the regulator before a winter termination (MD: the PSC). */
  'case:affidavit': ['supervisor', 'admin'],
  'case:read': ['csr', 'supervisor', 'auditor', 'admin'],
  'weather:read': ['csr', 'supervisor', 'auditor', 'admin', 'system'],
  'weather:write': ['supervisor', 'admin', 'system'],
  'report:read': ['supervisor', 'auditor', 'admin'],
  /** The public agencies that receive copies of disconnection notices (health department). */
  'agency:write': ['supervisor', 'admin'],
  // Bank accounts on file (ACH autopay, refunds): everyone who works accounts sees them masked.
  'bank-account:read': ['csr', 'supervisor', 'auditor', 'admin', 'system'],
  'bank-account:write': ['csr', 'supervisor', 'admin'],
  // Personal data in clear (bank account numbers, dates of birth): only those who must verify or
  // correct it, and the worker that writes bank files. Auditors review who looked, never the data.
  'pii:read': ['supervisor', 'admin', 'system'],
} as const satisfies Record<string, readonly RoleName[]>;

export type Permission = keyof typeof PERMISSIONS;

export function isRole(value: string): value is RoleName {
  return (ROLES as readonly string[]).includes(value);
}

export function can(role: RoleName, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly RoleName[]).includes(role);
}
