// What settlement works with. In a file of its own, importing none of settlement's steps, so the settlement
// files (settle_rider, plan, steps, debts) all depend on it and never on each other in a circle.
import type { Logger } from '@citypass/platform/log';
import type { WalletLink } from '../bus/wallet_link.ts';
import type { DenyListMirror } from './deny_list.ts';
import type { FareBook } from './fare_book.ts';
import type { TransitStore } from './transit_store.ts';

export interface SettlementDeps {
  readonly store: TransitStore;
  readonly fares: FareBook;
  readonly wallet: WalletLink;
  readonly denyList: DenyListMirror;
  readonly logger: Logger;
  readonly now: () => number;
}
