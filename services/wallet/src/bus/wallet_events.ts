// The wallet's events: subjects and envelopes. The store writes them to the outbox inside the transaction (or the
// one statement) that makes the change; the relay publishes them.
import { AccountOpened, HoldChanged, ToppedUp } from '@citypass/proto/wallet/v1/wallet';
import type { NewEvent } from '@citypass/platform/outbox';

export const walletSubjects = {
  all: 'wallet.v1.events.>',
  accountOpened: 'wallet.v1.events.account.opened',
  toppedUp: 'wallet.v1.events.account.topped_up',
  holdAuthorized: 'wallet.v1.events.hold.authorized',
  holdCaptured: 'wallet.v1.events.hold.captured',
  holdVoided: 'wallet.v1.events.hold.voided',
  holdExpired: 'wallet.v1.events.hold.expired',
  holdRefunded: 'wallet.v1.events.hold.refunded',
} as const;

const source = 'wallet';

export type HoldEvent = 'holdAuthorized' | 'holdCaptured' | 'holdVoided' | 'holdExpired' | 'holdRefunded';

export function holdChanged(event: HoldEvent, change: HoldChanged): NewEvent {
  return { type: walletSubjects[event], source, payload: HoldChanged.encode(change).finish() };
}

export function accountOpened(event: AccountOpened): NewEvent {
  return { type: walletSubjects.accountOpened, source, payload: AccountOpened.encode(event).finish() };
}

export function toppedUp(event: ToppedUp): NewEvent {
  return { type: walletSubjects.toppedUp, source, payload: ToppedUp.encode(event).finish() };
}
