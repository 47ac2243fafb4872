// The SQL migrations and prisma/schema.prisma describe the same database: every model's every
// column is read once, so a field added to the schema and forgotten in a migration (or the other
// way round for a renamed column) fails here, not in production.
import { Prisma } from '@prisma/client';
import { createTestDatabase, type TestDatabase } from './helpers/db';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t?.close());

test('every model of the Prisma schema can be read with all its fields from the migrated database', async () => {
  const models = Prisma.dmmf.datamodel.models;
  expect(models.length).toBeGreaterThan(20);
  const failures: string[] = [];
  for (const m of models) {
    const delegate = (t.db as unknown as Record<string, { findFirst(): Promise<unknown> }>)[
      m.name[0]!.toLowerCase() + m.name.slice(1)
    ];
    try {
      await delegate!.findFirst();
    } catch (err) {
      failures.push(`${m.name}: ${(err as Error).message.split('\n').slice(-2).join(' ')}`);
    }
  }
  expect(failures).toEqual([]);
});
