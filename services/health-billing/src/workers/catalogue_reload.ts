// Reloads the code catalogue cache now and then: PutCodes reloads it on the instance that served it, this brings
// the other instances along.
import type { Logger } from '@citypass/platform/log';
import { runPeriodically, type PeriodicJob } from '@citypass/platform/periodic';
import type { CatalogueCache } from '../app/catalogue.ts';

export const catalogueReloadMs = 30_000;

export function startCatalogueReload(catalogue: CatalogueCache, logger: Logger): PeriodicJob {
  return runPeriodically({ name: 'health-billing-catalogue-reload', intervalMs: catalogueReloadMs, logger }, () =>
    catalogue.reload(),
  );
}
