// The engine's code catalogue, cached in memory: loaded at start and again after every PutCodes (codes and
// categories only; the engine never needs a description, so none is opened for it).
import { createCodeCatalogue, type CodeCatalogue, type ServiceCategory } from '../domain/codes.ts';
import type { HealthBillingStore } from './store.ts';

export class CatalogueCache {
  #current: CodeCatalogue = createCodeCatalogue([]);
  readonly #store: HealthBillingStore;

  constructor(store: HealthBillingStore) {
    this.#store = store;
  }

  get current(): CodeCatalogue {
    return this.#current;
  }

  async reload(): Promise<void> {
    const entries = await this.#store.codes.all();
    this.#current = createCodeCatalogue(
      entries.map((entry) => ({
        code: entry.code,
        category: entry.category as ServiceCategory,
        description: entry.code,
      })),
    );
  }
}
