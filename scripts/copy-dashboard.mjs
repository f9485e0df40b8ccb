// Copies the admin dashboard's page, script and style sheet next to the compiled admin API
// (dist/admin/dashboard/), which serves them from there; tsc copies only what it compiles.
import { cpSync } from 'node:fs';

cpSync(
  new URL('../engine/admin/dashboard/', import.meta.url),
  new URL('../dist/admin/dashboard/', import.meta.url),
  { recursive: true },
);
