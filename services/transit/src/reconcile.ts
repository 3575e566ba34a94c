// Operator command: `npm run reconcile -w @citypass/transit` (TRANSIT_DATABASE_URL, IDENTITY_TOKEN_URL,
// TRANSIT_CLIENT_ID, TRANSIT_CLIENT_SECRET, WALLET_GRPC_ADDRESS; config.ts reconcileSchema). Checks transit's
// journeys against the wallet's holds (app/reconcile_with_wallet.ts): transit's database is read on read-only
// connections, the wallet with a token that carries only `read:<client>`. Prints one JSON line per mismatch
// ("journey": journey, holds, transit's and the wallet's net) and per orphan hold, then a summary line; exits 1 if
// it found any, 2 if it could not run. Amounts are minor units, as strings.
import { resources, serviceScope } from '@citypass/contracts';
import { ClientCredentials } from '@citypass/platform/client_credentials';
import { createPool } from '@citypass/platform/pg';
import { reconcileWithWallet } from './app/reconcile_with_wallet.ts';
import { loadReconcileConfig, type ReconcileConfig } from './config.ts';
import { grpcWalletHoldReads } from './grpc/wallet_hold_reads.ts';
import { postgresWalletReconciliationStore } from './store/wallet_reconciliation_store.ts';

const print = (line: object): void => {
  process.stdout.write(
    `${JSON.stringify(line, (_, value: unknown) => (typeof value === 'bigint' ? String(value) : value))}\n`,
  );
};

/** The report's lines; true when it found nothing. */
async function reconcile(config: ReconcileConfig): Promise<boolean> {
  const pool = createPool(config.TRANSIT_DATABASE_URL, {
    applicationName: 'transit-reconcile',
    max: 1,
    readOnly: true,
  });
  const credentials = new ClientCredentials({
    tokenUrl: config.IDENTITY_TOKEN_URL,
    clientId: config.TRANSIT_CLIENT_ID,
    clientSecret: config.TRANSIT_CLIENT_SECRET,
    resource: resources.wallet,
    scope: serviceScope('read', config.TRANSIT_CLIENT_ID),
  });
  const wallet = grpcWalletHoldReads(config.WALLET_GRPC_ADDRESS, credentials);
  try {
    const report = await reconcileWithWallet(
      { books: postgresWalletReconciliationStore(pool), wallet, now: Date.now },
      {
        days: config.TRANSIT_RECONCILE_DAYS,
        pageSize: config.TRANSIT_RECONCILE_PAGE_SIZE,
        maxHolds: config.TRANSIT_RECONCILE_MAX_HOLDS,
        maxJourneys: config.TRANSIT_RECONCILE_MAX_JOURNEYS,
        maxReported: 1_000,
      },
    );
    for (const mismatch of report.journeyMismatches) print({ check: 'journey', ...mismatch });
    for (const orphan of report.orphanHolds) print({ check: 'orphan_hold', ...orphan });
    const { journeyMismatches, orphanHolds, ...summary } = report;
    print({ ...summary, journeyMismatches: journeyMismatches.length, orphanHolds: orphanHolds.length });
    return report.ok;
  } finally {
    wallet.close();
    await pool.end();
  }
}

try {
  process.exitCode = (await reconcile(loadReconcileConfig())) ? 0 : 1;
} catch (error) {
  // A configuration problem too: 1 says the books disagree, so anything that stopped the check is 2.
  process.stderr.write(`reconcile failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
