export default async function globalTeardown(): Promise<void> {
  const pg = (globalThis as Record<string, unknown>).__OPENCIS_PG__ as { stop(): Promise<void> } | undefined;
  await pg?.stop();
}
