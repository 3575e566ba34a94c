// Operator command and the daily job: `npm run reconcile -w @citypass/wallet` (uses WALLET_DATABASE_URL). Runs the
// reconciliation report (app/reconciliation_report.ts) on one read-only snapshot, keeps the run (ran by
// 'scheduled'), prints it as JSON lines, one per check, and exits 1 if any check found a break, 2 if it could not run.
import { createPool } from '@citypass/platform/pg';
import { reconcileAndRecord } from './app/reconciliation_report.ts';
import { loadWalletConfig } from './config.ts';
import { reconciliationStore } from './store/reconciliation.ts';

const pool = createPool(loadWalletConfig().WALLET_DATABASE_URL, { applicationName: 'wallet-reconcile', max: 1 });
try {
  const report = await reconcileAndRecord(reconciliationStore(pool), 'scheduled');
  for (const check of report.checks) process.stdout.write(`${JSON.stringify(check)}\n`);
  process.stdout.write(`${JSON.stringify({ ok: report.ok, runId: report.id })}\n`);
  process.exitCode = report.ok ? 0 : 1;
} catch (error) {
  process.stderr.write(`reconcile failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
} finally {
  await pool.end();
}
