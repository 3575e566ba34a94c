// Opens accounts from identity's events: a merchant account per currency when a service is onboarded (and a payer
// account per currency too when it is an insurer: its scopes carry `insure:<service>`), the resident's account in
// the default currency when a credential is issued. Each event is processed once (inbox),
// in the same transaction as the accounts it opens. A service onboarded with a location (where its counter is) is
// placed for the risk engine first: stored (again, harmlessly, when the event repeats) and learned by `places`
// (app/merchant_places.ts).
import { identityEventSubjects, serviceScope } from '@citypass/contracts';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { CredentialIssued, ServiceOnboarded } from '@citypass/proto/identity/v1/identity';
import type { Logger } from '@citypass/platform/log';
import { startConsumer } from '@citypass/platform/outbox';
import { openAccount } from '../app/open_account.ts';
import type { KnownPlaces } from '../app/known_places.ts';
import type { WalletStore } from '../app/store.ts';

/** The events processed, by id, in the wallet's database (the inbox): one name whatever the durable's. */
const consumer = 'wallet-accounts';

export async function startIdentityConsumer(options: {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  /** The durable consumer's name (WALLET_IDENTITY_CONSUMER). */
  durable: string;
  store: WalletStore;
  currencies: readonly string[];
  /** The risk engine's places; undefined when it is off (the location is stored all the same). */
  places: KnownPlaces | undefined;
  logger: Logger;
}): Promise<{ stop(): Promise<void> }> {
  const [defaultCurrency] = options.currencies;
  if (defaultCurrency === undefined) throw new Error('at least one currency is required');
  return startConsumer({
    js: options.js,
    jsm: options.jsm,
    stream: options.stream,
    durable: options.durable,
    filterSubject: identityEventSubjects.all,
    logger: options.logger,
    handler: async (envelope) => {
      if (
        envelope.type !== identityEventSubjects.serviceOnboarded &&
        envelope.type !== identityEventSubjects.credentialIssued
      )
        return;
      const onboarded =
        envelope.type === identityEventSubjects.serviceOnboarded
          ? ServiceOnboarded.decode(envelope.payload)
          : undefined;
      if (onboarded?.location !== undefined) {
        const place = { service: onboarded.serviceName, point: onboarded.location };
        await options.store.merchantPlaces.put(place);
        if (options.places?.learnMerchant(place.service, place.point) === false)
          options.logger.warn(
            'a merchant located outside the WALLET_RISK_ORIGIN frame (or without one) is not placed',
            {
              service: place.service,
            },
          );
      }
      await options.store.transaction(async (tx) => {
        if (!(await tx.processOnce(consumer, envelope.id))) return;
        if (onboarded !== undefined) {
          const event = onboarded;
          const insurer = event.scopes.includes(serviceScope('insure', event.serviceName));
          for (const currency of options.currencies) {
            await openAccount(tx, 'merchant', event.serviceName, currency);
            if (insurer) await openAccount(tx, 'payer', event.serviceName, currency);
          }
        } else {
          await openAccount(tx, 'resident', CredentialIssued.decode(envelope.payload).residentId, defaultCurrency);
        }
      });
    },
  });
}
