// The wallet's events: subjects and envelopes. The store writes them to the outbox inside the transaction (or the
// one statement) that makes the change; the relay publishes them.
import { AccountOpened, HoldChanged, ToppedUp } from '@citypass/proto/wallet/v1/wallet';
import { walletEventSubjects } from '@citypass/contracts';
import type { NewEvent } from '@citypass/platform/outbox';

const source = 'wallet';

export type HoldEvent = 'holdAuthorized' | 'holdCaptured' | 'holdVoided' | 'holdExpired' | 'holdRefunded';

export function holdChanged(event: HoldEvent, change: HoldChanged): NewEvent {
  return { type: walletEventSubjects[event], source, payload: HoldChanged.encode(change).finish() };
}

export function accountOpened(event: AccountOpened): NewEvent {
  return { type: walletEventSubjects.accountOpened, source, payload: AccountOpened.encode(event).finish() };
}

export function toppedUp(event: ToppedUp): NewEvent {
  return { type: walletEventSubjects.toppedUp, source, payload: ToppedUp.encode(event).finish() };
}

/** A payer's top-up on its own subject: consumers of residents' top-ups (transit's debts) never see one. */
export function payerToppedUp(event: ToppedUp): NewEvent {
  return { type: walletEventSubjects.payerToppedUp, source, payload: ToppedUp.encode(event).finish() };
}
