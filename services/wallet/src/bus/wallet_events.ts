// The wallet's events: subjects and envelopes. The store writes them to the outbox inside the transaction (or the
// one statement) that makes the change; the relay publishes them.
import { AccountOpened, HoldChanged, ToppedUp } from '@citypass/proto/wallet/v1/wallet';
import { walletEventSubjects } from '@citypass/contracts';
import type { NewEvent } from '@citypass/platform/outbox';
import { encodeMessage } from '@citypass/platform/protobuf';

const source = 'wallet';

export type HoldEvent = 'holdAuthorized' | 'holdCaptured' | 'holdVoided' | 'holdExpired' | 'holdRefunded';

export function holdChanged(event: HoldEvent, change: HoldChanged): NewEvent {
  return { type: walletEventSubjects[event], source, payload: encodeMessage(HoldChanged, change) };
}

export function accountOpened(event: AccountOpened): NewEvent {
  return { type: walletEventSubjects.accountOpened, source, payload: encodeMessage(AccountOpened, event) };
}

export function toppedUp(event: ToppedUp): NewEvent {
  return { type: walletEventSubjects.toppedUp, source, payload: encodeMessage(ToppedUp, event) };
}

/** A payer's top-up on its own subject: consumers of residents' top-ups (transit's debts) never see one. */
export function payerToppedUp(event: ToppedUp): NewEvent {
  return { type: walletEventSubjects.payerToppedUp, source, payload: encodeMessage(ToppedUp, event) };
}
