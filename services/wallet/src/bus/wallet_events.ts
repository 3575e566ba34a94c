// The wallet's events, written to the outbox inside the transaction that makes the change.
import { AccountOpened, HoldChanged, ToppedUp } from '@citypass/proto/wallet/v1/wallet';
import { appendEvent } from '@citypass/platform/outbox';
import type { Queryable } from '@citypass/platform/pg';

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

export async function holdChanged(db: Queryable, event: HoldEvent, change: HoldChanged): Promise<void> {
  await appendEvent(db, { type: walletSubjects[event], source, payload: HoldChanged.encode(change).finish() });
}

export async function accountOpened(db: Queryable, event: AccountOpened): Promise<void> {
  await appendEvent(db, { type: walletSubjects.accountOpened, source, payload: AccountOpened.encode(event).finish() });
}

export async function toppedUp(db: Queryable, event: ToppedUp): Promise<void> {
  await appendEvent(db, { type: walletSubjects.toppedUp, source, payload: ToppedUp.encode(event).finish() });
}
