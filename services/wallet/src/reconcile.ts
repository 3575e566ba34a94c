// Operator command: `npm run reconcile -w @citypass/wallet` (uses WALLET_DATABASE_URL). Prints the report as
// JSON lines, one per check, and exits 1 if any check found a break, 2 if it could not run.
import { createPool } from '@citypass/platform/pg';
import { reconcile } from './app/reconcile.ts';
import { loadWalletConfig } from './config.ts';

const pool = createPool(loadWalletConfig().WALLET_DATABASE_URL, { applicationName: 'wallet-reconcile', max: 1 });
try {
  // One snapshot for every check, so concurrent traffic cannot make the books look unbalanced.
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const report = await reconcile(client);
    await client.query('COMMIT');
    for (const check of report.checks) process.stdout.write(`${JSON.stringify(check)}\n`);
    process.stdout.write(`${JSON.stringify({ ok: report.ok })}\n`);
    process.exitCode = report.ok ? 0 : 1;
  } finally {
    client.release();
  }
} catch (error) {
  process.stderr.write(`reconcile failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
} finally {
  await pool.end();
}
