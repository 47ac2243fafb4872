// Seed helpers shared by the ledger and payments suites: an account made through the API and a
// CHARGE entry inserted directly (bills are another part's work). Each suite passes its own names
// and charge-key prefix so what it seeds stays as it was, recognisable in its own database.
import type { TestApp } from './app';

export interface LedgerFixtureNames {
  /** Customer name prefix: `${customer} ${n}`. */
  customer: string;
  /** Street for the mailing and service address: `${n} ${street}, Millbrook, PA 16801`. */
  street: string;
  /** CHARGE idempotency key prefix: `${chargeKeyPrefix}:${n}`. */
  chargeKeyPrefix: string;
}

/**
 * `app` is a getter because suites assign their TestApp in beforeAll, after this is called.
 * Counters are per call, so each suite numbers its accounts and charges from 1 as before.
 */
export function ledgerFixtures(app: () => TestApp, names: LedgerFixtureNames) {
  let seq = 0;
  /** A customer, premise and account through the API (no meter); `id` sets the account number. */
  async function newAccount(cls: 'RES' | 'COM' = 'RES', id?: string): Promise<string> {
    seq++;
    const c = await app().call('csr', 'POST', '/customers', {
      name: `${names.customer} ${seq}`,
      mailingAddress: `${seq} ${names.street}, Millbrook, PA 16801`,
    });
    const p = await app().call('csr', 'POST', '/premises', {
      serviceAddress: `${seq} ${names.street}, Millbrook, PA 16801`,
      zip: '16801',
      serviceArea: 'North',
      state: 'PA',
      premiseType: cls === 'RES' ? 'RESIDENTIAL' : 'COMMERCIAL',
    });
    const a = await app().call('csr', 'POST', '/accounts', {
      ...(id ? { id } : {}),
      customerId: c.body.id,
      premiseId: p.body.id,
      class: cls,
      billCycle: 1,
      startDate: '2025-01-01',
    });
    for (const r of [c, p, a])
      if (r.status !== 201) throw new Error(`seed: ${r.status} ${JSON.stringify(r.body)}`);
    return a.body.id as string;
  }

  let chargeSeq = 0;
  /** A CHARGE entry inserted directly, as the bill cycle would post it; returns its id. */
  async function charge(accountId: string, cents: number, effectiveDate: string, dueDate: string) {
    const row = await app().t.db.ledgerEntry.create({
      data: {
        accountId,
        kind: 'CHARGE',
        amountCents: BigInt(cents),
        effectiveDate: new Date(`${effectiveDate}T00:00:00Z`),
        dueDate: new Date(`${dueDate}T00:00:00Z`),
        idempotencyKey: `${names.chargeKeyPrefix}:${++chargeSeq}`,
        memo: `Test bill ${chargeSeq}`,
      },
    });
    return row.id.toString();
  }

  return { newAccount, charge };
}
