// What the visit's commands (check-in, lines, finalize, pay, read) and the bill sweeper share.
import type { PresentationVerifier } from '@citypass/credential';
import type { Logger } from '@citypass/platform/log';
import type { PeerLimits } from '@citypass/risk';
import type { WalletLink } from '../bus/wallet_link.ts';
import type { CatalogueCache } from './catalogue.ts';
import type { HealthBillingStore, Sealer } from './store.ts';

export interface VisitDeps {
  readonly store: HealthBillingStore;
  readonly sealer: Sealer;
  readonly catalogue: CatalogueCache;
  /** No replay cache: one check-in presentation opens one bill through the database (bills.checkin_nonce). */
  readonly verifier: PresentationVerifier;
  readonly wallet: WalletLink;
  readonly logger: Logger;
  readonly payWithinMs: number;
  /** When finalize flags a clinic far above its peers for a code (HEALTH_BILLING_PEER_*, risk's defaultPeerLimits unless set). */
  readonly peerLimits: PeerLimits;
  readonly now: () => number;
}
