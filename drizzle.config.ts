import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes D1 migrations from the edge schema; wrangler applies them (migrations_dir).
export default defineConfig({
  dialect: 'sqlite',
  schema: './edge/db/schema.ts',
  out: './migrations',
});
