// Prisma CLI configuration. The CLI is used only for `generate` and for authoring migrations with
// `migrate diff`; `engine: 'js'` keeps both offline (no engine binary download). Migrations are
// applied by our own runner (lib/db/migrate.ts); see ARCHITECTURE.md.
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

// The CLI refuses to read the schema without a URL, even for commands that never connect.
process.env.DATABASE_URL ??= 'postgresql://localhost:5432/opencis';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () => new PrismaPg({ connectionString: process.env.DATABASE_URL }),
});
