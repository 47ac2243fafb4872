// Who counts as a heating customer, for the rules (cold-weather protections) and the reports alike.

/**
 * The household heats with a service this account has. A disconnect order is for the account, not
 * one of its services, so an electric-and-gas account heated by gas is a heating customer too (and
 * a gas furnace does not run without electricity either).
 */
export function isHeatingCustomer(heatingSource: string | null, services: readonly string[]): boolean {
  return (heatingSource === 'ELECTRIC' || heatingSource === 'GAS') && services.includes(heatingSource);
}
